//! Service configuration: defaults, an optional TOML file, then `RUNTIME_*` environment variables.
//! The defaults select embedded backends and the offline model provider.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Model client of the background tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelProvider {
    /// Deterministic template text, no network and no key.
    Offline,
    /// An OpenAI-compatible chat-completions server.
    Openai,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Listen address, for example `127.0.0.1:8080`.
    pub listen: String,
    /// Maximum request body size in bytes.
    pub body_limit_bytes: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ModelConfig {
    pub provider: ModelProvider,
    pub base_url: String,
    pub model: String,
    /// Name of the environment variable that contains the API key.
    pub api_key_env: String,
    /// Whether startup fails when the key variable is unset (false for local servers without auth).
    pub require_api_key: bool,
    pub timeout_ms: u64,
    /// Extra client-side attempts per task attempt.
    pub retries: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CacheConfig {
    /// Maximum number of cache entries.
    pub max_entries: u64,
    /// How long a dispatch lock blocks further dispatches of the same key, in milliseconds.
    pub lock_ttl_ms: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StoreConfig {
    /// Database URL: `sqlite://runtime.db`, `sqlite::memory:` or `postgres://user@host:port/db`.
    pub url: String,
    pub max_connections: u32,
    /// Maximum wait for a PostgreSQL connection or query before the caller gets an error, in milliseconds.
    pub timeout_ms: u64,
}

/// Redis server of the shared cache and task queue. An empty URL selects the embedded backends.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RedisConfig {
    /// For example `redis://127.0.0.1:6379/`; empty for the in-memory cache and the in-process queue.
    pub url: String,
    /// Maximum wait for one Redis command before the caller gets an error, in milliseconds.
    pub timeout_ms: u64,
    /// Stream that contains queued tasks.
    pub stream: String,
    /// Consumer group of the workers on that stream.
    pub group: String,
    /// How long a task may go without a heartbeat before another worker claims it, in milliseconds.
    pub visibility_timeout_ms: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QueueConfig {
    pub workers: usize,
    /// Maximum number of pending tasks; dispatches beyond it are rejected.
    pub capacity: usize,
    pub max_attempts: u32,
    pub backoff_base_ms: u64,
    pub backoff_max_ms: u64,
    /// How long shutdown waits for running tasks, in milliseconds.
    pub shutdown_grace_ms: u64,
}

/// The whole configuration.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub server: ServerConfig,
    pub model: ModelConfig,
    pub cache: CacheConfig,
    pub store: StoreConfig,
    pub queue: QueueConfig,
    pub redis: RedisConfig,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            body_limit_bytes: 64 * 1024,
        }
    }
}

impl Default for ModelConfig {
    fn default() -> Self {
        Self {
            provider: ModelProvider::Offline,
            base_url: "https://api.openai.com/v1".into(),
            model: "gpt-5-nano".into(),
            api_key_env: "OPENAI_API_KEY".into(),
            require_api_key: true,
            timeout_ms: 30_000,
            retries: 1,
        }
    }
}

impl Default for CacheConfig {
    fn default() -> Self {
        Self {
            max_entries: 100_000,
            lock_ttl_ms: 30_000,
        }
    }
}

impl Default for StoreConfig {
    fn default() -> Self {
        Self {
            url: "sqlite://runtime.db".into(),
            max_connections: 4,
            timeout_ms: 250,
        }
    }
}

impl Default for RedisConfig {
    fn default() -> Self {
        Self {
            url: String::new(),
            timeout_ms: 250,
            stream: "runtime:tasks".into(),
            group: "runtime-workers".into(),
            visibility_timeout_ms: 30_000,
        }
    }
}

impl Default for QueueConfig {
    fn default() -> Self {
        Self {
            workers: 4,
            capacity: 10_000,
            max_attempts: 4,
            backoff_base_ms: 200,
            backoff_max_ms: 10_000,
            shutdown_grace_ms: 5_000,
        }
    }
}

/// Errors while loading the configuration.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid config file {path}: {source}")]
    Parse {
        path: PathBuf,
        source: toml::de::Error,
    },
    #[error("invalid value {value:?} for environment variable {name}: {reason}")]
    Env {
        name: String,
        value: String,
        reason: String,
    },
}

impl Config {
    /// Loads defaults, then the file if given, then the environment variables.
    pub fn load(path: Option<&Path>) -> Result<Self, ConfigError> {
        let mut config = match path {
            Some(path) => Self::from_file(path)?,
            None => Self::default(),
        };
        config.apply_env(|name| std::env::var(name).ok())?;
        Ok(config)
    }

    /// Parses a TOML file; missing keys keep their defaults.
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        toml::from_str(&text).map_err(|source| ConfigError::Parse {
            path: path.to_path_buf(),
            source,
        })
    }

    /// Overrides fields from `RUNTIME_*` variables, read through `lookup`.
    pub fn apply_env(
        &mut self,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<(), ConfigError> {
        if let Some(value) = lookup("RUNTIME_LISTEN") {
            self.server.listen = value;
        }
        if let Some(value) = lookup("RUNTIME_BODY_LIMIT_BYTES") {
            self.server.body_limit_bytes = parse_env("RUNTIME_BODY_LIMIT_BYTES", &value)?;
        }
        if let Some(value) = lookup("RUNTIME_MODEL_PROVIDER") {
            self.model.provider = match value.as_str() {
                "offline" => ModelProvider::Offline,
                "openai" => ModelProvider::Openai,
                _ => {
                    return Err(env_error(
                        "RUNTIME_MODEL_PROVIDER",
                        &value,
                        "expected offline or openai",
                    ))
                }
            };
        }
        if let Some(value) = lookup("RUNTIME_MODEL_BASE_URL") {
            self.model.base_url = value;
        }
        if let Some(value) = lookup("RUNTIME_MODEL_NAME") {
            self.model.model = value;
        }
        if let Some(value) = lookup("RUNTIME_MODEL_TIMEOUT_MS") {
            self.model.timeout_ms = parse_env("RUNTIME_MODEL_TIMEOUT_MS", &value)?;
        }
        // RUNTIME_STORE_URL is the more specific name, so it wins over DATABASE_URL.
        if let Some(value) = lookup("DATABASE_URL") {
            self.store.url = value;
        }
        if let Some(value) = lookup("RUNTIME_STORE_URL") {
            self.store.url = value;
        }
        if let Some(value) = lookup("REDIS_URL") {
            self.redis.url = value;
        }
        if let Some(value) = lookup("RUNTIME_QUEUE_WORKERS") {
            self.queue.workers = parse_env("RUNTIME_QUEUE_WORKERS", &value)?;
        }
        if let Some(value) = lookup("RUNTIME_QUEUE_MAX_ATTEMPTS") {
            self.queue.max_attempts = parse_env("RUNTIME_QUEUE_MAX_ATTEMPTS", &value)?;
        }
        if let Some(value) = lookup("RUNTIME_CACHE_LOCK_TTL_MS") {
            self.cache.lock_ttl_ms = parse_env("RUNTIME_CACHE_LOCK_TTL_MS", &value)?;
        }
        Ok(())
    }
}

fn parse_env<T: std::str::FromStr>(name: &str, value: &str) -> Result<T, ConfigError>
where
    T::Err: std::fmt::Display,
{
    value
        .parse()
        .map_err(|error: T::Err| env_error(name, value, &error.to_string()))
}

fn env_error(name: &str, value: &str, reason: &str) -> ConfigError {
    ConfigError::Env {
        name: name.into(),
        value: value.into(),
        reason: reason.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_select_offline_provider() {
        let config = Config::default();
        assert_eq!(config.model.provider, ModelProvider::Offline);
        assert_eq!(config.server.listen, "127.0.0.1:8080");
    }

    #[test]
    fn env_overrides_file_values() {
        let mut config: Config = toml::from_str("[queue]\nworkers = 2\n").unwrap_or_default();
        assert_eq!(config.queue.workers, 2);
        let result = config.apply_env(|name| match name {
            "RUNTIME_QUEUE_WORKERS" => Some("8".into()),
            "RUNTIME_MODEL_PROVIDER" => Some("openai".into()),
            _ => None,
        });
        assert!(result.is_ok());
        assert_eq!(config.queue.workers, 8);
        assert_eq!(config.model.provider, ModelProvider::Openai);
    }

    #[test]
    fn server_urls_come_from_env() {
        let mut config = Config::default();
        let result = config.apply_env(|name| match name {
            "REDIS_URL" => Some("redis://127.0.0.1:6390/".into()),
            "DATABASE_URL" => Some("postgres://runtime@127.0.0.1:5433/postgres".into()),
            _ => None,
        });
        assert!(result.is_ok());
        assert_eq!(config.redis.url, "redis://127.0.0.1:6390/");
        assert_eq!(
            config.store.url,
            "postgres://runtime@127.0.0.1:5433/postgres"
        );
    }

    #[test]
    fn invalid_env_value_is_rejected() {
        let mut config = Config::default();
        let result =
            config.apply_env(|name| (name == "RUNTIME_QUEUE_WORKERS").then(|| "many".into()));
        assert!(matches!(result, Err(ConfigError::Env { .. })));
    }

    #[test]
    fn unknown_file_key_is_rejected() {
        let result: Result<Config, _> = toml::from_str("[server]\nport = 1\n");
        assert!(result.is_err());
    }

    #[test]
    fn file_values_load_over_defaults() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("runtime.toml");
        let text = "[server]\nlisten = \"127.0.0.1:9000\"\n[model]\nprovider = \"openai\"\n";
        std::fs::write(&path, text).expect("write config file");
        let config = Config::from_file(&path).expect("load config file");
        assert_eq!(config.server.listen, "127.0.0.1:9000");
        assert_eq!(config.model.provider, ModelProvider::Openai);
        assert_eq!(config.queue.workers, QueueConfig::default().workers);
    }

    #[test]
    fn missing_file_is_reported_with_path() {
        let error =
            Config::from_file(Path::new("/nonexistent/runtime.toml")).expect_err("must fail");
        assert!(error.to_string().contains("/nonexistent/runtime.toml"));
    }

    #[test]
    fn example_file_matches_defaults() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("runtime.example.toml");
        let example = Config::from_file(&path).expect("load the example config");
        assert_eq!(format!("{example:?}"), format!("{:?}", Config::default()));
    }
}
