//! With PostgreSQL stopped, the API responds in time with fallback values, and a task whose insert
//! failed is retried until the server is back. This test stops the shared PostgreSQL server, so it
//! has its own binary: Cargo runs test binaries one after another.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::servers::{post_event, server_urls, unique_name, write_config_with, RuntimeProcess};
use common::{wait_until, MockModel, MockState};
use runtime::store::{PlannedActionStore, PostgresStore};
use serde_json::json;

fn setting(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set. Run `bash scripts/test.sh`, which starts the throwaway PostgreSQL server this test stops")
    })
}

/// Runs pg_ctl on the test cluster, as the postgres user when this process is root.
fn pg_ctl(action: &str) {
    let bindir = setting("SERVERS_PG_BINDIR");
    let data = format!("{}/pg/data", setting("SERVERS_DIR"));
    let log = format!("{}/pg/server.log", setting("SERVERS_DIR"));
    let pg_ctl = format!("{bindir}/pg_ctl");
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .map(|out| out.stdout.starts_with(b"0"))
        .unwrap_or(false);
    let mut command = if is_root {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--", &pg_ctl]);
        command
    } else {
        Command::new(&pg_ctl)
    };
    command.args(["-D", &data, "-l", &log, "-w", "-m", "fast", action]);
    let status = command.status().expect("run pg_ctl");
    assert!(status.success(), "pg_ctl {action} failed for {data}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_outage_degrades_and_recovers() {
    let urls = server_urls();
    let model = MockModel::start(MockState::default()).await;
    let dir = tempfile::tempdir().expect("temporary directory");
    let retries = "max_attempts = 20\nbackoff_base_ms = 100\nbackoff_max_ms = 1000";
    let config = write_config_with(
        dir.path(),
        &unique_name("pg-outage"),
        &model.base_url,
        5_000,
        retries,
    );
    let api = RuntimeProcess::serve(&config, &urls);
    let _worker = RuntimeProcess::worker(&config, &urls);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .expect("HTTP client");
    let stakeholder_id = (runtime::store::now_ms() % 10_000_000) * 100 + 98;

    pg_ctl("stop");
    let started = Instant::now();
    let sync = json!({ "type": "state_sync", "scene_id": 1 });
    let (status, body) = post_event(&client, &api.address, &sync).await;
    let sync_time = started.elapsed();
    let event = json!({
        "type": "direct_action_request", "scene_id": 1, "conflict_id": 7,
        "stakeholder": { "id": stakeholder_id }, "intent": "hold the gate", "intensity": 0.6
    });
    let (dispatch_status, dispatch_body) = post_event(&client, &api.address, &event).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    pg_ctl("start");

    assert_eq!(status, 200, "state sync during the outage: {body}");
    assert_eq!(body["degraded"], json!(true));
    assert_eq!(body["planned_actions"], json!([]));
    assert!(
        sync_time < Duration::from_secs(1),
        "state sync took {sync_time:?}"
    );
    assert_eq!(
        dispatch_status, 200,
        "direct action during the outage: {dispatch_body}"
    );
    assert_eq!(dispatch_body["dispatched"], json!(true));

    let store = PostgresStore::connect(&urls.database, 2, Duration::from_secs(2))
        .await
        .expect("connect to PostgreSQL");
    let stored = wait_until(Duration::from_secs(20), || async {
        !store
            .list_for_stakeholder(stakeholder_id)
            .await
            .unwrap_or_default()
            .is_empty()
    })
    .await;
    assert!(
        stored,
        "the task was not retried after PostgreSQL came back"
    );
}
