//! The conflict system, one folder per subsystem, each split into `hotpath`, `handlers` and `tasks`.
//! Hot-path helpers and handlers use [`HotContext`], which has no model client. Only tasks get one.

pub mod canon;
pub mod events;
pub mod flow;
pub mod grand;
pub mod handlers;
pub mod hotpath;
pub mod recovery;
pub mod social;
pub mod stakeholder;
pub mod tasks;
pub mod tension;
pub mod victory;

use std::sync::Arc;
use std::time::Duration;

use crate::cache::Cache;
use crate::llm::ModelClient;
use crate::queue::TaskQueue;
use crate::store::PlannedActionStore;

/// Context of hot-path helpers and handlers: the cache, the store and the queue, but no model.
#[derive(Clone)]
pub struct HotContext {
    pub cache: Arc<dyn Cache>,
    pub store: Arc<dyn PlannedActionStore>,
    pub queue: Arc<dyn TaskQueue>,
    /// How long a dispatch lock blocks a second dispatch of the same work.
    pub lock_ttl: Duration,
}

/// Context of background tasks: the model client plus the cache and store they fill.
#[derive(Clone)]
pub struct TaskContext {
    pub model: Arc<dyn ModelClient>,
    pub cache: Arc<dyn Cache>,
    pub store: Arc<dyn PlannedActionStore>,
}
