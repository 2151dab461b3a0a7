//! End-to-end tests over HTTP: a real server on 127.0.0.1:0 with the model client pointed at a
//! mock chat-completions server on 127.0.0.1:0.

mod common;

use std::time::{Duration, Instant};

use common::{start_service, wait_until, MockState, TestService, MOCK_TEXT};
use runtime::api::{spawn_server, Server};
use serde_json::{json, Value};

struct Harness {
    /// Keeps the mock model and the database directory alive.
    _service: TestService,
    server: Server,
    client: reqwest::Client,
    base: String,
}

async fn harness(mock: MockState) -> Harness {
    let service = start_service(mock).await;
    let server = spawn_server(&service.app, "127.0.0.1:0")
        .await
        .expect("start server");
    let base = format!("http://{}", server.address);
    Harness {
        _service: service,
        server,
        client: reqwest::Client::new(),
        base,
    }
}

impl Harness {
    async fn post(&self, body: &Value) -> (u16, Value) {
        let response = self
            .client
            .post(format!("{}/v1/events", self.base))
            .json(body)
            .send()
            .await
            .expect("post event");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("get");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }
}

fn conflict_updated() -> Value {
    json!({
        "type": "conflict_updated",
        "scene_id": 11,
        "conflict_id": 21,
        "phase": "active",
        "intensity": 0.6,
        "stakeholders": [
            { "id": 1, "role": "captain", "stress": 0.4, "aggression": 0.9 },
            { "id": 2, "role": "merchant", "stress": 0.8 }
        ]
    })
}

#[tokio::test]
async fn scene_round_trip_returns_planned_actions() {
    let harness = harness(MockState {
        delay: Duration::from_millis(200),
        ..MockState::default()
    })
    .await;

    let started = Instant::now();
    let (status, body) = harness.post(&conflict_updated()).await;
    let elapsed = started.elapsed();
    assert_eq!(status, 200, "body: {body}");
    assert!(
        elapsed < Duration::from_millis(200),
        "handler waited {elapsed:?} for the model"
    );
    assert_eq!(body["stakeholders"][0]["dispatched"], true);
    assert_eq!(body["stakeholders"][0]["behavior"], "aggressive");
    assert_eq!(body["stakeholders"][1]["behavior"], "defensive");
    let (_, before) = harness.get("/v1/scenes/11/planned-actions").await;
    assert_eq!(before["planned_actions"], json!([]));

    let ready = wait_until(Duration::from_secs(5), || async {
        let (_, body) = harness.get("/v1/scenes/11/planned-actions").await;
        body["planned_actions"].as_array().map_or(0, Vec::len) == 2
    })
    .await;
    assert!(ready, "tasks did not store two planned actions");

    let sync = json!({ "type": "state_sync", "scene_id": 11, "intensity": 0.6, "stakeholders": [{ "id": 1, "stress": 0.4, "aggression": 0.9 }] });
    let (status, body) = harness.post(&sync).await;
    assert_eq!(status, 200);
    let actions = body["planned_actions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(actions.len(), 2);
    assert_eq!(
        actions[0]["stakeholder_id"], 1,
        "aggressive plan has the higher priority"
    );
    assert_eq!(actions[0]["payload"]["plan"]["action"], "mock_move");
    assert_eq!(actions[0]["status"], "consumed");
    assert_eq!(body["behavior_hints"][0]["behavior"], "aggressive");

    let (_, again) = harness.post(&sync).await;
    assert_eq!(again["planned_actions"], json!([]));
    let (_, repeat) = harness.post(&conflict_updated()).await;
    assert_eq!(
        repeat["stakeholders"][0]["dispatched"], false,
        "the same context plans once"
    );
    harness.server.stop().await.expect("stop server");
}

#[tokio::test]
async fn phase_transition_serves_fallback_then_narration() {
    let harness = harness(MockState::default()).await;
    let event = json!({ "type": "phase_transition", "scene_id": 11, "conflict_id": 22, "from": "brewing", "to": "active" });

    let (status, first) = harness.post(&event).await;
    assert_eq!(status, 200);
    assert_eq!(first["narration_pending"], true);
    assert_eq!(first["text"], "The conflict enters its active phase.");

    let narrated = wait_until(Duration::from_secs(5), || async {
        harness.post(&event).await.1["text"] == MOCK_TEXT
    })
    .await;
    assert!(narrated, "narration never reached the cache");
    let (_, narratives) = harness.get("/v1/conflicts/22/narratives").await;
    assert_eq!(narratives["narratives"]["transition"]["text"], MOCK_TEXT);
}

#[tokio::test]
async fn scene_reads_fill_from_tasks() {
    let harness = harness(MockState::default()).await;

    let (status, tension) = harness
        .get("/v1/scenes/12/tension?hostility=1&stakes=1")
        .await;
    assert_eq!(status, 200);
    assert_eq!(tension["source"], "fallback");
    assert_eq!(tension["score"], 0.6);
    let (_, gossip) = harness.get("/v1/scenes/12/gossip").await;
    assert_eq!(gossip["gossip"], json!([]));

    let filled = wait_until(Duration::from_secs(5), || async {
        harness.get("/v1/scenes/12/tension").await.1["source"] == "cache"
            && harness.get("/v1/scenes/12/gossip").await.1["source"] == "cache"
    })
    .await;
    assert!(filled, "tasks did not fill the tension bundle and gossip");
    let (_, gossip) = harness.get("/v1/scenes/12/gossip").await;
    assert_eq!(gossip["gossip"], json!(["mock gossip"]));
    let (_, bundle) = harness.get("/v1/scenes/12/bundle?npcs=1,2").await;
    assert_eq!(bundle["source"], "cache");
}

#[tokio::test]
async fn every_event_type_is_accepted() {
    let harness = harness(MockState::default()).await;
    let events = [
        json!({ "type": "player_choice", "scene_id": 1, "conflict_id": 2, "choice_id": "c", "affected": [{ "id": 3 }] }),
        json!({ "type": "direct_action_request", "scene_id": 1, "conflict_id": 2, "stakeholder": { "id": 3 }, "intent": "flee" }),
        json!({ "type": "conflict_event", "scene_id": 1, "conflict_id": 2, "state": { "intensity": 0.2 }, "kind": "escalation", "magnitude": 1.0 }),
        json!({ "type": "reputation_change", "scene_id": 1, "npc_id": 3, "reputation_type": "fear", "delta": -5, "reason": "kindness" }),
        json!({ "type": "alliance_proposal", "scene_id": 1, "npc_a": 3, "npc_b": 4, "affinity": 0.9 }),
        json!({ "type": "canon_candidate", "scene_id": 1, "conflict_id": 2, "category": "magic", "claim": "The tower's light never fades.", "significance": 0.9, "resolved": true }),
        json!({ "type": "tension_update", "scene_id": 1, "conflict_id": 2, "factors": { "hostility": 0.9, "stakes": 0.9 } }),
        json!({ "type": "edge_case", "scene_id": 1, "conflict_id": 2, "case": "runaway", "state": { "intensity": 0.99 } }),
        json!({ "type": "victory_check", "scene_id": 1, "conflict_id": 2, "contenders": [{ "stakeholder_id": 3, "progress": 1.0 }] }),
        json!({ "type": "grand_conflict", "scene_id": 1, "grand_id": 5, "conflicts": [{ "conflict_id": 2, "intensity": 0.5, "stakeholder_ids": [3] }] }),
    ];
    for event in events {
        let (status, body) = harness.post(&event).await;
        assert_eq!(status, 200, "event {event} returned {body}");
    }
    let (_, body) = harness.post(&json!({ "type": "edge_case", "scene_id": 1, "conflict_id": 2, "case": "runaway", "state": { "intensity": 0.99 } })).await;
    assert_eq!(body["recovery"]["action"], "cool_down");
    assert_eq!(body["recovery"]["state"]["intensity"], 0.8);

    let (_, body) = harness.post(&json!({ "type": "reputation_change", "scene_id": 1, "npc_id": 9, "reputation_type": "fear", "delta": 10, "reason": "threat" })).await;
    assert_eq!(body["current"], 60.0);
    assert_eq!(
        body["degraded"], false,
        "the embedded cache stores the score"
    );
}

#[tokio::test]
async fn invalid_requests_get_json_errors() {
    let harness = harness(MockState::default()).await;

    let mut event = conflict_updated();
    event["intensity"] = json!(1.5);
    let (status, body) = harness.post(&event).await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["code"], "validation_failed");
    assert_eq!(body["error"]["field"], "intensity");

    let bad_transition = json!({ "type": "phase_transition", "scene_id": 1, "conflict_id": 2, "from": "brewing", "to": "climax" });
    let (status, body) = harness.post(&bad_transition).await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["field"], "to");

    let (status, body) = harness
        .post(&json!({ "type": "dance_off", "scene_id": 1 }))
        .await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["code"], "invalid_event");

    let url = format!("{}/v1/events", harness.base);
    let response = harness
        .client
        .post(&url)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("post");
    assert_eq!(response.status().as_u16(), 400);
    let body: Value = response.json().await.expect("json error");
    assert_eq!(body["error"]["code"], "invalid_json");

    let response = harness
        .client
        .post(&url)
        .body("{}")
        .send()
        .await
        .expect("post");
    assert_eq!(response.status().as_u16(), 415);

    let oversized =
        json!({ "type": "state_sync", "scene_id": 1, "padding": "x".repeat(100 * 1024) });
    let (status, body) = harness.post(&oversized).await;
    assert_eq!(status, 413);
    assert_eq!(body["error"]["code"], "body_too_large");

    let (status, body) = harness.get("/v1/scenes/abc/tension").await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], "invalid_path");

    let (status, body) = harness.get("/v1/scenes/1/bundle?npcs=1,x").await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], "invalid_query");

    let (status, body) = harness.get("/v1/scenes/0/gossip").await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["field"], "scene_id");

    let (status, body) = harness.get("/nowhere").await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "not_found");

    let response = harness
        .client
        .delete(format!("{}/v1/events", harness.base))
        .send()
        .await
        .expect("delete");
    assert_eq!(response.status().as_u16(), 405);
    assert!(response.headers().contains_key("allow"));
    let body: Value = response.json().await.expect("a JSON error body");
    assert_eq!(body["error"]["code"], "method_not_allowed");
}

#[tokio::test]
async fn health_readiness_and_metrics() {
    let harness = harness(MockState::default()).await;
    let (status, body) = harness.get("/healthz").await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ok");
    let (status, body) = harness.get("/readyz").await;
    assert_eq!(status, 200);
    assert_eq!(body["store"], "ok");
    assert_eq!(body["model_provider"], "openai-compatible");

    harness.post(&conflict_updated()).await;
    let response = harness
        .client
        .get(format!("{}/metrics", harness.base))
        .send()
        .await
        .expect("metrics");
    assert_eq!(response.status().as_u16(), 200);
    let text = response.text().await.expect("metrics text");
    assert!(
        text.contains("runtime_handler_latency_seconds_bucket{handler=\"conflict_updated\""),
        "{text}"
    );
    assert!(text.contains("runtime_cache_lookups_total"), "{text}");
    assert!(text.contains("runtime_queue_depth"), "{text}");
}
