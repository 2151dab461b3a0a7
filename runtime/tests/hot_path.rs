//! Cache-first reads on a real service: misses dispatch and fall back, hits dispatch nothing,
//! and the dispatch lock drops a second dispatch.

mod common;

use std::time::Duration;

use common::{start_service, start_service_with, wait_until, MockState};
use runtime::cache::keys;
use runtime::conflict::hotpath::{read_or_dispatch, scene_hash, Lookup};
use runtime::conflict::tension::hotpath::get_tension_bundle;
use runtime::conflict::tension::TensionFactors;
use runtime::queue::{Task, TaskName, TaskStatus};
use serde_json::json;

fn factors() -> TensionFactors {
    TensionFactors {
        hostility: 1.0,
        stakes: 0.0,
        proximity: 0.0,
        secrets: 0.0,
        time_pressure: 0.0,
    }
}

#[tokio::test]
async fn cache_miss_dispatches_and_returns_fallback() {
    let service = start_service(MockState {
        delay: Duration::from_millis(300),
        ..MockState::default()
    })
    .await;
    let hot = &service.app.hot;

    let bundle = get_tension_bundle(hot, 5, factors()).await;

    assert_eq!(bundle["source"], "fallback");
    assert_eq!(bundle["generation_dispatched"], true);
    assert_eq!(bundle["score"], 0.35);
    assert_eq!(bundle["band"], "uneasy");
    let task_key = format!("update_tension_bundle_cache:{}", scene_hash(5));
    let status = hot.queue.status(&task_key).await;
    assert!(
        matches!(
            status,
            Some(TaskStatus::Queued | TaskStatus::Running { .. })
        ),
        "status {status:?}"
    );

    let key = keys::tension_bundle(&scene_hash(5)).key;
    let filled = wait_until(Duration::from_secs(5), || async {
        hot.cache.get(&key).await.ok().flatten().is_some()
    })
    .await;
    assert!(filled, "task did not fill the cache");
    let cached = hot.cache.get(&key).await.ok().flatten().unwrap_or_default();
    assert_eq!(cached["manifestations"], json!(["mock manifestation"]));
    assert_eq!(
        get_tension_bundle(hot, 5, factors()).await["source"],
        "cache"
    );
}

#[tokio::test]
async fn cache_hit_returns_value_without_dispatch() {
    let service = start_service(MockState::default()).await;
    let hot = &service.app.hot;
    let key = keys::tension_bundle(&scene_hash(6));
    let stored = json!({ "score": 0.9, "source": "cache", "manifestations": ["a"] });
    hot.cache
        .set(&key.key, stored.clone(), key.ttl)
        .await
        .expect("cache set");

    let bundle = get_tension_bundle(hot, 6, factors()).await;

    assert_eq!(bundle, stored);
    let task_key = format!("update_tension_bundle_cache:{}", scene_hash(6));
    assert_eq!(hot.queue.status(&task_key).await, None);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(service.model.requests(), 0);
}

#[tokio::test]
async fn second_dispatch_inside_lock_window_is_dropped() {
    let service = start_service(MockState::default()).await;
    let hot = &service.app.hot;
    let key = keys::transition_narrative(77);
    // The two tasks have different idempotency keys, so only the cache lock can drop the second.
    let first = Task::new(TaskName::NarratePhaseTransition, "77:a", json!({}));
    let second = Task::new(TaskName::NarratePhaseTransition, "77:b", json!({}));

    let first_lookup = read_or_dispatch(hot, &key, first).await;
    let second_lookup = read_or_dispatch(hot, &key, second).await;

    assert_eq!(first_lookup, Lookup::Miss { dispatched: true });
    assert_eq!(second_lookup, Lookup::Miss { dispatched: false });
    assert!(hot
        .queue
        .status("narrate_phase_transition:77:a")
        .await
        .is_some());
    assert_eq!(
        hot.queue.status("narrate_phase_transition:77:b").await,
        None
    );
}

#[tokio::test]
async fn lock_expiry_allows_a_new_dispatch() {
    let service = start_service(MockState::default()).await;
    let mut hot = service.app.hot.clone();
    hot.lock_ttl = Duration::from_millis(50);
    let key = keys::escalation_narrative(78);

    let first = read_or_dispatch(
        &hot,
        &key,
        Task::new(TaskName::NarrateEscalation, "78:a", json!({})),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(150)).await;
    let second = read_or_dispatch(
        &hot,
        &key,
        Task::new(TaskName::NarrateEscalation, "78:b", json!({})),
    )
    .await;

    assert_eq!(first, Lookup::Miss { dispatched: true });
    assert_eq!(second, Lookup::Miss { dispatched: true });
}

fn escalation(conflict_id: i64) -> serde_json::Value {
    json!({ "scene_id": 1, "conflict_id": conflict_id, "score": 0.8, "band": "volatile" })
}

#[tokio::test]
async fn full_queue_rejects_and_releases_lock() {
    let mock = MockState {
        delay: Duration::from_millis(300),
        ..MockState::default()
    };
    let service = start_service_with(mock, |config| {
        config.queue.workers = 1;
        config.queue.capacity = 1;
    })
    .await;
    let hot = &service.app.hot;
    let running = Task::new(TaskName::NarrateEscalation, "1", escalation(1));
    hot.queue.dispatch(running).await.expect("first dispatch");
    let started = wait_until(Duration::from_secs(2), || async {
        matches!(
            hot.queue.status("narrate_escalation:1").await,
            Some(TaskStatus::Running { .. })
        )
    })
    .await;
    assert!(started, "first task never started");
    let waiting = Task::new(TaskName::NarrateEscalation, "2", escalation(2));
    hot.queue
        .dispatch(waiting)
        .await
        .expect("second dispatch fills the queue");

    let key = keys::escalation_narrative(3);
    let task = Task::new(TaskName::NarrateEscalation, "3", escalation(3));
    let lookup = read_or_dispatch(hot, &key, task).await;

    assert_eq!(lookup, Lookup::Miss { dispatched: false });
    assert_eq!(hot.queue.status("narrate_escalation:3").await, None);
    let relock = hot
        .cache
        .try_lock(&key.lock_name(), Duration::from_secs(1))
        .await;
    assert_eq!(
        relock.ok(),
        Some(true),
        "the rejected dispatch kept its lock"
    );
}
