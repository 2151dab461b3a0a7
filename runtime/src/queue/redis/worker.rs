//! Workers of the Redis queue. Each consumer reads with XREADGROUP, claims entries whose worker
//! stopped sending heartbeats with XAUTOCLAIM, runs the task, and acknowledges it with XACK.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use redis::streams::{StreamAutoClaimReply, StreamId, StreamReadReply};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use super::{ensure_group, RedisQueue, STATUS_LIFETIME};
use crate::conflict::hotpath::LogThrottle;
use crate::queue::{QueueSettings, Task, TaskError, TaskRunner};
use crate::redis_link::{RedisError, RedisLink};

/// How long one XREADGROUP waits for a new entry; shutdown waits at most this long for idle consumers.
const READ_BLOCK: Duration = Duration::from_millis(500);
/// How often due retries move from the delayed set to the stream.
const PROMOTE_INTERVAL: Duration = Duration::from_millis(200);
/// Pause after a failed Redis read before the consumer tries again.
const ERROR_PAUSE: Duration = Duration::from_millis(500);
/// How long shutdown waits for aborted tasks to be put back on the stream.
const REQUEUE_WAIT: Duration = Duration::from_secs(2);

static READ_ERROR_LOG: LogThrottle = LogThrottle::new();

struct Inner {
    queue: RedisQueue,
    runner: Arc<dyn TaskRunner>,
    settings: QueueSettings,
    visibility_timeout: Duration,
    /// Cancelled when shutdown starts: consumers take no new entries.
    stop: CancellationToken,
    /// Cancelled when the grace period ends: running tasks are abandoned and put back on the stream.
    abort: CancellationToken,
}

/// A pool of consumers in one worker process. Cloning shares the pool.
#[derive(Clone)]
pub struct RedisWorkers {
    inner: Arc<Inner>,
    handles: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

/// A stream entry decoded into its task.
struct Delivery {
    entry_id: String,
    task: Task,
    attempt: u32,
    /// How often the group handed out this entry, including to workers that stopped while running it.
    deliveries: u64,
}

impl RedisWorkers {
    /// Starts `settings.workers` consumers, each with its own connection for blocking reads.
    pub async fn start(
        queue: RedisQueue,
        settings: QueueSettings,
        visibility_timeout: Duration,
        runner: Arc<dyn TaskRunner>,
    ) -> Result<Self, RedisError> {
        let inner = Arc::new(Inner {
            queue,
            runner,
            settings,
            visibility_timeout,
            stop: CancellationToken::new(),
            abort: CancellationToken::new(),
        });
        let prefix = consumer_prefix();
        let mut handles = Vec::new();
        for index in 0..inner.settings.workers {
            let reader = inner
                .queue
                .link()
                .dedicated(READ_BLOCK + Duration::from_secs(2))
                .await?;
            let consumer = format!("{prefix}-{index}");
            handles.push(tokio::spawn(consume(inner.clone(), reader, consumer)));
        }
        handles.push(tokio::spawn(promote_due(inner.clone())));
        tracing::info!(
            consumers = inner.settings.workers,
            consumer_prefix = %prefix,
            stream = %inner.queue.keys().stream,
            group = %inner.queue.keys().group,
            "Redis queue workers started"
        );
        Ok(Self {
            inner,
            handles: Arc::new(Mutex::new(handles)),
        })
    }

    /// Stops taking entries, lets running tasks finish within the grace period, then puts the
    /// unfinished ones back on the stream so another worker runs them.
    pub async fn shutdown(&self) {
        self.inner.stop.cancel();
        let mut handles: Vec<JoinHandle<()>> = {
            let mut guard = self
                .handles
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            guard.drain(..).collect()
        };
        let grace = self.inner.settings.shutdown_grace;
        if wait_all(&mut handles, grace).await {
            tracing::info!("Redis queue workers stopped");
            return;
        }
        tracing::warn!(
            grace_ms = grace.as_millis() as u64,
            "running tasks did not finish within the grace period; returning them to the queue"
        );
        self.inner.abort.cancel();
        if !wait_all(&mut handles, REQUEUE_WAIT).await {
            tracing::error!("some tasks could not be returned; other workers claim them after the visibility timeout");
        }
    }
}

/// Waits for every handle within `limit`; returns whether all finished.
async fn wait_all(handles: &mut Vec<JoinHandle<()>>, limit: Duration) -> bool {
    let deadline = tokio::time::Instant::now() + limit;
    while let Some(handle) = handles.last_mut() {
        match tokio::time::timeout_at(deadline, handle).await {
            Ok(Err(error)) => tracing::error!(%error, "Redis queue worker ended abnormally"),
            Ok(Ok(())) => {}
            Err(_) => return false,
        }
        handles.pop();
    }
    true
}

/// Names consumers after the host and the process, so XINFO CONSUMERS shows where each one runs.
fn consumer_prefix() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "worker".into());
    format!("{host}-{}", std::process::id())
}

async fn consume(inner: Arc<Inner>, reader: RedisLink, consumer: String) {
    let mut claim_cursor = String::from("0-0");
    while !inner.stop.is_cancelled() {
        let next = next_entry(&inner, &reader, &consumer, &mut claim_cursor).await;
        match next {
            Ok(Some((entry, deliveries))) => process(&inner, &consumer, entry, deliveries).await,
            Ok(None) => {}
            Err(error) => {
                if let Some(suppressed) = READ_ERROR_LOG.admit() {
                    tracing::error!(consumer, %error, suppressed, "cannot read the task stream; retrying");
                }
                if is_missing_group(&error) {
                    if let Err(error) = ensure_group(inner.queue.link(), inner.queue.keys()).await {
                        tracing::warn!(consumer, %error, "cannot create the consumer group");
                    }
                }
                tokio::select! {
                    _ = inner.stop.cancelled() => {}
                    _ = tokio::time::sleep(ERROR_PAUSE) => {}
                }
            }
        }
    }
    tracing::debug!(consumer, "Redis queue consumer stopped");
}

fn is_missing_group(error: &RedisError) -> bool {
    matches!(error, RedisError::Command { source, .. } if source.code() == Some("NOGROUP"))
}

/// Returns an entry whose consumer stopped sending heartbeats, else waits for a new entry, with
/// the number of times the group delivered it.
async fn next_entry(
    inner: &Inner,
    reader: &RedisLink,
    consumer: &str,
    claim_cursor: &mut String,
) -> Result<Option<(StreamId, u64)>, RedisError> {
    let keys = inner.queue.keys();
    let mut claim = redis::cmd("XAUTOCLAIM");
    claim
        .arg(&keys.stream)
        .arg(&keys.group)
        .arg(consumer)
        .arg(inner.visibility_timeout.as_millis() as u64)
        .arg(claim_cursor.as_str())
        .arg("COUNT")
        .arg(1);
    let claimed: StreamAutoClaimReply = inner.queue.link().query("XAUTOCLAIM", &claim).await?;
    *claim_cursor = claimed.next_stream_id;
    if let Some(entry) = claimed.claimed.into_iter().next() {
        let deliveries = delivery_count(inner, &entry.id).await?;
        tracing::warn!(consumer, entry_id = %entry.id, deliveries, "claimed a task whose worker stopped responding");
        return Ok(Some((entry, deliveries)));
    }
    let mut read = redis::cmd("XREADGROUP");
    read.arg("GROUP")
        .arg(&keys.group)
        .arg(consumer)
        .arg("COUNT")
        .arg(1)
        .arg("BLOCK")
        .arg(READ_BLOCK.as_millis() as u64)
        .arg("STREAMS")
        .arg(&keys.stream)
        .arg(">");
    let reply: Option<StreamReadReply> = reader.query("XREADGROUP", &read).await?;
    Ok(reply
        .and_then(|reply| reply.keys.into_iter().next())
        .and_then(|stream| stream.ids.into_iter().next())
        .map(|entry| (entry, 1)))
}

/// Reads the delivery counter of a pending entry with `XPENDING stream group id id 1`.
async fn delivery_count(inner: &Inner, entry_id: &str) -> Result<u64, RedisError> {
    let keys = inner.queue.keys();
    let mut cmd = redis::cmd("XPENDING");
    cmd.arg(&keys.stream)
        .arg(&keys.group)
        .arg(entry_id)
        .arg(entry_id)
        .arg(1);
    let rows: Vec<(String, String, u64, u64)> = inner.queue.link().query("XPENDING", &cmd).await?;
    Ok(rows.first().map_or(1, |row| row.3))
}

fn decode(entry: &StreamId, deliveries: u64) -> Result<Delivery, String> {
    let body: String = entry
        .get("task")
        .ok_or_else(|| format!("entry {} has no task field", entry.id))?;
    let task: Task = serde_json::from_str(&body)
        .map_err(|error| format!("entry {} has an invalid task: {error}", entry.id))?;
    let attempt = entry
        .get::<String>("attempt")
        .and_then(|value| value.parse().ok())
        .unwrap_or(1);
    Ok(Delivery {
        entry_id: entry.id.clone(),
        task,
        attempt,
        deliveries,
    })
}

async fn process(inner: &Arc<Inner>, consumer: &str, entry: StreamId, deliveries: u64) {
    let delivery = match decode(&entry, deliveries) {
        Ok(delivery) => delivery,
        Err(error) => {
            tracing::error!(consumer, entry_id = %entry.id, %error, "dropping an undecodable stream entry");
            drop_entry(inner, &entry.id).await;
            return;
        }
    };
    let span = tracing::info_span!(
        "task",
        task = delivery.task.name.as_str(),
        task_key = %delivery.task.idempotency_key,
        attempt = delivery.attempt,
        entry_id = %delivery.entry_id,
        consumer
    );
    run_delivery(inner, consumer, delivery)
        .instrument(span)
        .await;
}

async fn run_delivery(inner: &Arc<Inner>, consumer: &str, delivery: Delivery) {
    let name = delivery.task.name.as_str();
    // A task whose workers keep dying while running it (a crash or an out-of-memory kill) would
    // otherwise be claimed forever, so it fails once its deliveries exceed the attempts allowed.
    if delivery.deliveries > u64::from(inner.settings.max_attempts) {
        let error = format!(
            "delivered {} times without finishing, because its workers stopped while running it",
            delivery.deliveries
        );
        tracing::error!(%error, "task failed, no deliveries left");
        metrics::counter!("runtime_tasks_total", "task" => name, "outcome" => "failed")
            .increment(1);
        finish(inner, &delivery, "failed", &error).await;
        return;
    }
    record(inner, &delivery, "running", "").await;
    let heartbeat = tokio::spawn(send_heartbeats(
        inner.clone(),
        consumer.to_string(),
        delivery.entry_id.clone(),
    ));
    let started = Instant::now();
    let result = tokio::select! {
        result = inner.runner.run(&delivery.task) => Some(result),
        _ = inner.abort.cancelled() => None,
    };
    heartbeat.abort();
    metrics::histogram!("runtime_task_duration_seconds", "task" => name)
        .record(started.elapsed().as_secs_f64());
    let elapsed_ms = started.elapsed().as_millis() as u64;
    match result {
        None => requeue(inner, &delivery).await,
        Some(Ok(())) => {
            tracing::info!(elapsed_ms, "task succeeded");
            metrics::counter!("runtime_tasks_total", "task" => name, "outcome" => "succeeded")
                .increment(1);
            finish(inner, &delivery, "succeeded", "").await;
        }
        Some(Err(TaskError::Retryable(error)))
            if delivery.attempt < inner.settings.max_attempts =>
        {
            schedule_retry(inner, &delivery, &error).await;
        }
        Some(Err(error)) => {
            tracing::error!(%error, elapsed_ms, "task failed, no attempts left");
            metrics::counter!("runtime_tasks_total", "task" => name, "outcome" => "failed")
                .increment(1);
            finish(inner, &delivery, "failed", &error.to_string()).await;
        }
    }
}

/// Resets the entry's idle time every third of the visibility timeout, so no other worker claims it.
async fn send_heartbeats(inner: Arc<Inner>, consumer: String, entry_id: String) {
    let period = (inner.visibility_timeout / 3).max(Duration::from_millis(50));
    let keys = inner.queue.keys();
    loop {
        tokio::time::sleep(period).await;
        let mut cmd = redis::cmd("XCLAIM");
        cmd.arg(&keys.stream)
            .arg(&keys.group)
            .arg(&consumer)
            .arg(0)
            .arg(&entry_id)
            .arg("JUSTID");
        if let Err(error) = inner
            .queue
            .link()
            .query::<redis::Value>("XCLAIM", &cmd)
            .await
        {
            tracing::warn!(consumer, entry_id, %error, "task heartbeat failed");
        }
    }
}

async fn record(inner: &Inner, delivery: &Delivery, state: &str, error: &str) {
    let status_key = inner.queue.keys().status(&delivery.task.idempotency_key);
    let mut invocation = inner.queue.scripts().set_status.key(status_key);
    invocation
        .arg(state)
        .arg(delivery.attempt)
        .arg(error)
        .arg(STATUS_LIFETIME.as_millis() as u64);
    if let Err(error) = inner
        .queue
        .link()
        .invoke::<i64>("record status", &invocation)
        .await
    {
        tracing::warn!(%error, state, "cannot record the task state");
    }
}

async fn finish(inner: &Inner, delivery: &Delivery, state: &str, error: &str) {
    let keys = inner.queue.keys();
    let mut invocation = inner.queue.scripts().finish.key(&keys.stream);
    invocation
        .key(keys.status(&delivery.task.idempotency_key))
        .arg(&keys.group)
        .arg(&delivery.entry_id)
        .arg(state)
        .arg(delivery.attempt)
        .arg(error)
        .arg(STATUS_LIFETIME.as_millis() as u64);
    if let Err(error) = inner
        .queue
        .link()
        .invoke::<i64>("acknowledge task", &invocation)
        .await
    {
        tracing::error!(%error, state, "cannot acknowledge the task; a worker runs it again after the visibility timeout");
    }
}

async fn schedule_retry(inner: &Inner, delivery: &Delivery, task_error: &str) {
    let delay = inner.settings.backoff(delivery.attempt);
    tracing::warn!(
        error = task_error,
        delay_ms = delay.as_millis() as u64,
        "task failed, retry scheduled"
    );
    metrics::counter!("runtime_tasks_total", "task" => delivery.task.name.as_str(), "outcome" => "retried")
        .increment(1);
    let body = match serde_json::to_string(&delivery.task) {
        Ok(body) => body,
        Err(error) => {
            tracing::error!(%error, "cannot encode the task for its retry");
            return;
        }
    };
    let keys = inner.queue.keys();
    let due = crate::store::now_ms() + delay.as_millis() as i64;
    let mut invocation = inner.queue.scripts().retry.key(&keys.stream);
    invocation
        .key(keys.status(&delivery.task.idempotency_key))
        .key(&keys.delayed)
        .arg(&keys.group)
        .arg(&delivery.entry_id)
        .arg(delivery.attempt)
        .arg(task_error)
        .arg(STATUS_LIFETIME.as_millis() as u64)
        .arg(due)
        .arg(format!("{}|{body}", delivery.attempt + 1));
    if let Err(error) = inner
        .queue
        .link()
        .invoke::<i64>("schedule retry", &invocation)
        .await
    {
        tracing::error!(%error, "cannot schedule the retry; a worker runs the task again after the visibility timeout");
    }
}

async fn requeue(inner: &Inner, delivery: &Delivery) {
    let body = match serde_json::to_string(&delivery.task) {
        Ok(body) => body,
        Err(error) => {
            tracing::error!(%error, "cannot encode the unfinished task");
            return;
        }
    };
    let keys = inner.queue.keys();
    let mut invocation = inner.queue.scripts().requeue.key(&keys.stream);
    invocation
        .key(keys.status(&delivery.task.idempotency_key))
        .arg(&keys.group)
        .arg(&delivery.entry_id)
        .arg(body)
        .arg(delivery.attempt)
        .arg(STATUS_LIFETIME.as_millis() as u64);
    match inner
        .queue
        .link()
        .invoke::<i64>("requeue task", &invocation)
        .await
    {
        Ok(_) => tracing::warn!("returned an unfinished task to the queue"),
        Err(error) => {
            tracing::error!(%error, "cannot return the unfinished task; a worker claims it after the visibility timeout")
        }
    }
}

async fn drop_entry(inner: &Inner, entry_id: &str) {
    let keys = inner.queue.keys();
    let mut pipe = redis::pipe();
    pipe.cmd("XACK")
        .arg(&keys.stream)
        .arg(&keys.group)
        .arg(entry_id)
        .cmd("XDEL")
        .arg(&keys.stream)
        .arg(entry_id);
    if let Err(error) = inner
        .queue
        .link()
        .pipeline::<(i64, i64)>("XACK", &pipe)
        .await
    {
        tracing::error!(entry_id, %error, "cannot drop the stream entry");
    }
}

async fn promote_due(inner: Arc<Inner>) {
    let keys = inner.queue.keys();
    let mut interval = tokio::time::interval(PROMOTE_INTERVAL);
    loop {
        tokio::select! {
            _ = inner.stop.cancelled() => return,
            _ = interval.tick() => {}
        }
        let mut invocation = inner.queue.scripts().promote.key(&keys.delayed);
        invocation.key(&keys.stream).arg(crate::store::now_ms());
        match inner
            .queue
            .link()
            .invoke::<i64>("promote retries", &invocation)
            .await
        {
            Ok(0) => {}
            Ok(moved) => tracing::debug!(moved, "due retries moved to the stream"),
            Err(error) => tracing::debug!(%error, "cannot move due retries"),
        }
    }
}
