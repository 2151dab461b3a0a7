//! The shared Redis connection of the cache and the queue: a reconnecting multiplexed connection,
//! a time limit on every command, and the token that marks the locks this process takes.

use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Cmd, FromRedisValue, Script, ScriptInvocation};

/// Errors of a Redis command.
#[derive(Debug, thiserror::Error)]
pub enum RedisError {
    #[error("Redis command {command} failed: {source}")]
    Command {
        command: &'static str,
        source: redis::RedisError,
    },
    #[error("Redis command {command} timed out after {timeout_ms} ms")]
    Timeout {
        command: &'static str,
        timeout_ms: u64,
    },
    #[error("Redis command {command} skipped: the server failed within the last {pause_ms} ms")]
    Paused {
        command: &'static str,
        pause_ms: u64,
    },
}

/// How long commands fail at once after a connection failure or a timeout, so a handler waits for
/// at most one timeout per outage instead of one per command.
const FAILURE_PAUSE_MS: i64 = 1_000;

/// A reconnecting Redis connection. Cloning shares the connection.
#[derive(Clone)]
pub struct RedisLink {
    client: redis::Client,
    connection: ConnectionManager,
    timeout: Duration,
    owner_token: String,
    /// Epoch milliseconds until which commands fail without being sent.
    paused_until_ms: Arc<AtomicI64>,
}

impl RedisLink {
    /// Connects to `url`; fails when the server does not respond within `timeout`.
    pub async fn connect(url: &str, timeout: Duration) -> Result<Self, RedisError> {
        let client = redis::Client::open(url).map_err(|source| RedisError::Command {
            command: "connect",
            source,
        })?;
        let connection = Self::open_connection(&client, Some(timeout)).await?;
        Ok(Self {
            client,
            connection,
            timeout,
            owner_token: process_token(),
            paused_until_ms: Arc::new(AtomicI64::new(0)),
        })
    }

    /// Opens a second connection with the given response timeout. Blocking reads such as
    /// `XREADGROUP ... BLOCK` need their own, because they stall every command queued behind them.
    pub async fn dedicated(&self, response_timeout: Duration) -> Result<Self, RedisError> {
        let connection = Self::open_connection(&self.client, Some(response_timeout)).await?;
        Ok(Self {
            client: self.client.clone(),
            connection,
            timeout: response_timeout,
            owner_token: self.owner_token.clone(),
            paused_until_ms: Arc::new(AtomicI64::new(0)),
        })
    }

    async fn open_connection(
        client: &redis::Client,
        response_timeout: Option<Duration>,
    ) -> Result<ConnectionManager, RedisError> {
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(response_timeout)
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_millis(500));
        let connect = ConnectionManager::new_with_config(client.clone(), config);
        match tokio::time::timeout(Duration::from_secs(5), connect).await {
            Ok(result) => result.map_err(|source| RedisError::Command {
                command: "connect",
                source,
            }),
            Err(_) => Err(RedisError::Timeout {
                command: "connect",
                timeout_ms: 5_000,
            }),
        }
    }

    /// Value that marks the locks this process takes, so it releases only its own.
    pub fn owner_token(&self) -> &str {
        &self.owner_token
    }

    /// Runs one command within the time limit.
    pub async fn query<T: FromRedisValue>(
        &self,
        command: &'static str,
        cmd: &Cmd,
    ) -> Result<T, RedisError> {
        let mut connection = self.connection.clone();
        let pending = cmd.query_async::<T>(&mut connection);
        self.limit(command, pending).await
    }

    /// Sends a pipeline of commands within the time limit.
    pub async fn pipeline<T: FromRedisValue>(
        &self,
        command: &'static str,
        pipe: &redis::Pipeline,
    ) -> Result<T, RedisError> {
        let mut connection = self.connection.clone();
        let pending = pipe.query_async::<T>(&mut connection);
        self.limit(command, pending).await
    }

    /// Runs a Lua script (EVALSHA, loading it on the first call) within the time limit.
    pub async fn invoke<T: FromRedisValue>(
        &self,
        command: &'static str,
        invocation: &ScriptInvocation<'_>,
    ) -> Result<T, RedisError> {
        let mut connection = self.connection.clone();
        let pending = invocation.invoke_async::<T>(&mut connection);
        self.limit(command, pending).await
    }

    async fn limit<T>(
        &self,
        command: &'static str,
        pending: impl std::future::Future<Output = redis::RedisResult<T>>,
    ) -> Result<T, RedisError> {
        let now = crate::store::now_ms();
        if now < self.paused_until_ms.load(Ordering::Relaxed) {
            return Err(RedisError::Paused {
                command,
                pause_ms: FAILURE_PAUSE_MS as u64,
            });
        }
        let result = match tokio::time::timeout(self.timeout, pending).await {
            Ok(result) => result.map_err(|source| RedisError::Command { command, source }),
            Err(_) => Err(RedisError::Timeout {
                command,
                timeout_ms: self.timeout.as_millis() as u64,
            }),
        };
        if result.as_ref().is_err_and(is_connection_failure) {
            self.paused_until_ms
                .store(now + FAILURE_PAUSE_MS, Ordering::Relaxed);
        }
        result
    }
}

/// Returns whether an error means the server is unreachable, as opposed to a rejected command.
fn is_connection_failure(error: &RedisError) -> bool {
    match error {
        RedisError::Timeout { .. } => true,
        RedisError::Command { source, .. } => {
            source.is_io_error()
                || source.is_connection_dropped()
                || source.is_connection_refusal()
                || source.is_timeout()
        }
        RedisError::Paused { .. } => false,
    }
}

/// Deletes a key only while it still contains the caller's token (compare-and-delete).
pub fn release_script() -> Script {
    Script::new(
        r"if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
    )
}

/// Builds a token unique to this process: host-independent randomness, the process id and the start time.
fn process_token() -> String {
    let random = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    format!(
        "{}-{}-{random:016x}",
        std::process::id(),
        crate::store::now_ms()
    )
}
