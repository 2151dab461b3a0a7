//! A Redis restart in the middle of a run loses no accepted task, and the API responds with fallback
//! values while Redis is down. This test restarts the shared Redis server, so it has its own binary:
//! Cargo runs test binaries one after another, so no other server test sees the outage.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::servers::{post_event, server_urls, unique_name, write_config, RuntimeProcess};
use common::{wait_until, MockModel, MockState};
use runtime::store::{PlannedActionStore, PostgresStore};
use serde_json::json;

fn redis_setting(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set. Run `bash scripts/test.sh`, which starts the throwaway Redis server this test restarts")
    })
}

/// Kills Redis with SIGKILL, so only what appendfsync always wrote survives, then starts it again.
fn restart_redis(config: &str, pidfile: &str) {
    let pid = std::fs::read_to_string(pidfile).expect("read the Redis pid file");
    let status = Command::new("kill")
        .arg("-9")
        .arg(pid.trim())
        .status()
        .expect("run kill");
    assert!(status.success(), "cannot kill Redis pid {}", pid.trim());
    std::thread::sleep(Duration::from_millis(500));
    let _ = std::fs::remove_file(pidfile);
    let status = Command::new("redis-server")
        .arg(config)
        .status()
        .expect("run redis-server");
    assert!(status.success(), "cannot start Redis again with {config}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn redis_restart_loses_no_accepted_task() {
    let urls = server_urls();
    let redis_config = redis_setting("RUNTIME_TEST_REDIS_CONF");
    let redis_pidfile = redis_setting("RUNTIME_TEST_REDIS_PIDFILE");
    let model = MockModel::start(MockState {
        delay: Duration::from_millis(20),
        ..MockState::default()
    })
    .await;
    let dir = tempfile::tempdir().expect("temporary directory");
    let config = write_config(dir.path(), &unique_name("restart"), &model.base_url, 3_000);
    let apis = [
        RuntimeProcess::serve(&config, &urls),
        RuntimeProcess::serve(&config, &urls),
    ];
    let _workers = [
        RuntimeProcess::worker(&config, &urls),
        RuntimeProcess::worker(&config, &urls),
    ];
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .expect("HTTP client");
    let stakeholder_id = (runtime::store::now_ms() % 10_000_000) * 100 + 99;

    let mut accepted = 0;
    let mut slowest = Duration::ZERO;
    for index in 0..150 {
        if index == 50 {
            let (config, pidfile) = (redis_config.clone(), redis_pidfile.clone());
            tokio::task::spawn_blocking(move || restart_redis(&config, &pidfile));
        }
        let event = json!({
            "type": "direct_action_request",
            "scene_id": 1,
            "conflict_id": 7,
            "stakeholder": { "id": stakeholder_id },
            "intent": format!("intent {index}"),
            "intensity": 0.6
        });
        let started = Instant::now();
        let (status, body) = post_event(&client, &apis[index % 2].address, &event).await;
        slowest = slowest.max(started.elapsed());
        assert_eq!(status, 200, "event {index} failed: {body}");
        if body["dispatched"] == json!(true) {
            accepted += 1;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        slowest < Duration::from_secs(2),
        "slowest answer took {slowest:?}"
    );
    assert!(accepted > 50, "only {accepted} of 150 events were accepted");

    let store = PostgresStore::connect(&urls.database, 2, Duration::from_secs(2))
        .await
        .expect("connect to PostgreSQL");
    let count = || async {
        store
            .list_for_stakeholder(stakeholder_id)
            .await
            .map(|rows| rows.len())
            .unwrap_or(0)
    };
    let all_done = wait_until(Duration::from_secs(60), || async {
        count().await >= accepted
    })
    .await;
    assert!(
        all_done,
        "{} of {accepted} accepted tasks finished",
        count().await
    );
}
