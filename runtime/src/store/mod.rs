//! The planned-actions store: stakeholder actions that tasks precompute and the hot path reads.
//! The embedded implementation is SQLite; PostgreSQL serves several processes. Both run migrations.

mod postgres;
mod sqlite;

use std::collections::HashMap;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

/// Opens the store that the URL's scheme selects: `postgres://` or `postgresql://` for PostgreSQL,
/// `sqlite://` or a plain file path for SQLite. Any other scheme is an error.
pub async fn connect(
    config: &crate::config::StoreConfig,
) -> Result<std::sync::Arc<dyn PlannedActionStore>, StoreError> {
    let url = config.url.as_str();
    if let Some((scheme, _)) = url.split_once("://") {
        if !matches!(scheme, "postgres" | "postgresql" | "sqlite") {
            return Err(StoreError::UnsupportedUrl {
                scheme: scheme.to_string(),
            });
        }
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let timeout = std::time::Duration::from_millis(config.timeout_ms.max(1));
        let store = PostgresStore::connect(url, config.max_connections, timeout).await?;
        Ok(std::sync::Arc::new(store))
    } else {
        Ok(std::sync::Arc::new(
            SqliteStore::connect(url, config.max_connections).await?,
        ))
    }
}

/// Kind of a planned action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    Action,
    Reaction,
    Decision,
}

impl ActionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::Action => "action",
            ActionKind::Reaction => "reaction",
            ActionKind::Decision => "decision",
        }
    }
}

/// A planned action to insert.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPlannedAction {
    pub stakeholder_id: i64,
    pub scene_id: Option<i64>,
    pub scene_hash: Option<String>,
    pub conflict_id: Option<i64>,
    pub kind: ActionKind,
    pub payload: Value,
    pub priority: i32,
    /// Identifies the context the plan was made for; a second insert with the same one is ignored.
    pub context_hash: String,
    /// Epoch milliseconds from which the hot path may use the plan.
    pub available_at_ms: i64,
}

/// A stored planned action.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlannedAction {
    pub id: i64,
    pub stakeholder_id: i64,
    pub scene_id: Option<i64>,
    pub scene_hash: Option<String>,
    pub conflict_id: Option<i64>,
    pub kind: String,
    pub payload: Value,
    pub status: String,
    pub priority: i32,
    pub context_hash: Option<String>,
    pub created_at_ms: i64,
    pub available_at_ms: i64,
    pub consumed_at_ms: Option<i64>,
}

/// Errors of a store backend.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database query failed: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("cannot create the database directory {path}: {source}")]
    Directory {
        path: String,
        source: std::io::Error,
    },
    #[error("stored payload is not valid JSON: {0}")]
    Payload(#[from] serde_json::Error),
    #[error("unsupported store URL scheme `{scheme}://`; use sqlite://FILE or postgres://USER@HOST/DATABASE in store.url or DATABASE_URL")]
    UnsupportedUrl { scheme: String },
}

/// Storage of planned stakeholder actions.
#[async_trait]
pub trait PlannedActionStore: Send + Sync {
    /// Inserts a plan; returns its id, or `None` when a plan for the same context already exists.
    async fn insert(&self, action: NewPlannedAction) -> Result<Option<i64>, StoreError>;

    /// Marks up to `limit` ready plans of a scene that are available at `now_ms` as consumed and returns them,
    /// highest priority first.
    async fn claim_ready_for_scene(
        &self,
        scene_hash: &str,
        now_ms: i64,
        limit: u32,
    ) -> Result<Vec<PlannedAction>, StoreError>;

    /// Lists up to `limit` ready plans of a scene without consuming them, highest priority first.
    async fn list_ready_for_scene(
        &self,
        scene_hash: &str,
        limit: u32,
    ) -> Result<Vec<PlannedAction>, StoreError>;

    /// Returns how many ready plans each of the stakeholders has in a conflict, in one query.
    /// Stakeholders without a ready plan are missing from the map.
    async fn count_ready(
        &self,
        conflict_id: i64,
        stakeholder_ids: &[i64],
    ) -> Result<HashMap<i64, i64>, StoreError>;

    /// Lists every plan of a stakeholder, oldest first.
    async fn list_for_stakeholder(
        &self,
        stakeholder_id: i64,
    ) -> Result<Vec<PlannedAction>, StoreError>;

    /// Marks ready plans created before `created_before_ms` as expired; returns how many changed.
    async fn expire_stale(&self, created_before_ms: i64) -> Result<u64, StoreError>;

    /// Checks that the store responds to a trivial query.
    async fn ping(&self) -> Result<(), StoreError>;
}

/// Returns the current time in epoch milliseconds.
pub fn now_ms() -> i64 {
    let elapsed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
}
