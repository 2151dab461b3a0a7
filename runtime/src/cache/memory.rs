//! In-memory cache on moka with a lifetime per entry and an atomic insert-if-absent lock.

use std::time::{Duration, Instant};

use async_trait::async_trait;
use moka::future::Cache as MokaCache;
use moka::Expiry;
use serde_json::Value;

use super::{Cache, CacheError};

#[derive(Clone)]
struct Entry {
    value: Value,
    ttl: Duration,
}

struct EntryExpiry;

impl Expiry<String, Entry> for EntryExpiry {
    fn expire_after_create(
        &self,
        _key: &String,
        entry: &Entry,
        _created_at: Instant,
    ) -> Option<Duration> {
        Some(entry.ttl)
    }

    fn expire_after_update(
        &self,
        _key: &String,
        entry: &Entry,
        _updated_at: Instant,
        _duration_until_expiry: Option<Duration>,
    ) -> Option<Duration> {
        Some(entry.ttl)
    }
}

/// The embedded cache. Values and locks live in two moka caches so locks never evict values.
#[derive(Clone)]
pub struct MemoryCache {
    values: MokaCache<String, Entry>,
    locks: MokaCache<String, Entry>,
}

impl MemoryCache {
    pub fn new(max_entries: u64) -> Self {
        let values = MokaCache::builder()
            .max_capacity(max_entries)
            .expire_after(EntryExpiry)
            .build();
        let locks = MokaCache::builder()
            .max_capacity(max_entries)
            .expire_after(EntryExpiry)
            .build();
        Self { values, locks }
    }
}

#[async_trait]
impl Cache for MemoryCache {
    async fn get(&self, key: &str) -> Result<Option<Value>, CacheError> {
        let found = self.values.get(key).await.map(|entry| entry.value);
        let outcome = if found.is_some() { "hit" } else { "miss" };
        metrics::counter!("runtime_cache_lookups_total", "outcome" => outcome).increment(1);
        Ok(found)
    }

    async fn set(&self, key: &str, value: Value, ttl: Duration) -> Result<(), CacheError> {
        self.values
            .insert(key.to_string(), Entry { value, ttl })
            .await;
        Ok(())
    }

    async fn try_lock(&self, key: &str, ttl: Duration) -> Result<bool, CacheError> {
        let entry = self
            .locks
            .entry(key.to_string())
            .or_insert_with(async move {
                Entry {
                    value: Value::Bool(true),
                    ttl,
                }
            })
            .await;
        Ok(entry.is_fresh())
    }

    async fn release_lock(&self, key: &str) -> Result<(), CacheError> {
        self.locks.invalidate(key).await;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn value_expires_after_its_lifetime() {
        let cache = MemoryCache::new(100);
        let set = cache
            .set("k", Value::from(1), Duration::from_millis(50))
            .await;
        assert!(set.is_ok());
        assert_eq!(cache.get("k").await.ok().flatten(), Some(Value::from(1)));
        tokio::time::sleep(Duration::from_millis(120)).await;
        assert_eq!(cache.get("k").await.ok().flatten(), None);
    }

    #[tokio::test]
    async fn lock_is_exclusive_until_released() {
        let cache = MemoryCache::new(100);
        assert_eq!(
            cache.try_lock("l", Duration::from_secs(10)).await.ok(),
            Some(true)
        );
        assert_eq!(
            cache.try_lock("l", Duration::from_secs(10)).await.ok(),
            Some(false)
        );
        assert!(cache.release_lock("l").await.is_ok());
        assert_eq!(
            cache.try_lock("l", Duration::from_secs(10)).await.ok(),
            Some(true)
        );
    }

    #[tokio::test]
    async fn lock_expires_after_its_lifetime() {
        let cache = MemoryCache::new(100);
        assert_eq!(
            cache.try_lock("l", Duration::from_millis(40)).await.ok(),
            Some(true)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(
            cache.try_lock("l", Duration::from_millis(40)).await.ok(),
            Some(true)
        );
    }

    #[tokio::test]
    async fn concurrent_lockers_get_one_winner() {
        let cache = MemoryCache::new(100);
        let mut handles = Vec::new();
        for _ in 0..16 {
            let cache = cache.clone();
            handles.push(tokio::spawn(async move {
                cache.try_lock("l", Duration::from_secs(5)).await
            }));
        }
        let mut winners = 0;
        for handle in handles {
            if let Ok(Ok(true)) = handle.await {
                winners += 1;
            }
        }
        assert_eq!(winners, 1);
    }
}
