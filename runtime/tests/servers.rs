//! Two API processes and two workers against one Redis and one PostgreSQL server: a burst of events
//! has its effect once, a worker killed mid-task leaves the task to another, and a stampede of cache
//! misses dispatches one task. `scripts/test.sh` starts the servers and sets their URLs.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::servers::{
    post_event, redis_query, server_urls, unique_name, write_config, RuntimeProcess,
};
use common::{wait_until, MockModel, MockState};
use runtime::store::{PlannedActionStore, PostgresStore};
use serde_json::{json, Value};

/// Returns ids that no earlier run used, within PostgreSQL's integer range.
fn fresh_id() -> i64 {
    (runtime::store::now_ms() % 10_000_000) * 100 + i64::from(std::process::id() % 100)
}

async fn store(database_url: &str) -> PostgresStore {
    PostgresStore::connect(database_url, 2, Duration::from_secs(2))
        .await
        .expect("connect to PostgreSQL")
}

fn direct_action(scene_id: i64, stakeholder_id: i64, intent: &str) -> Value {
    json!({
        "type": "direct_action_request",
        "scene_id": scene_id,
        "conflict_id": 7,
        "stakeholder": { "id": stakeholder_id, "role": "merchant" },
        "intent": intent,
        "intensity": 0.6
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn burst_has_effect_once() {
    let urls = server_urls();
    let model = MockModel::start(MockState::default()).await;
    let dir = tempfile::tempdir().expect("temporary directory");
    let config = write_config(dir.path(), &unique_name("burst"), &model.base_url, 5_000);
    let apis = [
        RuntimeProcess::serve(&config, &urls),
        RuntimeProcess::serve(&config, &urls),
    ];
    let _workers = [
        RuntimeProcess::worker(&config, &urls),
        RuntimeProcess::worker(&config, &urls),
    ];
    let client = reqwest::Client::new();
    let scene_id = fresh_id();
    let stakeholder_id = fresh_id();
    let intents: Vec<String> = (0..20).map(|index| format!("intent {index}")).collect();

    // Every intent is sent five times, alternating between the two API processes.
    let mut requests = Vec::new();
    for round in 0..5 {
        for (index, intent) in intents.iter().enumerate() {
            let address = apis[(round + index) % 2].address.clone();
            let client = client.clone();
            let event = direct_action(scene_id, stakeholder_id, intent);
            requests.push(tokio::spawn(async move {
                post_event(&client, &address, &event).await
            }));
        }
    }
    for request in requests {
        let (status, _) = request.await.expect("request task");
        assert_eq!(status, 200);
    }

    let store = store(&urls.database).await;
    let all_planned = wait_until(Duration::from_secs(30), || async {
        store
            .list_for_stakeholder(stakeholder_id)
            .await
            .map(|rows| rows.len())
            .unwrap_or(0)
            >= 20
    })
    .await;
    assert!(
        all_planned,
        "the workers did not plan all 20 intents within 30 s"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rows = store
        .list_for_stakeholder(stakeholder_id)
        .await
        .expect("list plans");
    assert_eq!(rows.len(), 20, "one plan per intent");
    let contexts: HashSet<_> = rows.iter().map(|row| row.context_hash.clone()).collect();
    assert_eq!(contexts.len(), 20);

    // Both API processes claim the scene's plans at once; each plan is handed out once.
    let mut claims = Vec::new();
    for round in 0..6 {
        let address = apis[round % 2].address.clone();
        let client = client.clone();
        let event = json!({ "type": "state_sync", "scene_id": scene_id });
        claims.push(tokio::spawn(async move {
            post_event(&client, &address, &event).await
        }));
    }
    let mut claimed = Vec::new();
    for claim in claims {
        let (status, body) = claim.await.expect("state sync task");
        assert_eq!(status, 200);
        for action in body["planned_actions"]
            .as_array()
            .cloned()
            .unwrap_or_default()
        {
            claimed.push(action["id"].as_i64().expect("planned action id"));
        }
    }
    let distinct: HashSet<_> = claimed.iter().collect();
    assert_eq!(claimed.len(), 20, "every plan is claimed");
    assert_eq!(distinct.len(), 20, "no plan is claimed twice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killed_worker_task_finishes_elsewhere() {
    let urls = server_urls();
    let model = MockModel::start(MockState {
        delay: Duration::from_millis(1_500),
        ..MockState::default()
    })
    .await;
    let dir = tempfile::tempdir().expect("temporary directory");
    let config = write_config(dir.path(), &unique_name("kill"), &model.base_url, 1_000);
    let api = RuntimeProcess::serve(&config, &urls);
    let mut first = RuntimeProcess::worker(&config, &urls);
    let client = reqwest::Client::new();
    let stakeholder_id = fresh_id();

    let (status, body) = post_event(
        &client,
        &api.address,
        &direct_action(fresh_id(), stakeholder_id, "flee"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["dispatched"], json!(true));
    let started = wait_until(Duration::from_secs(10), || async { model.requests() >= 1 }).await;
    assert!(started, "the first worker did not start the task");
    first.kill();

    let _second = RuntimeProcess::worker(&config, &urls);
    let store = store(&urls.database).await;
    let finished = wait_until(Duration::from_secs(20), || async {
        !store
            .list_for_stakeholder(stakeholder_id)
            .await
            .unwrap_or_default()
            .is_empty()
    })
    .await;
    assert!(
        finished,
        "the second worker did not finish the killed worker's task"
    );
    assert!(
        model.requests() >= 2,
        "the second worker ran the task again"
    );
    let rows = store
        .list_for_stakeholder(stakeholder_id)
        .await
        .expect("list plans");
    assert_eq!(rows.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn stampede_dispatches_one_task() {
    let urls = server_urls();
    let model = MockModel::start(MockState::default()).await;
    let dir = tempfile::tempdir().expect("temporary directory");
    let stream = unique_name("stampede");
    // No worker runs, so every dispatched task stays on the stream where the test counts it.
    let config = write_config(dir.path(), &stream, &model.base_url, 5_000);
    let apis = [
        RuntimeProcess::serve(&config, &urls),
        RuntimeProcess::serve(&config, &urls),
    ];
    let client = reqwest::Client::new();
    let scene_id = fresh_id();

    let mut reads = Vec::new();
    for index in 0..100 {
        let url = format!(
            "http://{}/v1/scenes/{scene_id}/tension?hostility=0.7",
            apis[index % 2].address
        );
        let client = client.clone();
        reads.push(tokio::spawn(async move {
            let response = client.get(url).send().await.expect("send the read");
            let status = response.status().as_u16();
            let body: Value = response.json().await.unwrap_or(Value::Null);
            (status, body)
        }));
    }
    let mut dispatched = 0;
    for read in reads {
        let (status, body) = read.await.expect("read task");
        assert_eq!(status, 200);
        if body["generation_dispatched"] == json!(true) {
            dispatched += 1;
        }
    }
    assert_eq!(dispatched, 1, "one of 100 reads dispatches the task");

    let entries: Vec<redis::Value> = redis_query(
        &urls.redis,
        redis::cmd("XRANGE").arg(&stream).arg("-").arg("+"),
    )
    .await;
    assert_eq!(entries.len(), 1, "100 misses of one key queue one task");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn stopped_worker_returns_running_task() {
    let urls = server_urls();
    let model = MockModel::start(MockState {
        delay: Duration::from_millis(3_500),
        ..MockState::default()
    })
    .await;
    let dir = tempfile::tempdir().expect("temporary directory");
    // The visibility timeout is far beyond the wait below, so only a returned task finishes in time.
    let config = write_config(dir.path(), &unique_name("stop"), &model.base_url, 120_000);
    let api = RuntimeProcess::serve(&config, &urls);
    let mut first = RuntimeProcess::worker(&config, &urls);
    let client = reqwest::Client::new();
    let stakeholder_id = fresh_id() + 1;

    let event = direct_action(fresh_id(), stakeholder_id, "parley");
    let (status, _) = post_event(&client, &api.address, &event).await;
    assert_eq!(status, 200);
    let started = wait_until(Duration::from_secs(10), || async { model.requests() >= 1 }).await;
    assert!(started, "the first worker did not start the task");
    let pid = first.child.id().to_string();
    let signal = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("run kill");
    assert!(signal.success());
    let exit = tokio::task::spawn_blocking(move || first.child.wait())
        .await
        .expect("wait task");
    assert!(
        exit.expect("worker exit status").success(),
        "the worker exits cleanly after SIGTERM"
    );

    let _second = RuntimeProcess::worker(&config, &urls);
    let store = store(&urls.database).await;
    let finished = wait_until(Duration::from_secs(20), || async {
        !store
            .list_for_stakeholder(stakeholder_id)
            .await
            .unwrap_or_default()
            .is_empty()
    })
    .await;
    assert!(
        finished,
        "the returned task was not finished by the second worker"
    );
}
