//! Wiring: builds the cache, store, model client, task registry and queue from the configuration.

use std::sync::Arc;
use std::time::Duration;

use crate::cache::MemoryCache;
use crate::config::Config;
use crate::conflict::tasks::TaskRegistry;
use crate::conflict::{HotContext, TaskContext};
use crate::llm::{build_model_client, ModelClient, ModelError};
use crate::queue::{InProcessQueue, QueueSettings, TaskQueue};
use crate::store::{SqliteStore, StoreError};

/// Errors while starting the service.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot open the planned-actions store: {0}")]
    Store(#[from] StoreError),
    #[error("cannot build the model client: {0}")]
    Model(#[from] ModelError),
    #[error("cannot bind {address}: {source}")]
    Bind {
        address: String,
        source: std::io::Error,
    },
    #[error("HTTP server failed: {0}")]
    Serve(std::io::Error),
}

/// The running backends. Dropping it does not stop the workers, so call [`App::shutdown`].
#[derive(Clone)]
pub struct App {
    pub hot: HotContext,
    pub queue: InProcessQueue,
    pub model_provider: &'static str,
    pub config: Config,
}

impl App {
    /// Builds every backend, with the model client the configuration selects.
    pub async fn build(config: Config) -> Result<Self, StartError> {
        let model = build_model_client(&config.model)?;
        Self::build_with_model(config, model).await
    }

    /// Builds every backend around the given model client.
    pub async fn build_with_model(
        config: Config,
        model: Arc<dyn ModelClient>,
    ) -> Result<Self, StartError> {
        let cache = Arc::new(MemoryCache::new(config.cache.max_entries));
        let store =
            Arc::new(SqliteStore::connect(&config.store.url, config.store.max_connections).await?);
        let model_provider = model.provider_name();
        let task_ctx = TaskContext {
            model,
            cache: cache.clone(),
            store: store.clone(),
        };
        let registry = Arc::new(TaskRegistry::new(task_ctx));
        let queue = InProcessQueue::start(QueueSettings::from(&config.queue), registry);
        let hot = HotContext {
            cache,
            store,
            queue: Arc::new(queue.clone()),
            lock_ttl: Duration::from_millis(config.cache.lock_ttl_ms),
        };
        tracing::info!(
            model_provider,
            store = %config.store.url,
            workers = config.queue.workers,
            "backends ready (cache: in-memory, store: SQLite, queue: in-process)"
        );
        Ok(Self {
            hot,
            queue,
            model_provider,
            config,
        })
    }

    /// Stops the queue: running tasks finish within the grace period, pending tasks are dropped.
    pub async fn shutdown(&self) {
        self.queue.shutdown().await;
    }
}
