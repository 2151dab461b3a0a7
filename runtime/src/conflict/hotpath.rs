//! Hot-path helpers shared by the subsystems: cache-first reads, locked dispatch, stable hashes.

use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::Value;

use super::HotContext;
use crate::cache::CacheKey;
use crate::queue::{DispatchOutcome, Task};

/// Dispatch failures (a full or stopped queue) are logged at most once per second, because a
/// full queue would otherwise log one line per request. `runtime_tasks_total{outcome="rejected"}`
/// counts every one.
static DISPATCH_ERROR_LOG: LogThrottle = LogThrottle::new();

/// Admits one log line per second and counts the lines it suppresses in between.
pub struct LogThrottle {
    last_second: AtomicU64,
    suppressed: AtomicU64,
}

impl LogThrottle {
    pub const fn new() -> Self {
        Self {
            last_second: AtomicU64::new(0),
            suppressed: AtomicU64::new(0),
        }
    }

    /// Returns the number of lines suppressed since the last admitted one, or `None` to suppress this one.
    pub fn admit(&self) -> Option<u64> {
        let second = crate::store::now_ms().max(0) as u64 / 1000;
        let last = self.last_second.load(Ordering::Relaxed);
        if second != last
            && self
                .last_second
                .compare_exchange(last, second, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            return Some(self.suppressed.swap(0, Ordering::Relaxed));
        }
        self.suppressed.fetch_add(1, Ordering::Relaxed);
        None
    }
}

impl Default for LogThrottle {
    fn default() -> Self {
        Self::new()
    }
}

/// Result of a cache-first read.
#[derive(Debug, Clone, PartialEq)]
pub enum Lookup {
    Hit(Value),
    /// The value is missing. `dispatched` is true when this call queued the task that fills it.
    Miss {
        dispatched: bool,
    },
}

/// Reads `key`; on a miss dispatches `task` under the key's lock and returns at once.
pub async fn read_or_dispatch(ctx: &HotContext, key: &CacheKey, task: Task) -> Lookup {
    match ctx.cache.get(&key.key).await {
        Ok(Some(value)) => return Lookup::Hit(value),
        Ok(None) => {}
        Err(error) => {
            tracing::warn!(cache_key = %key.key, %error, "cache read failed, treating as a miss")
        }
    }
    let dispatched = dispatch_once(ctx, &key.lock_name(), task).await;
    Lookup::Miss { dispatched }
}

/// Dispatches `task` unless another caller has taken `lock_name`; returns whether this call queued it.
/// The lock is released again when the queue rejects the task, so the next caller can retry.
pub async fn dispatch_once(ctx: &HotContext, lock_name: &str, task: Task) -> bool {
    let key = task.idempotency_key.clone();
    let outcome = match ctx
        .queue
        .dispatch_locked(lock_name, ctx.lock_ttl, &task)
        .await
    {
        Some(outcome) => outcome,
        None => {
            if !take_cache_lock(ctx, lock_name, &key).await {
                return false;
            }
            ctx.queue.dispatch(task).await
        }
    };
    match outcome {
        Ok(DispatchOutcome::Enqueued) => true,
        Ok(DispatchOutcome::Duplicate) => false,
        Ok(DispatchOutcome::LockHeld) => {
            tracing::debug!(lock = lock_name, task_key = %key, "dispatch dropped, lock held");
            false
        }
        Err(error) => {
            if let Some(suppressed) = DISPATCH_ERROR_LOG.admit() {
                tracing::error!(task_key = %key, lock = lock_name, %error, suppressed, "task dispatch failed");
            }
            if let Err(error) = ctx.cache.release_lock(lock_name).await {
                tracing::warn!(lock = lock_name, %error, "cannot release dispatch lock");
            }
            false
        }
    }
}

/// Takes the dispatch lock in the cache; returns false when another caller holds it.
/// A failing cache does not block the dispatch, because the queue drops duplicates by idempotency key.
async fn take_cache_lock(ctx: &HotContext, lock_name: &str, task_key: &str) -> bool {
    match ctx.cache.try_lock(lock_name, ctx.lock_ttl).await {
        Ok(true) => true,
        Ok(false) => {
            tracing::debug!(lock = lock_name, task_key, "dispatch dropped, lock held");
            false
        }
        Err(error) => {
            tracing::warn!(lock = lock_name, task_key, %error, "cache lock failed, dispatching without it");
            true
        }
    }
}

/// Returns the 64-bit FNV-1a hash of `text` as 16 hex digits. Stable across processes and versions.
pub fn stable_hash(text: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// Returns the hash that names a scene in cache keys and the planned-actions table.
pub fn scene_hash(scene_id: i64) -> String {
    stable_hash(&format!("scene:{scene_id}"))
}

/// Clamps a value to the closed unit interval; NaN becomes 0.
pub fn unit(value: f64) -> f64 {
    if value.is_nan() {
        0.0
    } else {
        value.clamp(0.0, 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_hash_matches_fnv1a_reference() {
        assert_eq!(stable_hash(""), "cbf29ce484222325");
        assert_eq!(stable_hash("a"), "af63dc4c8601ec8c");
    }

    #[test]
    fn scene_hash_differs_per_scene() {
        assert_ne!(scene_hash(1), scene_hash(2));
        assert_eq!(scene_hash(1).len(), 16);
    }

    #[test]
    fn throttle_admits_once_per_second() {
        let throttle = LogThrottle::new();
        assert_eq!(throttle.admit(), Some(0));
        assert_eq!(throttle.admit(), None);
        assert_eq!(throttle.admit(), None);
        throttle.last_second.store(0, Ordering::Relaxed);
        assert_eq!(throttle.admit(), Some(2));
    }

    #[test]
    fn unit_clamps_and_rejects_nan() {
        assert_eq!(unit(1.5), 1.0);
        assert_eq!(unit(-0.5), 0.0);
        assert_eq!(unit(f64::NAN), 0.0);
    }
}
