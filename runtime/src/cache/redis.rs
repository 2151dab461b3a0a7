//! Redis cache shared by several processes: JSON strings with `PX` lifetimes, and dispatch locks
//! taken with `SET key token NX PX ttl` and released by a compare-and-delete script.

use std::time::Duration;

use async_trait::async_trait;
use redis::Script;
use serde_json::Value;

use super::{Cache, CacheError};
use crate::redis_link::{release_script, RedisLink};

/// The networked cache. A lock belongs to the process that took it, which alone may release it early.
#[derive(Clone)]
pub struct RedisCache {
    link: RedisLink,
    release: std::sync::Arc<Script>,
}

impl RedisCache {
    pub fn new(link: RedisLink) -> Self {
        Self {
            link,
            release: std::sync::Arc::new(release_script()),
        }
    }
}

fn backend(error: impl std::fmt::Display) -> CacheError {
    CacheError::Backend(error.to_string())
}

/// Converts a lifetime to whole milliseconds, at least 1 because Redis rejects `PX 0`.
fn millis(ttl: Duration) -> u64 {
    (ttl.as_millis() as u64).max(1)
}

#[async_trait]
impl Cache for RedisCache {
    async fn get(&self, key: &str) -> Result<Option<Value>, CacheError> {
        let text: Option<String> = self
            .link
            .query("GET", redis::cmd("GET").arg(key))
            .await
            .map_err(backend)?;
        let outcome = if text.is_some() { "hit" } else { "miss" };
        metrics::counter!("runtime_cache_lookups_total", "outcome" => outcome).increment(1);
        match text {
            None => Ok(None),
            Some(text) => serde_json::from_str(&text)
                .map(Some)
                .map_err(|error| backend(format!("value of {key} is not valid JSON: {error}"))),
        }
    }

    async fn set(&self, key: &str, value: Value, ttl: Duration) -> Result<(), CacheError> {
        let mut cmd = redis::cmd("SET");
        cmd.arg(key)
            .arg(value.to_string())
            .arg("PX")
            .arg(millis(ttl));
        self.link.query::<()>("SET", &cmd).await.map_err(backend)
    }

    async fn try_lock(&self, key: &str, ttl: Duration) -> Result<bool, CacheError> {
        let mut cmd = redis::cmd("SET");
        cmd.arg(key)
            .arg(self.link.owner_token())
            .arg("NX")
            .arg("PX")
            .arg(millis(ttl));
        let reply: Option<String> = self.link.query("SET NX", &cmd).await.map_err(backend)?;
        Ok(reply.is_some())
    }

    async fn release_lock(&self, key: &str) -> Result<(), CacheError> {
        let mut invocation = self.release.key(key);
        invocation.arg(self.link.owner_token());
        self.link
            .invoke::<i64>("release lock", &invocation)
            .await
            .map(|_| ())
            .map_err(backend)
    }
}
