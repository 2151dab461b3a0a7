//! The SQLite planned-actions store on a real file: schema, idempotent inserts, claims, expiry.

use runtime::store::{now_ms, ActionKind, NewPlannedAction, PlannedActionStore, SqliteStore};
use serde_json::json;
use sqlx::Row;

async fn open(dir: &tempfile::TempDir) -> SqliteStore {
    let url = format!("sqlite://{}", dir.path().join("store.db").display());
    SqliteStore::connect(&url, 2).await.expect("open store")
}

fn action(
    stakeholder_id: i64,
    context_hash: &str,
    priority: i32,
    available_at_ms: i64,
) -> NewPlannedAction {
    NewPlannedAction {
        stakeholder_id,
        scene_id: Some(1),
        scene_hash: Some("scene-a".into()),
        conflict_id: Some(5),
        kind: ActionKind::Action,
        payload: json!({ "plan": context_hash }),
        priority,
        context_hash: context_hash.into(),
        available_at_ms,
    }
}

#[tokio::test]
async fn migration_creates_table_and_indexes() {
    let dir = tempfile::tempdir().expect("temporary directory");
    open(&dir).await;
    let url = format!("sqlite://{}", dir.path().join("store.db").display());
    let pool = sqlx::SqlitePool::connect(&url).await.expect("connect");
    let rows = sqlx::query("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'planned_stakeholder_actions'")
        .fetch_all(&pool)
        .await
        .expect("list indexes");
    let names: Vec<String> = rows
        .iter()
        .map(|row| row.get::<String, _>("name"))
        .collect();
    for expected in [
        "idx_planned_scene_status",
        "idx_planned_stakeholder_status",
        "idx_planned_conflict_status",
        "idx_planned_ready_available",
        "idx_planned_context",
    ] {
        assert!(
            names.contains(&expected.to_string()),
            "missing index {expected} in {names:?}"
        );
    }
}

#[tokio::test]
async fn reopening_keeps_rows_and_reruns_no_migration() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = open(&dir).await;
    store
        .insert(action(1, "c1", 5, now_ms()))
        .await
        .expect("insert");
    drop(store);
    let store = open(&dir).await;
    assert_eq!(store.list_for_stakeholder(1).await.expect("list").len(), 1);
}

#[tokio::test]
async fn same_context_inserts_once() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = open(&dir).await;
    let first = store
        .insert(action(1, "c1", 5, now_ms()))
        .await
        .expect("insert");
    let second = store
        .insert(action(1, "c1", 5, now_ms()))
        .await
        .expect("insert");
    let other_context = store
        .insert(action(1, "c2", 5, now_ms()))
        .await
        .expect("insert");
    assert!(first.is_some());
    assert_eq!(second, None);
    assert!(other_context.is_some());
    assert_eq!(store.list_for_stakeholder(1).await.expect("list").len(), 2);
}

#[tokio::test]
async fn consumed_context_plans_again() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = open(&dir).await;
    let now = now_ms();
    let first = store
        .insert(action(1, "c1", 5, now - 10))
        .await
        .expect("insert");
    let claimed = store
        .claim_ready_for_scene("scene-a", now, 10)
        .await
        .expect("claim");
    let again = store
        .insert(action(1, "c1", 5, now - 5))
        .await
        .expect("insert after consumption");
    let retry = store
        .insert(action(1, "c1", 5, now - 5))
        .await
        .expect("retried insert");

    assert!(first.is_some());
    assert_eq!(claimed.len(), 1);
    assert!(
        again.is_some(),
        "a consumed plan must not block the next one"
    );
    assert_eq!(
        retry, None,
        "a retry while the new plan is ready stores nothing"
    );
    assert_eq!(store.list_for_stakeholder(1).await.expect("list").len(), 2);
}

#[tokio::test]
async fn claim_returns_ready_by_priority_once() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = open(&dir).await;
    let now = now_ms();
    store
        .insert(action(1, "low", 2, now - 10))
        .await
        .expect("insert");
    store
        .insert(action(2, "high", 9, now - 5))
        .await
        .expect("insert");
    store
        .insert(action(3, "later", 9, now + 60_000))
        .await
        .expect("insert");

    let claimed = store
        .claim_ready_for_scene("scene-a", now, 10)
        .await
        .expect("claim");
    let order: Vec<i64> = claimed.iter().map(|action| action.stakeholder_id).collect();
    assert_eq!(order, vec![2, 1]);
    assert!(claimed
        .iter()
        .all(|action| action.status == "consumed" && action.consumed_at_ms == Some(now)));

    let again = store
        .claim_ready_for_scene("scene-a", now, 10)
        .await
        .expect("claim");
    assert!(again.is_empty());
    let future = store
        .claim_ready_for_scene("scene-a", now + 60_000, 10)
        .await
        .expect("claim");
    assert_eq!(future.len(), 1);
    assert_eq!(future[0].stakeholder_id, 3);
}

#[tokio::test]
async fn ready_count_and_listing_ignore_consumed() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = open(&dir).await;
    let now = now_ms();
    store
        .insert(action(7, "a", 5, now - 1))
        .await
        .expect("insert");
    store
        .insert(action(8, "b", 5, now - 1))
        .await
        .expect("insert");
    store
        .insert(action(8, "c", 5, now - 1))
        .await
        .expect("insert");
    let counts = store.count_ready(5, &[7, 8, 9]).await.expect("count");
    assert_eq!(counts.get(&7), Some(&1));
    assert_eq!(counts.get(&8), Some(&2));
    assert_eq!(counts.get(&9), None);
    let other_conflict = store.count_ready(6, &[7, 8]).await.expect("count");
    assert!(other_conflict.is_empty());
    assert!(store.count_ready(5, &[]).await.expect("count").is_empty());
    assert_eq!(
        store
            .list_ready_for_scene("scene-a", 10)
            .await
            .expect("list")
            .len(),
        3
    );
    store
        .claim_ready_for_scene("scene-a", now, 10)
        .await
        .expect("claim");
    assert!(store
        .count_ready(5, &[7, 8])
        .await
        .expect("count")
        .is_empty());
    assert!(store
        .list_ready_for_scene("scene-a", 10)
        .await
        .expect("list")
        .is_empty());
}

#[tokio::test]
async fn expire_stale_marks_old_ready_rows() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = open(&dir).await;
    store
        .insert(action(8, "old", 5, now_ms()))
        .await
        .expect("insert");
    let expired = store.expire_stale(now_ms() + 1_000).await.expect("expire");
    assert_eq!(expired, 1);
    let rows = store.list_for_stakeholder(8).await.expect("list");
    assert_eq!(rows[0].status, "expired");
    assert_eq!(
        store.expire_stale(now_ms() + 1_000).await.expect("expire"),
        0
    );
}

#[tokio::test]
async fn default_times_are_epoch_milliseconds() {
    let dir = tempfile::tempdir().expect("temporary directory");
    open(&dir).await;
    let url = format!("sqlite://{}", dir.path().join("store.db").display());
    let pool = sqlx::SqlitePool::connect(&url).await.expect("connect");
    sqlx::query(
        "INSERT INTO planned_stakeholder_actions (stakeholder_id, kind) VALUES (1, 'action')",
    )
    .execute(&pool)
    .await
    .expect("insert with defaults");
    let created: i64 = sqlx::query_scalar("SELECT created_at FROM planned_stakeholder_actions")
        .fetch_one(&pool)
        .await
        .expect("read");
    assert!(
        (created - now_ms()).abs() < 5_000,
        "created_at {created} is not near now"
    );
    let bad_kind = sqlx::query(
        "INSERT INTO planned_stakeholder_actions (stakeholder_id, kind) VALUES (1, 'dance')",
    )
    .execute(&pool)
    .await;
    assert!(bad_kind.is_err());
}

#[tokio::test]
async fn missing_database_directory_is_created() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let url = format!("sqlite://{}", dir.path().join("a/b/store.db").display());
    let store = SqliteStore::connect(&url, 1)
        .await
        .expect("open store in a new directory");
    assert!(store.ping().await.is_ok());
    assert!(dir.path().join("a/b/store.db").exists());
}

#[tokio::test]
async fn unknown_url_scheme_is_rejected() {
    let config = runtime::config::StoreConfig {
        url: "mysql://localhost/game".into(),
        ..Default::default()
    };
    let error = match runtime::store::connect(&config).await {
        Ok(_) => panic!("a mysql:// URL must be rejected"),
        Err(error) => error.to_string(),
    };
    assert!(error.contains("`mysql://`"), "{error}");
    assert!(error.contains("sqlite://"), "{error}");
}
