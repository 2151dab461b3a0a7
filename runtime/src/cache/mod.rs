//! The cache the hot path reads first: JSON values with per-key lifetimes and short dispatch locks.
//! The embedded implementation is an in-memory moka cache; Redis serves several processes.

pub mod keys;
mod memory;
mod redis;

use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value;

pub use keys::CacheKey;
pub use memory::MemoryCache;
pub use redis::RedisCache;

/// Errors of a cache backend. The in-memory cache never returns them; the Redis cache does.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("cache backend failed: {0}")]
    Backend(String),
}

/// A key-value cache with per-key lifetimes and a lock for stampede protection.
#[async_trait]
pub trait Cache: Send + Sync {
    /// Returns the live value of `key`, or `None` when it is missing or expired.
    async fn get(&self, key: &str) -> Result<Option<Value>, CacheError>;

    /// Stores `value` under `key` for `ttl`, replacing any earlier value.
    async fn set(&self, key: &str, value: Value, ttl: Duration) -> Result<(), CacheError>;

    /// Takes the lock named `key` for `ttl`; returns false when another caller holds it.
    async fn try_lock(&self, key: &str, ttl: Duration) -> Result<bool, CacheError>;

    /// Releases the lock named `key` before its lifetime ends.
    async fn release_lock(&self, key: &str) -> Result<(), CacheError>;
}
