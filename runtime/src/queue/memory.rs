//! In-process task queue: a bounded channel, a worker pool, retries with exponential backoff.
//! Pending tasks live only in memory, so a restart drops them; the next cache miss dispatches them again.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use super::{DispatchOutcome, QueueError, Task, TaskError, TaskQueue, TaskRunner, TaskStatus};
use crate::config::QueueConfig;

/// Terminal records kept for `status` look-ups before the oldest are pruned.
const MAX_TERMINAL_RECORDS: usize = 10_000;

/// Worker-pool settings.
#[derive(Debug, Clone)]
pub struct QueueSettings {
    pub workers: usize,
    pub capacity: usize,
    pub max_attempts: u32,
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    pub shutdown_grace: Duration,
}

impl From<&QueueConfig> for QueueSettings {
    fn from(config: &QueueConfig) -> Self {
        Self {
            workers: config.workers.max(1),
            capacity: config.capacity.max(1),
            max_attempts: config.max_attempts.max(1),
            backoff_base: Duration::from_millis(config.backoff_base_ms),
            backoff_max: Duration::from_millis(config.backoff_max_ms),
            shutdown_grace: Duration::from_millis(config.shutdown_grace_ms),
        }
    }
}

impl QueueSettings {
    /// Returns the wait before attempt `failed_attempt + 1`: base * 2^(failed_attempt - 1), capped at the maximum.
    pub fn backoff(&self, failed_attempt: u32) -> Duration {
        let exponent = failed_attempt.saturating_sub(1).min(20);
        self.backoff_base
            .saturating_mul(1u32 << exponent)
            .min(self.backoff_max)
    }
}

struct Queued {
    task: Task,
    attempt: u32,
}

struct Record {
    status: TaskStatus,
    updated: Instant,
}

struct Shared {
    settings: QueueSettings,
    sender: mpsc::Sender<Queued>,
    records: Mutex<HashMap<String, Record>>,
    depth: AtomicUsize,
    closed: AtomicBool,
    cancel: CancellationToken,
    runner: Arc<dyn TaskRunner>,
}

/// The embedded task queue. Cloning shares the same queue.
#[derive(Clone)]
pub struct InProcessQueue {
    shared: Arc<Shared>,
    workers: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl InProcessQueue {
    /// Starts the worker pool; workers run tasks through `runner`.
    pub fn start(settings: QueueSettings, runner: Arc<dyn TaskRunner>) -> Self {
        let (sender, receiver) = mpsc::channel(settings.capacity);
        let shared = Arc::new(Shared {
            settings,
            sender,
            records: Mutex::new(HashMap::new()),
            depth: AtomicUsize::new(0),
            closed: AtomicBool::new(false),
            cancel: CancellationToken::new(),
            runner,
        });
        let receiver = Arc::new(tokio::sync::Mutex::new(receiver));
        let handles = (0..shared.settings.workers)
            .map(|worker_id| tokio::spawn(worker_loop(worker_id, shared.clone(), receiver.clone())))
            .collect();
        Self {
            shared,
            workers: Arc::new(Mutex::new(handles)),
        }
    }
}

impl Shared {
    fn records(&self) -> MutexGuard<'_, HashMap<String, Record>> {
        // A panic while holding this lock leaves the map consistent, so a poisoned lock is still usable.
        self.records
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn set_status(&self, key: &str, status: TaskStatus) {
        let mut records = self.records();
        records.insert(
            key.to_string(),
            Record {
                status,
                updated: Instant::now(),
            },
        );
        if records.len() > MAX_TERMINAL_RECORDS * 2 {
            prune_terminal(&mut records);
        }
    }

    fn enqueue(&self, queued: Queued) -> Result<(), QueueError> {
        self.depth.fetch_add(1, Ordering::SeqCst);
        metrics::gauge!("runtime_queue_depth").increment(1.0);
        self.sender.try_send(queued).map_err(|error| {
            self.depth.fetch_sub(1, Ordering::SeqCst);
            metrics::gauge!("runtime_queue_depth").decrement(1.0);
            match error {
                mpsc::error::TrySendError::Full(_) => QueueError::Full {
                    capacity: self.settings.capacity,
                },
                mpsc::error::TrySendError::Closed(_) => QueueError::ShuttingDown,
            }
        })
    }
}

fn prune_terminal(records: &mut HashMap<String, Record>) {
    let mut terminal: Vec<(String, Instant)> = records
        .iter()
        .filter(|(_, record)| record.status.is_terminal())
        .map(|(key, record)| (key.clone(), record.updated))
        .collect();
    terminal.sort_by_key(|(_, updated)| *updated);
    let excess = terminal.len().saturating_sub(MAX_TERMINAL_RECORDS);
    for (key, _) in terminal.into_iter().take(excess) {
        records.remove(&key);
    }
}

async fn worker_loop(
    worker_id: usize,
    shared: Arc<Shared>,
    receiver: Arc<tokio::sync::Mutex<mpsc::Receiver<Queued>>>,
) {
    loop {
        let next = {
            let mut receiver = receiver.lock().await;
            // Biased, so a worker never takes a queued task once shutdown has begun:
            // pending tasks are dropped, as documented, not started late.
            tokio::select! {
                biased;
                _ = shared.cancel.cancelled() => None,
                queued = receiver.recv() => queued,
            }
        };
        let Some(queued) = next else { break };
        shared.depth.fetch_sub(1, Ordering::SeqCst);
        metrics::gauge!("runtime_queue_depth").decrement(1.0);
        let span = tracing::info_span!(
            "task",
            task = queued.task.name.as_str(),
            task_key = %queued.task.idempotency_key,
            attempt = queued.attempt,
            worker_id
        );
        run_one(&shared, queued).instrument(span).await;
    }
    tracing::debug!(worker_id, "task worker stopped");
}

async fn run_one(shared: &Arc<Shared>, queued: Queued) {
    let key = queued.task.idempotency_key.clone();
    let name = queued.task.name.as_str();
    shared.set_status(
        &key,
        TaskStatus::Running {
            attempt: queued.attempt,
        },
    );
    let started = Instant::now();
    let result = shared.runner.run(&queued.task).await;
    metrics::histogram!("runtime_task_duration_seconds", "task" => name)
        .record(started.elapsed().as_secs_f64());
    match result {
        Ok(()) => {
            tracing::info!(
                elapsed_ms = started.elapsed().as_millis() as u64,
                "task succeeded"
            );
            metrics::counter!("runtime_tasks_total", "task" => name, "outcome" => "succeeded")
                .increment(1);
            shared.set_status(
                &key,
                TaskStatus::Succeeded {
                    attempts: queued.attempt,
                },
            );
        }
        Err(TaskError::Retryable(error)) if queued.attempt < shared.settings.max_attempts => {
            schedule_retry(shared, queued, error);
        }
        Err(error) => {
            tracing::error!(%error, "task failed, no attempts left");
            metrics::counter!("runtime_tasks_total", "task" => name, "outcome" => "failed")
                .increment(1);
            shared.set_status(
                &key,
                TaskStatus::Failed {
                    attempts: queued.attempt,
                    error: error.to_string(),
                },
            );
        }
    }
}

fn schedule_retry(shared: &Arc<Shared>, queued: Queued, error: String) {
    let delay = shared.settings.backoff(queued.attempt);
    tracing::warn!(%error, delay_ms = delay.as_millis() as u64, "task failed, retry scheduled");
    metrics::counter!("runtime_tasks_total", "task" => queued.task.name.as_str(), "outcome" => "retried").increment(1);
    let key = queued.task.idempotency_key.clone();
    shared.set_status(
        &key,
        TaskStatus::RetryScheduled {
            attempt: queued.attempt,
            error,
        },
    );
    let shared = shared.clone();
    tokio::spawn(async move {
        tokio::select! {
            _ = shared.cancel.cancelled() => return,
            _ = tokio::time::sleep(delay) => {}
        }
        let next = Queued {
            task: queued.task,
            attempt: queued.attempt + 1,
        };
        if let Err(error) = shared.enqueue(next) {
            tracing::error!(task_key = %key, %error, "cannot requeue task for retry");
            shared.set_status(
                &key,
                TaskStatus::Failed {
                    attempts: queued.attempt,
                    error: error.to_string(),
                },
            );
        }
    });
}

#[async_trait]
impl TaskQueue for InProcessQueue {
    async fn dispatch(&self, task: Task) -> Result<DispatchOutcome, QueueError> {
        let shared = &self.shared;
        if shared.closed.load(Ordering::SeqCst) {
            metrics::counter!("runtime_tasks_total", "task" => task.name.as_str(), "outcome" => "rejected")
                .increment(1);
            return Err(QueueError::ShuttingDown);
        }
        let key = task.idempotency_key.clone();
        {
            let mut records = shared.records();
            if records
                .get(&key)
                .is_some_and(|record| !record.status.is_terminal())
            {
                metrics::counter!("runtime_tasks_total", "task" => task.name.as_str(), "outcome" => "duplicate")
                    .increment(1);
                return Ok(DispatchOutcome::Duplicate);
            }
            records.insert(
                key.clone(),
                Record {
                    status: TaskStatus::Queued,
                    updated: Instant::now(),
                },
            );
        }
        let name = task.name.as_str();
        if let Err(error) = shared.enqueue(Queued { task, attempt: 1 }) {
            shared.records().remove(&key);
            metrics::counter!("runtime_tasks_total", "task" => name, "outcome" => "rejected")
                .increment(1);
            return Err(error);
        }
        tracing::debug!(task = name, task_key = %key, "task dispatched");
        Ok(DispatchOutcome::Enqueued)
    }

    async fn status(&self, idempotency_key: &str) -> Option<TaskStatus> {
        self.shared
            .records()
            .get(idempotency_key)
            .map(|record| record.status.clone())
    }

    fn depth(&self) -> usize {
        self.shared.depth.load(Ordering::SeqCst)
    }

    async fn shutdown(&self) {
        if self.shared.closed.swap(true, Ordering::SeqCst) {
            return;
        }
        self.shared.cancel.cancel();
        let handles: Vec<JoinHandle<()>> = {
            let mut workers = self
                .workers
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            workers.drain(..).collect()
        };
        let grace = self.shared.settings.shutdown_grace;
        let joined = tokio::time::timeout(grace, async {
            for handle in handles {
                if let Err(error) = handle.await {
                    tracing::error!(%error, "task worker ended abnormally");
                }
            }
        })
        .await;
        if joined.is_err() {
            tracing::warn!(
                grace_ms = grace.as_millis() as u64,
                "running tasks did not finish within the grace period"
            );
        }
        tracing::info!(
            dropped = self.depth(),
            "task queue stopped; pending tasks dropped"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> QueueSettings {
        QueueSettings {
            workers: 1,
            capacity: 1,
            max_attempts: 5,
            backoff_base: Duration::from_millis(100),
            backoff_max: Duration::from_millis(1_000),
            shutdown_grace: Duration::from_millis(100),
        }
    }

    #[test]
    fn backoff_doubles_per_attempt() {
        let settings = settings();
        assert_eq!(settings.backoff(1), Duration::from_millis(100));
        assert_eq!(settings.backoff(2), Duration::from_millis(200));
        assert_eq!(settings.backoff(3), Duration::from_millis(400));
    }

    #[test]
    fn backoff_is_capped() {
        let settings = settings();
        assert_eq!(settings.backoff(5), Duration::from_millis(1_000));
        assert_eq!(settings.backoff(60), Duration::from_millis(1_000));
    }

    #[test]
    fn prune_keeps_pending_records() {
        let mut records = HashMap::new();
        let now = Instant::now();
        for index in 0..(MAX_TERMINAL_RECORDS + 5) {
            let status = TaskStatus::Succeeded { attempts: 1 };
            records.insert(
                format!("done:{index}"),
                Record {
                    status,
                    updated: now,
                },
            );
        }
        records.insert(
            "pending".into(),
            Record {
                status: TaskStatus::Queued,
                updated: now,
            },
        );
        prune_terminal(&mut records);
        assert_eq!(records.len(), MAX_TERMINAL_RECORDS + 1);
        assert!(records.contains_key("pending"));
    }
}
