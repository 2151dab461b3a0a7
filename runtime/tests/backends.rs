//! The Redis cache, the Redis queue and the PostgreSQL store on their own, against the servers that
//! `scripts/test.sh` starts: lock ownership, retries up to the maximum, concurrent claims, indexes.

mod common;

use std::collections::HashSet;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use common::servers::{server_urls, unique_name};
use common::wait_until;
use runtime::cache::{Cache, RedisCache};
use runtime::config::RedisConfig;
use runtime::queue::redis::{RedisQueue, RedisWorkers};
use runtime::queue::{QueueSettings, Task, TaskError, TaskName, TaskQueue, TaskRunner, TaskStatus};
use runtime::redis_link::RedisLink;
use runtime::store::{ActionKind, NewPlannedAction, PlannedActionStore, PostgresStore};
use serde_json::json;

async fn link(url: &str) -> RedisLink {
    RedisLink::connect(url, Duration::from_secs(1))
        .await
        .expect("connect to Redis")
}

#[tokio::test]
async fn redis_lock_released_only_by_owner() {
    let urls = server_urls();
    let owner = RedisCache::new(link(&urls.redis).await);
    let other = RedisCache::new(link(&urls.redis).await);
    let lock = unique_name("lock:test");
    let ttl = Duration::from_secs(10);

    assert!(owner.try_lock(&lock, ttl).await.expect("first lock"));
    assert!(!other.try_lock(&lock, ttl).await.expect("second lock"));
    other
        .release_lock(&lock)
        .await
        .expect("release by another process");
    assert!(!other
        .try_lock(&lock, ttl)
        .await
        .expect("lock after foreign release"));
    owner
        .release_lock(&lock)
        .await
        .expect("release by the owner");
    assert!(other
        .try_lock(&lock, ttl)
        .await
        .expect("lock after owner release"));
}

#[tokio::test]
async fn redis_value_expires_after_lifetime() {
    let urls = server_urls();
    let cache = RedisCache::new(link(&urls.redis).await);
    let key = unique_name("value:test");
    cache
        .set(&key, json!({ "a": 1 }), Duration::from_millis(100))
        .await
        .expect("set");
    assert_eq!(cache.get(&key).await.expect("get"), Some(json!({ "a": 1 })));
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert_eq!(cache.get(&key).await.expect("get after expiry"), None);
}

/// Fails every attempt before `succeed_on` with a retryable error; 0 never succeeds.
struct FlakyRunner {
    attempts: AtomicU32,
    succeed_on: u32,
}

#[async_trait]
impl TaskRunner for FlakyRunner {
    async fn run(&self, _task: &Task) -> Result<(), TaskError> {
        let attempt = self.attempts.fetch_add(1, Ordering::SeqCst) + 1;
        if attempt == self.succeed_on {
            Ok(())
        } else {
            Err(TaskError::Retryable(format!("attempt {attempt} failed")))
        }
    }
}

async fn queue_with_runner(runner: Arc<FlakyRunner>) -> (RedisQueue, RedisWorkers) {
    let urls = server_urls();
    let config = RedisConfig {
        stream: unique_name("retry"),
        ..RedisConfig::default()
    };
    let queue = RedisQueue::start(link(&urls.redis).await, &config)
        .await
        .expect("start the queue");
    let workers = start_workers(&queue, runner, Duration::from_secs(5)).await;
    (queue, workers)
}

async fn start_workers(
    queue: &RedisQueue,
    runner: Arc<FlakyRunner>,
    visibility_timeout: Duration,
) -> RedisWorkers {
    let settings = QueueSettings {
        workers: 1,
        capacity: 100,
        max_attempts: 3,
        backoff_base: Duration::from_millis(50),
        backoff_max: Duration::from_millis(200),
        shutdown_grace: Duration::from_secs(1),
    };
    RedisWorkers::start(queue.clone(), settings, visibility_timeout, runner)
        .await
        .expect("start the workers")
}

#[tokio::test]
async fn redis_task_fails_after_repeated_crashes() {
    let urls = server_urls();
    let stream = unique_name("crash");
    let config = RedisConfig {
        stream: stream.clone(),
        ..RedisConfig::default()
    };
    let queue = RedisQueue::start(link(&urls.redis).await, &config)
        .await
        .expect("start the queue");
    let task = Task::new(TaskName::NarrateVictory, "crash", json!({}));
    queue.dispatch(task.clone()).await.expect("dispatch");

    // A consumer that dies after taking the entry, then three more deliveries to dead consumers.
    let group = &config.group;
    let mut read = redis::cmd("XREADGROUP");
    for arg in [
        "GROUP", group, "dead", "COUNT", "1", "STREAMS", &stream, ">",
    ] {
        read.arg(arg);
    }
    let _: redis::Value = common::servers::redis_query(&urls.redis, &read).await;
    let entries: Vec<(String, Vec<String>)> = common::servers::redis_query(
        &urls.redis,
        redis::cmd("XRANGE").arg(&stream).arg("-").arg("+"),
    )
    .await;
    let entry_id = entries
        .first()
        .map(|entry| entry.0.clone())
        .expect("one entry");
    for _ in 0..3 {
        let mut claim = redis::cmd("XCLAIM");
        claim
            .arg(&stream)
            .arg(group)
            .arg("dead")
            .arg(0)
            .arg(&entry_id);
        let _: redis::Value = common::servers::redis_query(&urls.redis, &claim).await;
    }

    let runner = Arc::new(FlakyRunner {
        attempts: AtomicU32::new(0),
        succeed_on: 1,
    });
    let workers = start_workers(&queue, runner.clone(), Duration::from_millis(100)).await;
    let failed = wait_until(Duration::from_secs(10), || async {
        matches!(
            queue.status(&task.idempotency_key).await,
            Some(TaskStatus::Failed { .. })
        )
    })
    .await;
    workers.shutdown().await;
    assert!(
        failed,
        "status: {:?}",
        queue.status(&task.idempotency_key).await
    );
    assert_eq!(
        runner.attempts.load(Ordering::SeqCst),
        0,
        "the task does not run again"
    );
}

#[tokio::test]
async fn redis_retry_succeeds_after_backoff() {
    let runner = Arc::new(FlakyRunner {
        attempts: AtomicU32::new(0),
        succeed_on: 3,
    });
    let (queue, workers) = queue_with_runner(runner.clone()).await;
    let task = Task::new(TaskName::NarrateVictory, "retry-ok", json!({}));
    queue.dispatch(task.clone()).await.expect("dispatch");
    let done = wait_until(Duration::from_secs(10), || async {
        queue.status(&task.idempotency_key).await == Some(TaskStatus::Succeeded { attempts: 3 })
    })
    .await;
    workers.shutdown().await;
    assert!(
        done,
        "status: {:?}",
        queue.status(&task.idempotency_key).await
    );
    assert_eq!(runner.attempts.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn redis_task_fails_after_max_attempts() {
    let runner = Arc::new(FlakyRunner {
        attempts: AtomicU32::new(0),
        succeed_on: 0,
    });
    let (queue, workers) = queue_with_runner(runner.clone()).await;
    let task = Task::new(TaskName::NarrateVictory, "retry-fail", json!({}));
    queue.dispatch(task.clone()).await.expect("dispatch");
    let failed = wait_until(Duration::from_secs(10), || async {
        matches!(
            queue.status(&task.idempotency_key).await,
            Some(TaskStatus::Failed { attempts: 3, .. })
        )
    })
    .await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    workers.shutdown().await;
    assert!(
        failed,
        "status: {:?}",
        queue.status(&task.idempotency_key).await
    );
    assert_eq!(
        runner.attempts.load(Ordering::SeqCst),
        3,
        "no attempt after the maximum"
    );
}

fn plan(stakeholder_id: i64, scene_hash: &str, index: usize) -> NewPlannedAction {
    NewPlannedAction {
        stakeholder_id,
        scene_id: Some(1),
        scene_hash: Some(scene_hash.to_string()),
        conflict_id: Some(7),
        kind: ActionKind::Action,
        payload: json!({ "index": index }),
        priority: (index % 10) as i32,
        context_hash: format!("ctx-{index}"),
        available_at_ms: 0,
    }
}

async fn pg_store(url: &str) -> PostgresStore {
    PostgresStore::connect(url, 4, Duration::from_secs(2))
        .await
        .expect("connect to PostgreSQL")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_claims_never_overlap() {
    let urls = server_urls();
    let stores = [
        pg_store(&urls.database).await,
        pg_store(&urls.database).await,
    ];
    let scene_hash = unique_name("scene");
    let scene_hash = &scene_hash[scene_hash.len().saturating_sub(32)..];
    let stakeholder_id = (runtime::store::now_ms() % 10_000_000) * 100 + 42;
    for index in 0..60 {
        let id = stores[0]
            .insert(plan(stakeholder_id, scene_hash, index))
            .await
            .expect("insert");
        assert!(id.is_some());
    }
    let again = stores[1]
        .insert(plan(stakeholder_id, scene_hash, 0))
        .await
        .expect("insert again");
    assert_eq!(again, None, "a second plan for the same context is ignored");

    let mut claims = Vec::new();
    for round in 0..12 {
        let store = stores[round % 2].clone();
        let scene_hash = scene_hash.to_string();
        claims.push(tokio::spawn(async move {
            store
                .claim_ready_for_scene(&scene_hash, runtime::store::now_ms(), 7)
                .await
        }));
    }
    let mut claimed = Vec::new();
    for claim in claims {
        claimed.extend(
            claim
                .await
                .expect("claim task")
                .expect("claim")
                .into_iter()
                .map(|action| action.id),
        );
    }
    let distinct: HashSet<_> = claimed.iter().collect();
    assert_eq!(distinct.len(), claimed.len(), "no plan claimed twice");
    assert_eq!(claimed.len(), 60, "every plan claimed");
}

#[tokio::test]
async fn postgres_generic_plan_uses_scene_index() {
    let urls = server_urls();
    let pool = sqlx::PgPool::connect(&urls.database)
        .await
        .expect("connect to PostgreSQL");
    pg_store(&urls.database).await;
    // The planner picks by statistics, so the table gets many ready rows over 200 scenes first.
    let base = (runtime::store::now_ms() % 10_000_000) * 100 + 1_000_000_000;
    sqlx::query(
        "INSERT INTO planned_stakeholder_actions (stakeholder_id, scene_hash, conflict_id, kind, context_hash) \
         SELECT g, 'plan-test-' || (g % 200), 1, 'action', 'plan-test' FROM generate_series($1::int, $1::int + 19999) g \
         ON CONFLICT DO NOTHING",
    )
    .bind(base as i32)
    .execute(&pool)
    .await
    .expect("insert ready rows");
    sqlx::query("ANALYZE planned_stakeholder_actions")
        .execute(&pool)
        .await
        .expect("analyze");
    let mut connection = pool.acquire().await.expect("connection");
    sqlx::query("SET plan_cache_mode = force_generic_plan")
        .execute(&mut *connection)
        .await
        .expect("force the generic plan");
    sqlx::query(
        "PREPARE ready_for_scene(text, timestamptz) AS SELECT id FROM planned_stakeholder_actions \
         WHERE scene_hash = $1 AND status = 'ready' AND available_at <= $2 \
         ORDER BY priority DESC, available_at LIMIT 32",
    )
    .execute(&mut *connection)
    .await
    .expect("prepare");
    let rows: Vec<(String,)> =
        sqlx::query_as("EXPLAIN EXECUTE ready_for_scene('plan-test-5', now())")
            .fetch_all(&mut *connection)
            .await
            .expect("explain");
    let plan: String = rows
        .into_iter()
        .map(|(line,)| line)
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        plan.contains("idx_planned_ready_scene_available"),
        "the generic plan reads by scene:\n{plan}"
    );
    assert!(
        !plan.contains("idx_planned_ready_available "),
        "the generic plan does not scan every ready row:\n{plan}"
    );
}
