//! Background tasks on a real service: idempotent reruns, retries with backoff, the failed state.

mod common;

use std::time::Duration;

use common::{start_service, wait_until, MockState, MOCK_TEXT};
use runtime::cache::keys;
use runtime::conflict::hotpath::scene_hash;
use runtime::conflict::stakeholder::PlanJob;
use runtime::conflict::tasks::TaskRegistry;
use runtime::conflict::TaskContext;
use runtime::queue::{Task, TaskName, TaskRunner, TaskStatus};
use runtime::store::ActionKind;
use serde_json::json;

fn plan_job(stakeholder_id: i64) -> PlanJob {
    PlanJob {
        stakeholder_id,
        scene_id: 3,
        scene_hash: scene_hash(3),
        conflict_id: 9,
        kind: ActionKind::Action,
        behavior: "aggressive".into(),
        role: "captain".into(),
        choice_id: None,
        intent: None,
        priority: 8,
        context_hash: "ctx-1".into(),
    }
}

fn registry(service: &common::TestService) -> TaskRegistry {
    let model = runtime::llm::build_model_client(&service.app.config.model).expect("model client");
    let hot = &service.app.hot;
    TaskRegistry::new(TaskContext {
        model,
        cache: hot.cache.clone(),
        store: hot.store.clone(),
    })
}

#[tokio::test]
async fn action_task_run_twice_leaves_one_row() {
    let service = start_service(MockState::default()).await;
    let registry = registry(&service);
    let task = Task::new(
        TaskName::GenerateStakeholderAction,
        "501:ctx-1",
        json!(plan_job(501)),
    );

    registry.run(&task).await.expect("first run");
    registry.run(&task).await.expect("second run");

    let rows = service
        .app
        .hot
        .store
        .list_for_stakeholder(501)
        .await
        .expect("list");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].status, "ready");
    assert_eq!(rows[0].payload["plan"]["action"], "mock_move");
    assert_eq!(service.model.requests(), 2);
}

#[tokio::test]
async fn narration_task_run_twice_leaves_one_entry() {
    let service = start_service(MockState::default()).await;
    let registry = registry(&service);
    let payload = json!({ "scene_id": 3, "conflict_id": 12, "from": "active", "to": "climax" });
    let task = Task::new(TaskName::NarratePhaseTransition, "12", payload);

    registry.run(&task).await.expect("first run");
    registry.run(&task).await.expect("second run");

    let key = keys::transition_narrative(12);
    let value = service
        .app
        .hot
        .cache
        .get(&key.key)
        .await
        .expect("cache get")
        .expect("cached narrative");
    assert_eq!(value["text"], MOCK_TEXT);
    let gossip = keys::gossip(&scene_hash(3)).key;
    assert_eq!(
        service.app.hot.cache.get(&gossip).await.expect("cache get"),
        None
    );
}

#[tokio::test]
async fn gossip_task_run_twice_keeps_one_item() {
    let service = start_service(MockState::default()).await;
    let registry = registry(&service);
    let payload = json!({ "scene_id": 3, "scene_hash": scene_hash(3), "subject_npc_id": 4, "reason": "a lie" });
    let task = Task::new(TaskName::GenerateGossip, "g", payload);

    registry.run(&task).await.expect("first run");
    registry.run(&task).await.expect("second run");

    let key = keys::gossip(&scene_hash(3)).key;
    let items = service
        .app
        .hot
        .cache
        .get(&key)
        .await
        .expect("cache get")
        .expect("gossip");
    assert_eq!(items, json!(["mock gossip"]));
}

#[tokio::test]
async fn failing_model_call_is_retried_then_failed() {
    let service = start_service(MockState {
        always_fail: true,
        ..MockState::default()
    })
    .await;
    let task = Task::new(
        TaskName::GenerateStakeholderAction,
        "502:ctx-1",
        json!(plan_job(502)),
    );
    let key = task.idempotency_key.clone();
    let queue = &service.app.queue;

    queue.dispatch(task).await.expect("dispatch");

    let failed = wait_until(Duration::from_secs(5), || async {
        matches!(queue.status(&key).await, Some(TaskStatus::Failed { .. }))
    })
    .await;
    assert!(failed, "task did not fail: {:?}", queue.status(&key).await);
    let Some(TaskStatus::Failed { attempts, error }) = queue.status(&key).await else {
        unreachable!("checked above");
    };
    assert_eq!(attempts, 3);
    assert!(error.contains("HTTP 500"), "error: {error}");
    assert_eq!(service.model.requests(), 3);
    let rows = service
        .app
        .hot
        .store
        .list_for_stakeholder(502)
        .await
        .expect("list");
    assert!(rows.is_empty());
}

#[tokio::test]
async fn transient_failure_is_retried_to_success() {
    let mock = MockState::default();
    mock.failures_left
        .store(2, std::sync::atomic::Ordering::SeqCst);
    let service = start_service(mock).await;
    let task = Task::new(
        TaskName::GenerateStakeholderAction,
        "503:ctx-1",
        json!(plan_job(503)),
    );
    let key = task.idempotency_key.clone();
    let queue = &service.app.queue;

    queue.dispatch(task).await.expect("dispatch");

    let done = wait_until(Duration::from_secs(5), || async {
        matches!(queue.status(&key).await, Some(TaskStatus::Succeeded { .. }))
    })
    .await;
    assert!(done, "task did not succeed: {:?}", queue.status(&key).await);
    assert_eq!(
        queue.status(&key).await,
        Some(TaskStatus::Succeeded { attempts: 3 })
    );
    assert_eq!(service.model.requests(), 3);
    assert_eq!(
        service
            .app
            .hot
            .store
            .list_for_stakeholder(503)
            .await
            .expect("list")
            .len(),
        1
    );
}

#[tokio::test]
async fn invalid_payload_fails_without_retry() {
    let service = start_service(MockState::default()).await;
    let task = Task::new(
        TaskName::GenerateStakeholderAction,
        "bad",
        json!({ "stakeholder_id": "x" }),
    );
    let key = task.idempotency_key.clone();
    let queue = &service.app.queue;

    queue.dispatch(task).await.expect("dispatch");

    let failed = wait_until(Duration::from_secs(5), || async {
        matches!(queue.status(&key).await, Some(TaskStatus::Failed { .. }))
    })
    .await;
    assert!(failed);
    assert!(matches!(
        queue.status(&key).await,
        Some(TaskStatus::Failed { attempts: 1, .. })
    ));
    assert_eq!(service.model.requests(), 0);
}

#[tokio::test]
async fn duplicate_key_is_not_queued_twice() {
    let service = start_service(MockState {
        delay: Duration::from_millis(200),
        ..MockState::default()
    })
    .await;
    let queue = &service.app.queue;
    let task = Task::new(
        TaskName::GenerateStakeholderAction,
        "504:ctx-1",
        json!(plan_job(504)),
    );

    let first = queue.dispatch(task.clone()).await.expect("first dispatch");
    let second = queue.dispatch(task).await.expect("second dispatch");

    assert_eq!(first, runtime::queue::DispatchOutcome::Enqueued);
    assert_eq!(second, runtime::queue::DispatchOutcome::Duplicate);
}

#[tokio::test]
async fn shutdown_rejects_new_tasks() {
    let service = start_service(MockState::default()).await;
    service.app.shutdown().await;

    let task = Task::new(TaskName::NarrateEscalation, "x", json!({}));
    let result = service.app.queue.dispatch(task).await;

    assert_eq!(result, Err(runtime::queue::QueueError::ShuttingDown));
}

#[tokio::test]
async fn shutdown_lets_running_task_finish() {
    let service = start_service(MockState {
        delay: Duration::from_millis(200),
        ..MockState::default()
    })
    .await;
    let queue = &service.app.queue;
    let task = Task::new(
        TaskName::GenerateStakeholderAction,
        "505:ctx-1",
        json!(plan_job(505)),
    );
    let key = task.idempotency_key.clone();
    queue.dispatch(task).await.expect("dispatch");
    let running = wait_until(Duration::from_secs(2), || async {
        matches!(queue.status(&key).await, Some(TaskStatus::Running { .. }))
    })
    .await;
    assert!(running, "task never started");

    service.app.shutdown().await;

    assert_eq!(
        queue.status(&key).await,
        Some(TaskStatus::Succeeded { attempts: 1 })
    );
    assert_eq!(
        service
            .app
            .hot
            .store
            .list_for_stakeholder(505)
            .await
            .expect("list")
            .len(),
        1
    );
}
