//! The scripted demo: starts the service on a free loopback port with a temporary database,
//! sends a scene's events through the HTTP API, waits for the tasks, and prints each step.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::api::{spawn_server, Server};
use crate::app::{App, StartError};
use crate::config::Config;

/// Errors of the demo run.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(transparent)]
    Start(#[from] StartError),
    #[error("HTTP request to {path} failed: {source}")]
    Request {
        path: String,
        source: reqwest::Error,
    },
    #[error("step {step} returned HTTP {status}: {body}")]
    Status {
        step: String,
        status: u16,
        body: String,
    },
    #[error("tasks did not finish within {0:?}")]
    TasksTimedOut(Duration),
}

const SCENE_ID: i64 = 42;
const CONFLICT_ID: i64 = 7;
/// Narrations that `/v1/conflicts/{id}/narratives` lists for one conflict.
const NARRATIVE_COUNT: usize = 6;
/// Plans the script leads to: an action and a reaction for each of the three stakeholders,
/// plus the captain's decision from the direct action request.
const EXPECTED_PLANS: usize = 7;

/// One request of the script.
struct Step {
    label: &'static str,
    path: String,
    body: Option<Value>,
}

fn event(label: &'static str, body: Value) -> Step {
    Step {
        label,
        path: "/v1/events".into(),
        body: Some(body),
    }
}

fn read(label: &'static str, path: String) -> Step {
    Step {
        label,
        path,
        body: None,
    }
}

fn stakeholders() -> Value {
    json!([
        { "id": 101, "role": "captain", "stress": 0.4, "aggression": 0.9, "loyalty": 0.2 },
        { "id": 102, "role": "merchant", "stress": 0.8, "aggression": 0.1, "loyalty": 0.3 },
        { "id": 103, "role": "priest", "stress": 0.3, "aggression": 0.1, "loyalty": 0.9 }
    ])
}

fn opening_steps() -> Vec<Step> {
    vec![
        read(
            "social bundle (first read)",
            format!("/v1/scenes/{SCENE_ID}/bundle?npcs=101,102,103"),
        ),
        read(
            "tension bundle (first read)",
            format!("/v1/scenes/{SCENE_ID}/tension"),
        ),
        read(
            "gossip (first read)",
            format!("/v1/scenes/{SCENE_ID}/gossip"),
        ),
        event(
            "conflict updated",
            json!({ "type": "conflict_updated", "scene_id": SCENE_ID, "conflict_id": CONFLICT_ID, "phase": "active", "intensity": 0.6, "stakeholders": stakeholders() }),
        ),
        event(
            "player choice",
            json!({ "type": "player_choice", "scene_id": SCENE_ID, "conflict_id": CONFLICT_ID, "choice_id": "side_with_merchant", "affected": stakeholders(), "intensity": 0.6 }),
        ),
        event(
            "direct action request",
            json!({ "type": "direct_action_request", "scene_id": SCENE_ID, "conflict_id": CONFLICT_ID, "stakeholder": { "id": 101, "role": "captain", "aggression": 0.9 }, "intent": "seize the harbour toll", "intensity": 0.6 }),
        ),
        event(
            "phase transition",
            json!({ "type": "phase_transition", "scene_id": SCENE_ID, "conflict_id": CONFLICT_ID, "from": "active", "to": "climax" }),
        ),
        event(
            "conflict event",
            json!({ "type": "conflict_event", "scene_id": SCENE_ID, "conflict_id": CONFLICT_ID, "state": { "intensity": 0.6, "momentum": 0.1, "player_progress": 0.3 }, "kind": "escalation", "magnitude": 0.5 }),
        ),
        event(
            "reputation change",
            json!({ "type": "reputation_change", "scene_id": SCENE_ID, "npc_id": 102, "reputation_type": "trust", "delta": 15.0, "reason": "the player backed the merchant" }),
        ),
        event(
            "alliance proposal",
            json!({ "type": "alliance_proposal", "scene_id": SCENE_ID, "npc_a": 102, "npc_b": 103, "affinity": 0.6, "shared_enemy": true }),
        ),
        event(
            "canon candidate",
            json!({ "type": "canon_candidate", "scene_id": SCENE_ID, "conflict_id": CONFLICT_ID, "category": "history", "claim": "The harbour toll dispute ended the captain's rule.", "significance": 0.8, "resolved": true }),
        ),
        event(
            "tension update",
            json!({ "type": "tension_update", "scene_id": SCENE_ID, "conflict_id": CONFLICT_ID, "factors": { "hostility": 0.8, "stakes": 0.7, "proximity": 0.9, "secrets": 0.4, "time_pressure": 0.5 }, "previous_score": 0.4 }),
        ),
        event(
            "edge case",
            json!({ "type": "edge_case", "scene_id": SCENE_ID, "conflict_id": CONFLICT_ID, "case": "stalled", "state": { "intensity": 0.5, "momentum": 0.0, "player_progress": 0.3 }, "idle_turns": 4, "active_stakeholders": 3 }),
        ),
        event(
            "victory check",
            json!({ "type": "victory_check", "scene_id": SCENE_ID, "conflict_id": CONFLICT_ID, "contenders": [{ "stakeholder_id": 102, "progress": 0.95 }, { "stakeholder_id": 101, "progress": 0.6 }] }),
        ),
        event(
            "grand conflict",
            json!({ "type": "grand_conflict", "scene_id": SCENE_ID, "grand_id": 1, "conflicts": [{ "conflict_id": CONFLICT_ID, "intensity": 0.7, "stakeholder_ids": [101, 102] }, { "conflict_id": 8, "intensity": 0.4, "stakeholder_ids": [102, 104] }] }),
        ),
    ]
}

fn closing_steps() -> Vec<Step> {
    vec![
        event(
            "state sync",
            json!({ "type": "state_sync", "scene_id": SCENE_ID, "intensity": 0.6, "stakeholders": stakeholders() }),
        ),
        read(
            "social bundle (after tasks)",
            format!("/v1/scenes/{SCENE_ID}/bundle?npcs=101,102,103"),
        ),
        read(
            "tension bundle (after tasks)",
            format!("/v1/scenes/{SCENE_ID}/tension"),
        ),
        read(
            "gossip (after tasks)",
            format!("/v1/scenes/{SCENE_ID}/gossip"),
        ),
        event(
            "phase transition (again)",
            json!({ "type": "phase_transition", "scene_id": SCENE_ID, "conflict_id": CONFLICT_ID, "from": "active", "to": "climax" }),
        ),
        read(
            "conflict narratives",
            format!("/v1/conflicts/{CONFLICT_ID}/narratives"),
        ),
    ]
}

/// Returns a one-line summary of a response for the demo's table.
fn summarize(body: &Value) -> String {
    let text = if let Some(actions) = body.get("planned_actions").and_then(Value::as_array) {
        format!("{} planned actions returned", actions.len())
    } else if let Some(source) = body.get("source").and_then(Value::as_str) {
        format!("source={source}")
    } else if let Some(text) = body.get("text").and_then(Value::as_str) {
        format!("text={text:?}")
    } else if let Some(narratives) = body.get("narratives").and_then(Value::as_object) {
        let filled = narratives.values().filter(|value| !value.is_null()).count();
        format!("{filled} of {} narratives cached", narratives.len())
    } else {
        body.to_string()
    };
    text.chars().take(90).collect()
}

async fn send(
    client: &reqwest::Client,
    base: &str,
    step: &Step,
) -> Result<(Value, Option<u64>, Duration), DemoError> {
    let url = format!("{base}{}", step.path);
    let started = Instant::now();
    let request = match &step.body {
        Some(body) => client.post(&url).json(body),
        None => client.get(&url),
    };
    let response = request.send().await.map_err(|source| DemoError::Request {
        path: step.path.clone(),
        source,
    })?;
    let status = response.status();
    let handler_micros = response
        .headers()
        .get(crate::api::HANDLER_MICROS_HEADER)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse().ok());
    let body: Value = response.json().await.map_err(|source| DemoError::Request {
        path: step.path.clone(),
        source,
    })?;
    let elapsed = started.elapsed();
    if !status.is_success() {
        return Err(DemoError::Status {
            step: step.label.into(),
            status: status.as_u16(),
            body: body.to_string(),
        });
    }
    Ok((body, handler_micros, elapsed))
}

/// Sends the steps in order, prints a line for each, and returns the response bodies.
async fn run_steps(
    client: &reqwest::Client,
    base: &str,
    steps: &[Step],
) -> Result<Vec<Value>, DemoError> {
    let mut bodies = Vec::with_capacity(steps.len());
    for step in steps {
        let (body, handler_micros, elapsed) = send(client, base, step).await?;
        let handler = handler_micros.map_or_else(|| "-".to_string(), |micros| micros.to_string());
        println!(
            "{:<30} {:>10} {:>10}  {}",
            step.label,
            handler,
            elapsed.as_micros(),
            summarize(&body)
        );
        bodies.push(body);
    }
    Ok(bodies)
}

/// Returns how many narrations of the demo's conflict are cached and how many plans are ready.
async fn task_results(client: &reqwest::Client, base: &str) -> Result<(usize, usize), DemoError> {
    let narratives = read(
        "conflict narratives",
        format!("/v1/conflicts/{CONFLICT_ID}/narratives"),
    );
    let (body, _, _) = send(client, base, &narratives).await?;
    let cached = body["narratives"].as_object().map_or(0, |map| {
        map.values().filter(|value| !value.is_null()).count()
    });
    let plans = read(
        "planned actions",
        format!("/v1/scenes/{SCENE_ID}/planned-actions"),
    );
    let (body, _, _) = send(client, base, &plans).await?;
    let ready = body["planned_actions"].as_array().map_or(0, Vec::len);
    Ok((cached, ready))
}

/// Polls the API until every narration of the conflict is cached and every plan is ready.
async fn wait_for_tasks(
    client: &reqwest::Client,
    base: &str,
    limit: Duration,
) -> Result<Duration, DemoError> {
    let started = Instant::now();
    while started.elapsed() < limit {
        let (cached, ready) = task_results(client, base).await?;
        if cached == NARRATIVE_COUNT && ready >= EXPECTED_PLANS {
            return Ok(started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Err(DemoError::TasksTimedOut(limit))
}

/// Outcome of the demo after the background tasks ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoReport {
    /// Planned actions the final state sync returned.
    pub planned_actions: usize,
    /// Narrations of the demo's conflict found in the cache, out of six.
    pub narratives_cached: usize,
}

/// Runs the demo against a fresh service with a temporary SQLite file and the
/// embedded cache and queue, even when `REDIS_URL` is set, so the demo never
/// hands its tasks to the workers of a shared deployment.
pub async fn run(mut config: Config) -> Result<DemoReport, DemoError> {
    let database = std::env::temp_dir().join(format!("runtime-demo-{}.db", std::process::id()));
    config.store.url = format!("sqlite://{}", database.display());
    config.redis.url.clear();
    let app = App::build(config).await?;
    let server: Server = spawn_server(&app, "127.0.0.1:0").await?;
    let base = format!("http://{}", server.address);
    println!(
        "demo: service on {base}, model provider {}, database {}",
        app.model_provider,
        database.display()
    );
    println!(
        "{:<30} {:>10} {:>10}  result",
        "step", "handler_us", "http_us"
    );

    let client = reqwest::Client::new();
    run_steps(&client, &base, &opening_steps()).await?;
    let waited = wait_for_tasks(&client, &base, Duration::from_secs(10)).await?;
    println!(
        "-- background tasks finished after {} ms; reading again --",
        waited.as_millis()
    );
    let bodies = run_steps(&client, &base, &closing_steps()).await?;
    let report = DemoReport {
        planned_actions: bodies
            .first()
            .and_then(|sync| sync["planned_actions"].as_array())
            .map_or(0, Vec::len),
        narratives_cached: task_results(&client, &base).await?.0,
    };

    let stopped = server.stop().await;
    app.shutdown().await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", database.display()));
    }
    stopped?;
    Ok(report)
}
