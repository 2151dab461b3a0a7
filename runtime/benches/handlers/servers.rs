//! The split handlers on Redis and PostgreSQL over loopback, and the task throughput of one Redis
//! worker. Runs when BENCH_BACKENDS=servers, with REDIS_URL and DATABASE_URL set.

use std::sync::Arc;
use std::time::{Duration, Instant};

use runtime::app::{App, Role};
use runtime::config::Config;
use runtime::conflict::stakeholder::PlanJob;
use runtime::llm::OfflineProvider;
use runtime::queue::{Task, TaskName};
use runtime::store::ActionKind;

use crate::calls::{run_split, HANDLERS};
use crate::stats::{micros, summarize};
use crate::{concurrent, env_count, send_http, sequential, CONCURRENCY};

fn server_config(stream: &str) -> Config {
    let read = |name: &str| {
        std::env::var(name).unwrap_or_else(|_| {
            panic!("{name} is not set; start the servers with scripts/servers.sh (see runtime/README.md)")
        })
    };
    let mut config = Config::default();
    config.redis.url = read("REDIS_URL");
    config.store.url = read("DATABASE_URL");
    config.store.max_connections = 8;
    config.redis.stream = stream.to_string();
    config.redis.group = format!("{stream}-workers");
    config.queue.workers = 1;
    config
}

async fn build(config: Config, role: Role) -> App {
    match App::build_for(config, Arc::new(OfflineProvider::new()), role).await {
        Ok(app) => app,
        Err(error) => panic!("cannot start the service on Redis and PostgreSQL: {error}"),
    }
}

/// Measures every handler in process and over HTTP, the event rate, then one worker's task rate.
pub async fn bench_servers() {
    let samples = env_count("BENCH_SAMPLES", 2_000);
    let stream = format!("bench-{}", std::process::id());
    let api = build(server_config(&stream), Role::Api).await;
    let server = match runtime::api::spawn_server(&api, "127.0.0.1:0").await {
        Ok(server) => server,
        Err(error) => panic!("cannot start the API server: {error}"),
    };
    let base = format!("http://{}", server.address);
    let client = reqwest::Client::new();
    println!("Redis and PostgreSQL on loopback, {samples} samples per handler\n");
    println!("| handler | in-process p50 / p99 / max (µs) | HTTP p50 / p99 / max (µs) |");
    println!("| --- | --- | --- |");
    for handler in HANDLERS {
        let hot = api.hot.clone();
        // Warm-up: connections in the pools, scripts loaded, first cache fills dispatched.
        sequential(handler, 200, |call| {
            let hot = hot.clone();
            async move {
                let _ = run_split(&hot, call).await;
            }
        })
        .await;
        let local = sequential(handler, samples, |call| {
            let hot = hot.clone();
            async move {
                let _ = run_split(&hot, call).await;
            }
        })
        .await;
        let http = sequential(handler, samples, |call| {
            let (client, base) = (client.clone(), base.clone());
            async move { send_http(&client, &base, &call).await }
        })
        .await;
        println!(
            "| {handler} | {} / {} / {} | {} / {} / {} |",
            micros(local.p50),
            micros(local.p99),
            micros(local.max),
            micros(http.p50),
            micros(http.p99),
            micros(http.max)
        );
    }

    let total = samples * 10;
    let hot = api.hot.clone();
    let (latencies, wall) = concurrent(&HANDLERS, total, move |call| {
        let hot = hot.clone();
        async move {
            let _ = run_split(&hot, call).await;
        }
    })
    .await;
    let mixed = summarize(latencies);
    println!(
        "\nmixed handlers, {CONCURRENCY} concurrent callers in process: {total} events, {:.0} events per second, p50 {} µs, p99 {} µs",
        total as f64 / wall.as_secs_f64(),
        micros(mixed.p50),
        micros(mixed.p99)
    );

    task_throughput(&api, &stream).await;
    let _ = server.stop().await;
    api.shutdown().await;
}

/// Queues distinct action-generation tasks, then times one worker (one consumer) draining them.
/// Each task runs the offline model and inserts one planned action, so the rate is the queue's and
/// PostgreSQL's overhead per task.
async fn task_throughput(api: &App, stream: &str) {
    let tasks = env_count("BENCH_TASKS", 2_000);
    let run = std::process::id() as i64 * 10_000;
    for i in 0..tasks as i64 {
        let job = PlanJob {
            stakeholder_id: 2_000_000_000 - run % 1_000_000_000 + i,
            scene_id: 1,
            scene_hash: "bench".into(),
            conflict_id: 1,
            kind: ActionKind::Action,
            behavior: "assertive".into(),
            role: "captain".into(),
            choice_id: None,
            intent: None,
            priority: 5,
            context_hash: format!("bench-{run}-{i}"),
        };
        let payload = serde_json::to_value(&job).unwrap_or_default();
        let task = Task::new(
            TaskName::GenerateStakeholderAction,
            &job.context_hash,
            payload,
        );
        if let Err(error) = api.queue.dispatch(task).await {
            panic!("cannot queue a benchmark task: {error}");
        }
    }
    let redis = match redis::Client::open(api.config.redis.url.as_str()) {
        Ok(client) => client,
        Err(error) => panic!("invalid REDIS_URL: {error}"),
    };
    let mut connection = match redis.get_multiplexed_async_connection().await {
        Ok(connection) => connection,
        Err(error) => panic!("cannot connect to Redis: {error}"),
    };
    let started = Instant::now();
    let worker = build(server_config(stream), Role::Worker).await;
    loop {
        let left: usize = redis::cmd("XLEN")
            .arg(stream)
            .query_async(&mut connection)
            .await
            .unwrap_or(usize::MAX);
        if left == 0 || started.elapsed() > Duration::from_secs(300) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let elapsed = started.elapsed();
    worker.shutdown().await;
    println!(
        "task throughput of one worker (one consumer, offline model): {tasks} tasks in {:.2} s, {:.0} tasks per second",
        elapsed.as_secs_f64(),
        tasks as f64 / elapsed.as_secs_f64()
    );
}
