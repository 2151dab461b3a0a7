//! SQLite implementation of the planned-actions store, with WAL mode and embedded migrations.

use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{Row, SqlitePool};

use super::{NewPlannedAction, PlannedAction, PlannedActionStore, StoreError};

const SELECT_COLUMNS: &str =
    "id, stakeholder_id, scene_id, scene_hash, conflict_id, kind, payload, status, \
     priority, context_hash, created_at, available_at, consumed_at";

/// Planned-actions store on a SQLite file (or an in-memory database with one connection).
#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens the database at `url`, creating the file if missing, and applies the migrations.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, StoreError> {
        create_parent_dir(url)?;
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5));
        // Each connection to an in-memory database opens its own empty database.
        let connections = if url.contains(":memory:") {
            1
        } else {
            max_connections.max(1)
        };
        let pool = SqlitePoolOptions::new()
            .max_connections(connections)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        Ok(Self { pool })
    }
}

/// Creates the directory of a file database URL such as `sqlite://data/runtime.db`.
fn create_parent_dir(url: &str) -> Result<(), StoreError> {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let path = path.split('?').next().unwrap_or_default();
    if path.is_empty() || path.contains(":memory:") {
        return Ok(());
    }
    match std::path::Path::new(path).parent() {
        Some(parent) if !parent.as_os_str().is_empty() => {
            std::fs::create_dir_all(parent).map_err(|source| StoreError::Directory {
                path: parent.display().to_string(),
                source,
            })
        }
        _ => Ok(()),
    }
}

fn row_to_action(row: &SqliteRow) -> Result<PlannedAction, StoreError> {
    let payload: String = row.try_get("payload")?;
    Ok(PlannedAction {
        id: row.try_get("id")?,
        stakeholder_id: row.try_get("stakeholder_id")?,
        scene_id: row.try_get("scene_id")?,
        scene_hash: row.try_get("scene_hash")?,
        conflict_id: row.try_get("conflict_id")?,
        kind: row.try_get("kind")?,
        payload: serde_json::from_str(&payload)?,
        status: row.try_get("status")?,
        priority: row.try_get("priority")?,
        context_hash: row.try_get("context_hash")?,
        created_at_ms: row.try_get("created_at")?,
        available_at_ms: row.try_get("available_at")?,
        consumed_at_ms: row.try_get("consumed_at")?,
    })
}

#[async_trait]
impl PlannedActionStore for SqliteStore {
    async fn insert(&self, action: NewPlannedAction) -> Result<Option<i64>, StoreError> {
        let now = super::now_ms();
        let row = sqlx::query(
            "INSERT INTO planned_stakeholder_actions \
             (stakeholder_id, scene_id, scene_hash, conflict_id, kind, payload, status, priority, \
              context_hash, created_at, available_at) \
             VALUES (?, ?, ?, ?, ?, ?, 'ready', ?, ?, ?, ?) \
             ON CONFLICT (stakeholder_id, kind, context_hash) WHERE context_hash IS NOT NULL AND status = 'ready' DO NOTHING \
             RETURNING id",
        )
        .bind(action.stakeholder_id)
        .bind(action.scene_id)
        .bind(&action.scene_hash)
        .bind(action.conflict_id)
        .bind(action.kind.as_str())
        .bind(action.payload.to_string())
        .bind(action.priority)
        .bind(&action.context_hash)
        .bind(now)
        .bind(action.available_at_ms)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|row| row.try_get("id")).transpose()?)
    }

    async fn claim_ready_for_scene(
        &self,
        scene_hash: &str,
        now_ms: i64,
        limit: u32,
    ) -> Result<Vec<PlannedAction>, StoreError> {
        let sql = format!(
            "UPDATE planned_stakeholder_actions SET status = 'consumed', consumed_at = ?1 \
             WHERE id IN (SELECT id FROM planned_stakeholder_actions \
                          WHERE scene_hash = ?2 AND status = 'ready' AND available_at <= ?1 \
                          ORDER BY priority DESC, available_at ASC LIMIT ?3) \
             RETURNING {SELECT_COLUMNS}"
        );
        let rows = sqlx::query(&sql)
            .bind(now_ms)
            .bind(scene_hash)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        let mut actions = rows
            .iter()
            .map(row_to_action)
            .collect::<Result<Vec<_>, _>>()?;
        // RETURNING does not follow the subquery's order.
        actions.sort_by(|a, b| {
            b.priority
                .cmp(&a.priority)
                .then(a.available_at_ms.cmp(&b.available_at_ms))
        });
        Ok(actions)
    }

    async fn list_ready_for_scene(
        &self,
        scene_hash: &str,
        limit: u32,
    ) -> Result<Vec<PlannedAction>, StoreError> {
        let sql = format!(
            "SELECT {SELECT_COLUMNS} FROM planned_stakeholder_actions \
             WHERE scene_hash = ? AND status = 'ready' ORDER BY priority DESC, available_at ASC LIMIT ?"
        );
        let rows = sqlx::query(&sql)
            .bind(scene_hash)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(row_to_action).collect()
    }

    async fn count_ready(
        &self,
        conflict_id: i64,
        stakeholder_ids: &[i64],
    ) -> Result<HashMap<i64, i64>, StoreError> {
        if stakeholder_ids.is_empty() {
            return Ok(HashMap::new());
        }
        let placeholders = vec!["?"; stakeholder_ids.len()].join(", ");
        let sql = format!(
            "SELECT stakeholder_id, COUNT(*) AS ready FROM planned_stakeholder_actions \
             WHERE conflict_id = ? AND status = 'ready' AND stakeholder_id IN ({placeholders}) \
             GROUP BY stakeholder_id"
        );
        let mut query = sqlx::query(&sql).bind(conflict_id);
        for id in stakeholder_ids {
            query = query.bind(id);
        }
        let rows = query.fetch_all(&self.pool).await?;
        let mut counts = HashMap::with_capacity(rows.len());
        for row in rows {
            counts.insert(row.try_get("stakeholder_id")?, row.try_get("ready")?);
        }
        Ok(counts)
    }

    async fn list_for_stakeholder(
        &self,
        stakeholder_id: i64,
    ) -> Result<Vec<PlannedAction>, StoreError> {
        let sql = format!(
            "SELECT {SELECT_COLUMNS} FROM planned_stakeholder_actions WHERE stakeholder_id = ? ORDER BY id"
        );
        let rows = sqlx::query(&sql)
            .bind(stakeholder_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(row_to_action).collect()
    }

    async fn expire_stale(&self, created_before_ms: i64) -> Result<u64, StoreError> {
        let result = sqlx::query(
            "UPDATE planned_stakeholder_actions SET status = 'expired' \
             WHERE status = 'ready' AND created_at < ?",
        )
        .bind(created_before_ms)
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected())
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}
