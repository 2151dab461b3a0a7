//! Wiring: builds the cache, store, model client, task registry and queue from the configuration.
//! An empty Redis URL selects the in-memory cache and the in-process queue; a set one selects Redis for both.

use std::sync::Arc;
use std::time::Duration;

use crate::cache::{Cache, MemoryCache, RedisCache};
use crate::config::Config;
use crate::conflict::tasks::TaskRegistry;
use crate::conflict::{HotContext, TaskContext};
use crate::llm::{build_model_client, ModelClient, ModelError};
use crate::queue::redis::{RedisQueue, RedisWorkers};
use crate::queue::{InProcessQueue, QueueSettings, TaskQueue};
use crate::redis_link::{RedisError, RedisLink};
use crate::store::StoreError;

/// Errors while starting the service.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot open the planned-actions store: {0}")]
    Store(#[from] StoreError),
    #[error("cannot build the model client: {0}")]
    Model(#[from] ModelError),
    #[error("cannot connect to Redis at {url}: {source}; check REDIS_URL or redis.url")]
    Redis { url: String, source: RedisError },
    #[error("`runtime worker` needs a Redis queue; set REDIS_URL or redis.url")]
    WorkerWithoutRedis,
    #[error("cannot bind {address}: {source}")]
    Bind {
        address: String,
        source: std::io::Error,
    },
    #[error("HTTP server failed: {0}")]
    Serve(std::io::Error),
}

/// The parts of the service a process runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The HTTP API. With the in-process queue it runs the workers too, because no other process can.
    Api,
    /// Only the workers of the Redis queue.
    Worker,
    /// The API and the workers in one process.
    Both,
}

/// The workers this process runs.
#[derive(Clone)]
enum Workers {
    InProcess(InProcessQueue),
    Redis(RedisWorkers),
    None,
}

/// The running backends. Dropping it does not stop the workers, so call [`App::shutdown`].
#[derive(Clone)]
pub struct App {
    pub hot: HotContext,
    pub queue: Arc<dyn TaskQueue>,
    pub model_provider: &'static str,
    pub config: Config,
    workers: Workers,
}

impl App {
    /// Builds every backend, with the model client the configuration selects.
    pub async fn build(config: Config) -> Result<Self, StartError> {
        let model = build_model_client(&config.model)?;
        Self::build_with_model(config, model).await
    }

    /// Builds every backend around the given model client, with the API and the workers in this process.
    pub async fn build_with_model(
        config: Config,
        model: Arc<dyn ModelClient>,
    ) -> Result<Self, StartError> {
        Self::build_for(config, model, Role::Both).await
    }

    /// Builds the backends that `role` needs around the given model client.
    pub async fn build_for(
        config: Config,
        model: Arc<dyn ModelClient>,
        role: Role,
    ) -> Result<Self, StartError> {
        let store = crate::store::connect(&config.store).await?;
        let model_provider = model.provider_name();
        let settings = QueueSettings::from(&config.queue);
        let lock_ttl = Duration::from_millis(config.cache.lock_ttl_ms);
        let (cache, queue, workers): (Arc<dyn Cache>, Arc<dyn TaskQueue>, Workers) =
            if config.redis.url.is_empty() {
                if role == Role::Worker {
                    return Err(StartError::WorkerWithoutRedis);
                }
                let cache = Arc::new(MemoryCache::new(config.cache.max_entries));
                let task_ctx = TaskContext {
                    model,
                    cache: cache.clone(),
                    store: store.clone(),
                };
                let registry = Arc::new(TaskRegistry::new(task_ctx));
                let queue = InProcessQueue::start(settings, registry);
                (cache, Arc::new(queue.clone()), Workers::InProcess(queue))
            } else {
                let link = connect_redis(&config).await?;
                let cache: Arc<dyn Cache> = Arc::new(RedisCache::new(link.clone()));
                let queue = RedisQueue::start(link, &config.redis)
                    .await
                    .map_err(|source| redis_error(&config, source))?;
                let workers = if role == Role::Api {
                    Workers::None
                } else {
                    let task_ctx = TaskContext {
                        model,
                        cache: cache.clone(),
                        store: store.clone(),
                    };
                    let registry = Arc::new(TaskRegistry::new(task_ctx));
                    let visibility = Duration::from_millis(config.redis.visibility_timeout_ms);
                    let workers =
                        RedisWorkers::start(queue.clone(), settings, visibility, registry)
                            .await
                            .map_err(|source| redis_error(&config, source))?;
                    Workers::Redis(workers)
                };
                (cache, Arc::new(queue), workers)
            };
        let hot = HotContext {
            cache,
            store,
            queue: queue.clone(),
            lock_ttl,
        };
        tracing::info!(
            model_provider,
            ?role,
            store = %redact(&config.store.url),
            redis = %redact(&config.redis.url),
            workers = config.queue.workers,
            "backends ready"
        );
        Ok(Self {
            hot,
            queue,
            model_provider,
            config,
            workers,
        })
    }

    /// Stops the queue and the workers: running tasks finish within the grace period. The
    /// in-process queue drops its pending tasks; the Redis queue keeps them for other workers.
    pub async fn shutdown(&self) {
        match &self.workers {
            Workers::InProcess(queue) => queue.shutdown().await,
            Workers::Redis(workers) => {
                workers.shutdown().await;
                self.queue.shutdown().await;
            }
            Workers::None => self.queue.shutdown().await,
        }
    }
}

async fn connect_redis(config: &Config) -> Result<RedisLink, StartError> {
    let timeout = Duration::from_millis(config.redis.timeout_ms.max(1));
    RedisLink::connect(&config.redis.url, timeout)
        .await
        .map_err(|source| redis_error(config, source))
}

fn redis_error(config: &Config, source: RedisError) -> StartError {
    StartError::Redis {
        url: redact(&config.redis.url),
        source,
    }
}

/// Replaces the password of a URL such as `postgres://user:secret@host/db` with `***` for logs.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let Some((credentials, host)) = rest.rsplit_once('@') else {
        return url.to_string();
    };
    match credentials.split_once(':') {
        Some((user, _password)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn redact_hides_password_only() {
        assert_eq!(
            redact("postgres://app:secret@db:5432/game"),
            "postgres://app:***@db:5432/game"
        );
        assert_eq!(redact("redis://127.0.0.1:6379/"), "redis://127.0.0.1:6379/");
        assert_eq!(redact("sqlite://runtime.db"), "sqlite://runtime.db");
    }
}
