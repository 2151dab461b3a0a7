//! PostgreSQL implementation of the planned-actions store, shared by several API and worker processes.
//! Claims use `FOR UPDATE SKIP LOCKED`, so two processes never hand out the same planned action.

use std::collections::HashMap;
use std::future::Future;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::{PgPool, Row};

use super::{NewPlannedAction, PlannedAction, PlannedActionStore, StoreError};

/// Columns in the shape `row_to_action` reads: integers widened to bigint, times as epoch milliseconds.
const SELECT_COLUMNS: &str = "id::bigint AS id, stakeholder_id::bigint AS stakeholder_id, \
     scene_id::bigint AS scene_id, scene_hash, conflict_id::bigint AS conflict_id, kind, \
     payload::text AS payload, status, priority, context_hash, \
     (extract(epoch FROM created_at) * 1000)::bigint AS created_at, \
     (extract(epoch FROM available_at) * 1000)::bigint AS available_at, \
     (extract(epoch FROM consumed_at) * 1000)::bigint AS consumed_at";

/// Planned-actions store on a PostgreSQL database.
#[derive(Clone)]
pub struct PostgresStore {
    pool: PgPool,
    timeout: Duration,
}

impl PostgresStore {
    /// Connects to `url` and applies the migrations. Every query, and every wait for a pooled
    /// connection, fails after `timeout`, so a handler responds in time while the server is down.
    pub async fn connect(
        url: &str,
        max_connections: u32,
        timeout: Duration,
    ) -> Result<Self, StoreError> {
        let statement_timeout = format!("{}ms", timeout.as_millis().max(1));
        let options = PgConnectOptions::from_str(url)?
            .options([("statement_timeout", statement_timeout.as_str())]);
        let pool = PgPoolOptions::new()
            .max_connections(max_connections.max(1))
            .acquire_timeout(timeout)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        Ok(Self { pool, timeout })
    }

    /// Runs a query future and turns a wait beyond twice the timeout into an error. The server's
    /// statement_timeout normally ends the query first, and this limit covers a server that stopped responding.
    async fn limit<T>(
        &self,
        query: impl Future<Output = Result<T, sqlx::Error>>,
    ) -> Result<T, StoreError> {
        match tokio::time::timeout(self.timeout * 2, query).await {
            Ok(result) => Ok(result?),
            Err(_) => Err(StoreError::Database(sqlx::Error::PoolTimedOut)),
        }
    }
}

fn row_to_action(row: &PgRow) -> Result<PlannedAction, StoreError> {
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
impl PlannedActionStore for PostgresStore {
    async fn insert(&self, action: NewPlannedAction) -> Result<Option<i64>, StoreError> {
        let query = sqlx::query(
            "INSERT INTO planned_stakeholder_actions \
             (stakeholder_id, scene_id, scene_hash, conflict_id, kind, payload, status, priority, \
              context_hash, available_at) \
             VALUES ($1, $2, $3, $4, $5, $6::jsonb, 'ready', $7, $8, to_timestamp($9::bigint / 1000.0)) \
             ON CONFLICT (stakeholder_id, kind, context_hash) WHERE context_hash IS NOT NULL AND status = 'ready' DO NOTHING \
             RETURNING id::bigint AS id",
        )
        .bind(action.stakeholder_id)
        .bind(action.scene_id)
        .bind(&action.scene_hash)
        .bind(action.conflict_id)
        .bind(action.kind.as_str())
        .bind(action.payload.to_string())
        .bind(action.priority)
        .bind(&action.context_hash)
        .bind(action.available_at_ms)
        .fetch_optional(&self.pool);
        let row = self.limit(query).await?;
        Ok(row.map(|row| row.try_get("id")).transpose()?)
    }

    async fn claim_ready_for_scene(
        &self,
        scene_hash: &str,
        now_ms: i64,
        limit: u32,
    ) -> Result<Vec<PlannedAction>, StoreError> {
        let sql = format!(
            "UPDATE planned_stakeholder_actions SET status = 'consumed', \
                    consumed_at = to_timestamp($1::bigint / 1000.0) \
             WHERE id IN (SELECT id FROM planned_stakeholder_actions \
                          WHERE scene_hash = $2 AND status = 'ready' \
                            AND available_at <= to_timestamp($1::bigint / 1000.0) \
                          ORDER BY priority DESC, available_at ASC LIMIT $3 \
                          FOR UPDATE SKIP LOCKED) \
             RETURNING {SELECT_COLUMNS}"
        );
        let query = sqlx::query(&sql)
            .bind(now_ms)
            .bind(scene_hash)
            .bind(i64::from(limit))
            .fetch_all(&self.pool);
        let rows = self.limit(query).await?;
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
             WHERE scene_hash = $1 AND status = 'ready' \
             ORDER BY priority DESC, available_at ASC LIMIT $2"
        );
        let query = sqlx::query(&sql)
            .bind(scene_hash)
            .bind(i64::from(limit))
            .fetch_all(&self.pool);
        let rows = self.limit(query).await?;
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
        let query = sqlx::query(
            "SELECT stakeholder_id::bigint AS stakeholder_id, COUNT(*) AS ready \
             FROM planned_stakeholder_actions \
             WHERE conflict_id = $1 AND status = 'ready' AND stakeholder_id = ANY($2) \
             GROUP BY stakeholder_id",
        )
        .bind(conflict_id)
        .bind(stakeholder_ids)
        .fetch_all(&self.pool);
        let rows = self.limit(query).await?;
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
            "SELECT {SELECT_COLUMNS} FROM planned_stakeholder_actions \
             WHERE stakeholder_id = $1 ORDER BY id"
        );
        let query = sqlx::query(&sql).bind(stakeholder_id).fetch_all(&self.pool);
        let rows = self.limit(query).await?;
        rows.iter().map(row_to_action).collect()
    }

    async fn expire_stale(&self, created_before_ms: i64) -> Result<u64, StoreError> {
        let query = sqlx::query(
            "UPDATE planned_stakeholder_actions SET status = 'expired' \
             WHERE status = 'ready' AND created_at < to_timestamp($1::bigint / 1000.0)",
        )
        .bind(created_before_ms)
        .execute(&self.pool);
        Ok(self.limit(query).await?.rows_affected())
    }

    async fn ping(&self) -> Result<(), StoreError> {
        let query = sqlx::query("SELECT 1").execute(&self.pool);
        self.limit(query).await?;
        Ok(())
    }
}
