//! Handler latency and throughput, split hot path against a deliberately blocking variant that
//! awaits a mock model with a fixed delay. Run with `cargo bench -p runtime --bench handlers`.
//! Sample sizes: BENCH_SAMPLES (split, per handler), BENCH_BLOCKING_SAMPLES (blocking, per handler).
//! BENCH_BACKENDS=servers measures the Redis and PostgreSQL backends instead (see `servers.rs`).

mod calls;
mod mock;
mod servers;
mod stats;

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use calls::{http_request, make_call, run_blocking, run_split, Call, HANDLERS};
use runtime::app::App;
use runtime::config::Config;
use runtime::conflict::events::GameEvent;
use runtime::conflict::HotContext;
use runtime::llm::{ModelClient, OpenAiClient, OpenAiSettings};
use serde_json::Value;
use stats::{micros, millis, summarize, Summary};

const MODEL_DELAY: Duration = Duration::from_millis(500);
/// Concurrent callers in the throughput runs and in the blocking latency runs.
const CONCURRENCY: usize = 32;

fn env_count(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

fn model_client(base_url: &str) -> Arc<dyn ModelClient> {
    let settings = OpenAiSettings {
        base_url: base_url.into(),
        model: "mock".into(),
        api_key: None,
        timeout: Duration::from_secs(10),
        retries: 0,
    };
    match OpenAiClient::new(settings) {
        Ok(client) => Arc::new(client),
        Err(error) => panic!("cannot build the model client: {error}"),
    }
}

async fn build_app(dir: &std::path::Path, name: &str, model: Arc<dyn ModelClient>) -> App {
    let mut config = Config::default();
    config.store.url = format!("sqlite://{}", dir.join(format!("{name}.db")).display());
    config.queue.workers = 16;
    config.queue.capacity = 200_000;
    match App::build_with_model(config, model).await {
        Ok(app) => app,
        Err(error) => panic!("cannot start the {name} service: {error}"),
    }
}

#[derive(Clone)]
struct BlockingState {
    hot: HotContext,
    model: Arc<dyn ModelClient>,
}

async fn blocking_call(state: &BlockingState, call: Call) -> Json<Value> {
    match run_blocking(&state.hot, &state.model, call).await {
        Ok(value) => Json(value),
        Err(error) => Json(serde_json::json!({ "error": error })),
    }
}

/// Serves the blocking variant under the same paths as the real API.
async fn spawn_blocking_server(state: BlockingState) -> String {
    let router = Router::new()
        .route(
            "/v1/events",
            post(
                |State(s): State<BlockingState>, Json(event): Json<GameEvent>| async move {
                    blocking_call(&s, Call::Event(Box::new(event))).await
                },
            ),
        )
        .route(
            "/v1/scenes/{scene_id}/bundle",
            get(
                |State(s): State<BlockingState>, Path(id): Path<i64>| async move {
                    blocking_call(&s, Call::Bundle(id)).await
                },
            ),
        )
        .route(
            "/v1/scenes/{scene_id}/tension",
            get(
                |State(s): State<BlockingState>, Path(id): Path<i64>| async move {
                    blocking_call(&s, Call::Tension(id)).await
                },
            ),
        )
        .route(
            "/v1/scenes/{scene_id}/gossip",
            get(
                |State(s): State<BlockingState>, Path(id): Path<i64>| async move {
                    blocking_call(&s, Call::Gossip(id)).await
                },
            ),
        )
        .with_state(state);
    let listener = match tokio::net::TcpListener::bind("127.0.0.1:0").await {
        Ok(listener) => listener,
        Err(error) => panic!("cannot bind the blocking server: {error}"),
    };
    let address = listener
        .local_addr()
        .map(|address| address.to_string())
        .unwrap_or_default();
    tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, router).await {
            eprintln!("blocking server stopped: {error}");
        }
    });
    format!("http://{address}")
}

async fn send_http(client: &reqwest::Client, base: &str, call: &Call) {
    let (body, path) = http_request(call);
    let url = format!("{base}{path}");
    let request = match body {
        Some(body) => client.post(url).json(&body),
        None => client.get(url),
    };
    match request.send().await {
        Ok(response) if response.status().is_success() => {
            let _ = response.bytes().await;
        }
        Ok(response) => panic!("{path} returned HTTP {}", response.status()),
        Err(error) => panic!("{path} failed: {error}"),
    }
}

/// Times `count` sequential calls of one handler.
async fn sequential<F, Fut>(handler: &str, count: usize, mut run: F) -> Summary
where
    F: FnMut(Call) -> Fut,
    Fut: Future<Output = ()>,
{
    let mut latencies = Vec::with_capacity(count);
    for i in 0..count {
        let call = make_call(handler, i);
        let started = Instant::now();
        run(call).await;
        latencies.push(started.elapsed());
    }
    summarize(latencies)
}

/// Runs `count` calls with `CONCURRENCY` callers; returns their latencies and the wall time.
async fn concurrent<F, Fut>(handlers: &[&str], count: usize, run: F) -> (Vec<Duration>, Duration)
where
    F: Fn(Call) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    let handlers: Vec<String> = handlers.iter().map(|name| name.to_string()).collect();
    let started = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for worker in 0..CONCURRENCY {
        let run = run.clone();
        let handlers = handlers.clone();
        workers.spawn(async move {
            let mut latencies = Vec::new();
            let mut i = worker;
            while i < count {
                let call = make_call(&handlers[i % handlers.len()], i);
                let call_started = Instant::now();
                run(call).await;
                latencies.push(call_started.elapsed());
                i += CONCURRENCY;
            }
            latencies
        });
    }
    let mut latencies = Vec::with_capacity(count);
    while let Some(result) = workers.join_next().await {
        latencies.extend(result.unwrap_or_default());
    }
    (latencies, started.elapsed())
}

struct Row {
    handler: &'static str,
    split_local: Summary,
    split_http: Summary,
    blocking_local: Summary,
    blocking_http: Summary,
}

fn print_table(rows: &[Row]) {
    println!("| handler | split in-process p50 / p99 / max (µs) | split HTTP p50 / p99 / max (µs) | blocking in-process p50 / p99 (ms) | blocking HTTP p50 / p99 (ms) | p50 ratio in-process | p50 ratio HTTP |");
    println!("| --- | --- | --- | --- | --- | --- | --- |");
    for row in rows {
        let ratio = |blocking: Summary, split: Summary| {
            blocking.p50.as_secs_f64() / split.p50.as_secs_f64().max(1e-9)
        };
        println!(
            "| {} | {} / {} / {} | {} / {} / {} | {} / {} | {} / {} | {:.0}x | {:.0}x |",
            row.handler,
            micros(row.split_local.p50),
            micros(row.split_local.p99),
            micros(row.split_local.max),
            micros(row.split_http.p50),
            micros(row.split_http.p99),
            micros(row.split_http.max),
            millis(row.blocking_local.p50),
            millis(row.blocking_local.p99),
            millis(row.blocking_http.p50),
            millis(row.blocking_http.p99),
            ratio(row.blocking_local, row.split_local),
            ratio(row.blocking_http, row.split_http),
        );
    }
}

async fn bench() {
    let samples = env_count("BENCH_SAMPLES", 2_000);
    let blocking_samples = env_count("BENCH_BLOCKING_SAMPLES", CONCURRENCY * 2);
    let dir = std::env::temp_dir().join(format!("runtime-bench-{}", std::process::id()));
    if let Err(error) = std::fs::create_dir_all(&dir) {
        panic!("cannot create {}: {error}", dir.display());
    }
    let mock_url = match mock::start(MODEL_DELAY).await {
        Ok(url) => url,
        Err(error) => panic!("cannot start the mock model: {error}"),
    };
    let model = model_client(&mock_url);
    let split = build_app(&dir, "split", model.clone()).await;
    let blocking = build_app(&dir, "blocking", model.clone()).await;
    let split_server = match runtime::api::spawn_server(&split, "127.0.0.1:0").await {
        Ok(server) => server,
        Err(error) => panic!("cannot start the split server: {error}"),
    };
    let split_base = format!("http://{}", split_server.address);
    let blocking_state = BlockingState {
        hot: blocking.hot.clone(),
        model: model.clone(),
    };
    let blocking_base = spawn_blocking_server(blocking_state.clone()).await;
    let client = reqwest::Client::new();
    println!("mock model delay {} ms, {samples} split samples and {blocking_samples} blocking samples per handler, {CONCURRENCY} concurrent callers\n", MODEL_DELAY.as_millis());

    let mut rows = Vec::new();
    for handler in HANDLERS {
        let hot = split.hot.clone();
        sequential(handler, 200, |call| {
            let hot = hot.clone();
            async move {
                let _ = run_split(&hot, call).await;
            }
        })
        .await;
        let split_local = sequential(handler, samples, |call| {
            let hot = hot.clone();
            async move {
                let _ = run_split(&hot, call).await;
            }
        })
        .await;
        let split_http = sequential(handler, samples, |call| {
            let client = client.clone();
            let base = split_base.clone();
            async move { send_http(&client, &base, &call).await }
        })
        .await;
        let state = blocking_state.clone();
        let (local, _) = concurrent(&[handler], blocking_samples, move |call| {
            let state = state.clone();
            async move {
                let _ = run_blocking(&state.hot, &state.model, call).await;
            }
        })
        .await;
        let (client_b, base_b) = (client.clone(), blocking_base.clone());
        let (http, _) = concurrent(&[handler], blocking_samples, move |call| {
            let client = client_b.clone();
            let base = base_b.clone();
            async move { send_http(&client, &base, &call).await }
        })
        .await;
        rows.push(Row {
            handler,
            split_local,
            split_http,
            blocking_local: summarize(local),
            blocking_http: summarize(http),
        });
        eprintln!("measured {handler}");
    }
    print_table(&rows);

    let total = samples * 10;
    let hot = split.hot.clone();
    let (_, wall) = concurrent(&HANDLERS, total, move |call| {
        let hot = hot.clone();
        async move {
            let _ = run_split(&hot, call).await;
        }
    })
    .await;
    let split_local_rate = total as f64 / wall.as_secs_f64();
    let (client_s, base_s) = (client.clone(), split_base.clone());
    let (_, wall) = concurrent(&HANDLERS, total, move |call| {
        let client = client_s.clone();
        let base = base_s.clone();
        async move { send_http(&client, &base, &call).await }
    })
    .await;
    let split_http_rate = total as f64 / wall.as_secs_f64();
    let blocking_total = CONCURRENCY * 4;
    let (client_b, base_b) = (client.clone(), blocking_base.clone());
    let (_, wall) = concurrent(&HANDLERS, blocking_total, move |call| {
        let client = client_b.clone();
        let base = base_b.clone();
        async move { send_http(&client, &base, &call).await }
    })
    .await;
    let blocking_http_rate = blocking_total as f64 / wall.as_secs_f64();
    println!("\n| run ({CONCURRENCY} concurrent callers, all handlers mixed) | events | events per second |");
    println!("| --- | --- | --- |");
    println!("| split, in process | {total} | {split_local_rate:.0} |");
    println!("| split, HTTP on loopback | {total} | {split_http_rate:.0} |");
    println!("| blocking, HTTP on loopback | {blocking_total} | {blocking_http_rate:.0} |");
    println!(
        "\nthroughput ratio split/blocking over HTTP: {:.0}x",
        split_http_rate / blocking_http_rate
    );
    println!(
        "split queue depth at the end: {} pending tasks",
        split.hot.queue.depth()
    );

    let _ = split_server.stop().await;
    split.shutdown().await;
    blocking.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

fn main() {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => panic!("cannot start the async runtime: {error}"),
    };
    if std::env::var("BENCH_BACKENDS").as_deref() == Ok("servers") {
        runtime.block_on(servers::bench_servers());
    } else {
        runtime.block_on(bench());
    }
}
