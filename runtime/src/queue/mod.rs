//! The task queue: the hot path hands tasks to it with `dispatch`, which returns without running them.
//! Tasks are plain data, and workers run them through a [`TaskRunner`] that the task modules provide.

mod memory;
pub mod redis;
mod task;

use std::time::Duration;

use async_trait::async_trait;

pub use memory::{InProcessQueue, QueueSettings};
pub use task::{Task, TaskName};

/// Outcome of `dispatch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DispatchOutcome {
    /// The task is queued.
    Enqueued,
    /// A task with the same idempotency key is already queued, running or waiting for a retry.
    Duplicate,
    /// Another caller holds the dispatch lock, so this call queued nothing.
    LockHeld,
}

/// Lifecycle state of a task, looked up by its idempotency key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskStatus {
    Queued,
    Running {
        attempt: u32,
    },
    /// Failed `attempt` and waits for its backoff to pass.
    RetryScheduled {
        attempt: u32,
        error: String,
    },
    Succeeded {
        attempts: u32,
    },
    Failed {
        attempts: u32,
        error: String,
    },
}

impl TaskStatus {
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            TaskStatus::Succeeded { .. } | TaskStatus::Failed { .. }
        )
    }
}

/// Errors of `dispatch`.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum QueueError {
    #[error("task queue is full ({capacity} pending tasks); the task was dropped")]
    Full { capacity: usize },
    #[error("task queue is shutting down; the task was dropped")]
    ShuttingDown,
    #[error("task queue backend failed: {0}")]
    Backend(String),
}

/// Errors a task returns to the worker.
#[derive(Debug, thiserror::Error)]
pub enum TaskError {
    /// Another attempt may succeed, for example after a model timeout.
    #[error("retryable task failure: {0}")]
    Retryable(String),
    /// Another attempt would fail the same way, for example on an invalid payload.
    #[error("permanent task failure: {0}")]
    Permanent(String),
}

/// A queue of background tasks.
#[async_trait]
pub trait TaskQueue: Send + Sync {
    /// Hands a task to the workers and returns without waiting for it to run.
    async fn dispatch(&self, task: Task) -> Result<DispatchOutcome, QueueError>;

    /// Takes the dispatch lock `lock_name` for `lock_ttl` and dispatches `task` in one round trip.
    /// Returns `None` when the queue cannot see the cache's locks, so the caller locks through the cache.
    async fn dispatch_locked(
        &self,
        _lock_name: &str,
        _lock_ttl: Duration,
        _task: &Task,
    ) -> Option<Result<DispatchOutcome, QueueError>> {
        None
    }

    /// Returns the state of the latest task with this idempotency key, if the queue still has a record of it.
    async fn status(&self, idempotency_key: &str) -> Option<TaskStatus>;

    /// Returns the number of tasks waiting for a worker.
    fn depth(&self) -> usize;

    /// Stops accepting tasks, lets running tasks finish within the grace period, drops the rest.
    async fn shutdown(&self);
}

/// Runs one task. Implemented by the task registry of the conflict subsystems.
#[async_trait]
pub trait TaskRunner: Send + Sync {
    async fn run(&self, task: &Task) -> Result<(), TaskError>;
}
