//! Task queue on a Redis stream with a consumer group, shared by API and worker processes.
//! Delivery is at least once: a task leaves the stream only after its worker acknowledges it.

mod scripts;
mod worker;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tokio_util::sync::CancellationToken;

pub use scripts::Scripts;
pub use worker::RedisWorkers;

use super::{DispatchOutcome, QueueError, Task, TaskQueue, TaskStatus};
use crate::config::RedisConfig;
use crate::redis_link::{RedisError, RedisLink};

/// How long the state of a task stays readable through `status`.
const STATUS_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);
/// How often the queue depth gauge is read from Redis.
const DEPTH_INTERVAL: Duration = Duration::from_secs(1);

/// Names of the Redis keys of one queue.
#[derive(Debug, Clone)]
pub struct QueueKeys {
    pub stream: String,
    pub group: String,
    /// Sorted set of retries waiting for their backoff, scored by due time in epoch milliseconds.
    pub delayed: String,
    /// Prefix of the per-task status hashes, followed by the idempotency key.
    pub status_prefix: String,
}

impl QueueKeys {
    pub fn new(config: &RedisConfig) -> Self {
        Self {
            stream: config.stream.clone(),
            group: config.group.clone(),
            delayed: format!("{}:delayed", config.stream),
            status_prefix: format!("{}:status:", config.stream),
        }
    }

    pub fn status(&self, idempotency_key: &str) -> String {
        format!("{}{idempotency_key}", self.status_prefix)
    }
}

/// The dispatching side of the Redis queue; [`RedisWorkers`] runs the tasks. Cloning shares it.
#[derive(Clone)]
pub struct RedisQueue {
    link: RedisLink,
    keys: QueueKeys,
    scripts: Arc<Scripts>,
    depth: Arc<AtomicUsize>,
    closed: Arc<AtomicBool>,
    stop: CancellationToken,
}

impl RedisQueue {
    /// Creates the consumer group if missing and starts the task that reads the queue depth.
    pub async fn start(link: RedisLink, config: &RedisConfig) -> Result<Self, RedisError> {
        let keys = QueueKeys::new(config);
        ensure_group(&link, &keys).await?;
        let queue = Self {
            link,
            keys,
            scripts: Arc::new(Scripts::new()),
            depth: Arc::new(AtomicUsize::new(0)),
            closed: Arc::new(AtomicBool::new(false)),
            stop: CancellationToken::new(),
        };
        tokio::spawn(refresh_depth(queue.clone()));
        Ok(queue)
    }

    pub fn link(&self) -> &RedisLink {
        &self.link
    }

    pub fn keys(&self) -> &QueueKeys {
        &self.keys
    }

    pub fn scripts(&self) -> &Arc<Scripts> {
        &self.scripts
    }

    async fn run_dispatch(
        &self,
        lock: Option<(&str, Duration)>,
        task: &Task,
    ) -> Result<DispatchOutcome, QueueError> {
        if self.closed.load(Ordering::SeqCst) {
            return Err(QueueError::ShuttingDown);
        }
        let body = serde_json::to_string(task)
            .map_err(|error| QueueError::Backend(format!("cannot encode task: {error}")))?;
        let mut invocation = self.scripts.dispatch.key(&self.keys.stream);
        invocation
            .key(self.keys.status(&task.idempotency_key))
            .arg(body)
            .arg(STATUS_LIFETIME.as_millis() as u64);
        if let Some((lock_name, ttl)) = lock {
            invocation
                .key(lock_name)
                .arg(self.link.owner_token())
                .arg((ttl.as_millis() as u64).max(1));
        }
        let reply: String = self
            .link
            .invoke("dispatch script", &invocation)
            .await
            .map_err(|error| QueueError::Backend(error.to_string()))?;
        let name = task.name.as_str();
        let outcome = match reply.as_str() {
            "enqueued" => DispatchOutcome::Enqueued,
            "duplicate" => DispatchOutcome::Duplicate,
            "lock_held" => return Ok(DispatchOutcome::LockHeld),
            other => {
                return Err(QueueError::Backend(format!(
                    "dispatch script returned {other:?}, expected enqueued, duplicate or lock_held"
                )))
            }
        };
        let label = match outcome {
            DispatchOutcome::Enqueued => "enqueued",
            _ => "duplicate",
        };
        metrics::counter!("runtime_tasks_total", "task" => name, "outcome" => label).increment(1);
        tracing::debug!(task = name, task_key = %task.idempotency_key, ?outcome, "task dispatched");
        Ok(outcome)
    }
}

/// Creates the stream and its consumer group unless they exist. The group starts at the stream's
/// first entry, so tasks added before it existed are delivered too.
pub async fn ensure_group(link: &RedisLink, keys: &QueueKeys) -> Result<(), RedisError> {
    let mut cmd = redis::cmd("XGROUP");
    cmd.arg("CREATE")
        .arg(&keys.stream)
        .arg(&keys.group)
        .arg("0")
        .arg("MKSTREAM");
    match link.query::<()>("XGROUP CREATE", &cmd).await {
        Ok(()) => Ok(()),
        Err(RedisError::Command { source, .. }) if source.code() == Some("BUSYGROUP") => Ok(()),
        Err(error) => Err(error),
    }
}

async fn refresh_depth(queue: RedisQueue) {
    let mut interval = tokio::time::interval(DEPTH_INTERVAL);
    loop {
        tokio::select! {
            _ = queue.stop.cancelled() => return,
            _ = interval.tick() => {}
        }
        let mut pipe = redis::pipe();
        pipe.cmd("XLEN")
            .arg(&queue.keys.stream)
            .cmd("ZCARD")
            .arg(&queue.keys.delayed);
        match queue.link.pipeline::<(usize, usize)>("XLEN", &pipe).await {
            Ok((stream, delayed)) => {
                queue.depth.store(stream + delayed, Ordering::Relaxed);
                metrics::gauge!("runtime_queue_depth").set((stream + delayed) as f64);
            }
            Err(error) => tracing::debug!(%error, "cannot read the queue depth"),
        }
    }
}

fn parse_status(fields: &HashMap<String, String>) -> Option<TaskStatus> {
    let attempt = fields
        .get("attempt")
        .and_then(|value| value.parse().ok())
        .unwrap_or(0);
    let error = fields.get("error").cloned().unwrap_or_default();
    match fields.get("state")?.as_str() {
        "queued" => Some(TaskStatus::Queued),
        "running" => Some(TaskStatus::Running { attempt }),
        "retry" => Some(TaskStatus::RetryScheduled { attempt, error }),
        "succeeded" => Some(TaskStatus::Succeeded { attempts: attempt }),
        "failed" => Some(TaskStatus::Failed {
            attempts: attempt,
            error,
        }),
        _ => None,
    }
}

#[async_trait]
impl TaskQueue for RedisQueue {
    async fn dispatch(&self, task: Task) -> Result<DispatchOutcome, QueueError> {
        self.run_dispatch(None, &task).await
    }

    async fn dispatch_locked(
        &self,
        lock_name: &str,
        lock_ttl: Duration,
        task: &Task,
    ) -> Option<Result<DispatchOutcome, QueueError>> {
        Some(self.run_dispatch(Some((lock_name, lock_ttl)), task).await)
    }

    async fn status(&self, idempotency_key: &str) -> Option<TaskStatus> {
        let mut cmd = redis::cmd("HGETALL");
        cmd.arg(self.keys.status(idempotency_key));
        match self
            .link
            .query::<HashMap<String, String>>("HGETALL", &cmd)
            .await
        {
            Ok(fields) => parse_status(&fields),
            Err(error) => {
                tracing::warn!(task_key = idempotency_key, %error, "cannot read task status");
                None
            }
        }
    }

    fn depth(&self) -> usize {
        self.depth.load(Ordering::Relaxed)
    }

    /// Stops accepting dispatches. Queued tasks stay in Redis for the workers.
    async fn shutdown(&self) {
        self.closed.store(true, Ordering::SeqCst);
        self.stop.cancel();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(key, value)| (key.to_string(), value.to_string()))
            .collect()
    }

    #[test]
    fn status_parses_each_state() {
        let retry = fields(&[("state", "retry"), ("attempt", "2"), ("error", "timeout")]);
        assert_eq!(
            parse_status(&retry),
            Some(TaskStatus::RetryScheduled {
                attempt: 2,
                error: "timeout".into()
            })
        );
        let done = fields(&[("state", "succeeded"), ("attempt", "1")]);
        assert_eq!(
            parse_status(&done),
            Some(TaskStatus::Succeeded { attempts: 1 })
        );
        assert_eq!(parse_status(&fields(&[])), None);
    }

    #[test]
    fn keys_derive_from_stream_name() {
        let keys = QueueKeys::new(&RedisConfig::default());
        assert_eq!(keys.delayed, "runtime:tasks:delayed");
        assert_eq!(keys.status("t:1"), "runtime:tasks:status:t:1");
    }
}
