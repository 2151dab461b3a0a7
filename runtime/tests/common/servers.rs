//! Helpers of the tests against real Redis and PostgreSQL servers: their URLs, and `runtime serve`
//! and `runtime worker` processes started from the built binary.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;

/// Redis and PostgreSQL URLs of the servers that `scripts/test.sh` starts.
pub struct ServerUrls {
    pub redis: String,
    pub database: String,
}

/// Reads REDIS_URL and DATABASE_URL. Panics when either is missing, because these tests must
/// never pass without the servers.
pub fn server_urls() -> ServerUrls {
    let read = |name: &str| {
        std::env::var(name)
            .ok()
            .filter(|value| !value.is_empty())
            .unwrap_or_else(|| {
                panic!(
                "{name} is not set. Run `bash scripts/test.sh`, which starts throwaway Redis and \
                 PostgreSQL servers and sets REDIS_URL and DATABASE_URL for these tests"
            )
            })
    };
    ServerUrls {
        redis: read("REDIS_URL"),
        database: read("DATABASE_URL"),
    }
}

/// Returns a name unique to this test run, for streams and ids that tests must not share.
pub fn unique_name(prefix: &str) -> String {
    format!(
        "{prefix}-{}-{}",
        std::process::id(),
        runtime::store::now_ms()
    )
}

/// Writes a config file for the runtime processes of one test: its own stream and consumer group,
/// the model at `model_url`, short retry and visibility times.
pub fn write_config(
    dir: &Path,
    stream: &str,
    model_url: &str,
    visibility_ms: u64,
) -> std::path::PathBuf {
    let retries = "max_attempts = 5\nbackoff_base_ms = 50\nbackoff_max_ms = 500";
    write_config_with(dir, stream, model_url, visibility_ms, retries)
}

/// Writes the config of [`write_config`] with other retry settings (`max_attempts` and backoff lines).
pub fn write_config_with(
    dir: &Path,
    stream: &str,
    model_url: &str,
    visibility_ms: u64,
    retries: &str,
) -> std::path::PathBuf {
    let text = format!(
        r#"
[server]
listen = "127.0.0.1:0"

[model]
provider = "openai"
base_url = "{model_url}"
api_key_env = "RUNTIME_TEST_API_KEY_NOT_SET"
require_api_key = false
timeout_ms = 10000
retries = 0

[store]
max_connections = 4

[queue]
workers = 2
{retries}
shutdown_grace_ms = 2000

[redis]
stream = "{stream}"
group = "{stream}-workers"
visibility_timeout_ms = {visibility_ms}
"#
    );
    let path = dir.join("runtime.toml");
    std::fs::write(&path, text).expect("write the runtime config file");
    path
}

/// A `runtime` child process, killed when dropped.
pub struct RuntimeProcess {
    pub child: Child,
    /// Address of the HTTP API; empty for a worker.
    pub address: String,
}

impl RuntimeProcess {
    /// Starts `runtime serve` and waits for its "listening on" log line.
    pub fn serve(config: &Path, urls: &ServerUrls) -> Self {
        Self::start("serve", config, urls, "listening on http://")
    }

    /// Starts `runtime worker` and waits for its "worker running" log line.
    pub fn worker(config: &Path, urls: &ServerUrls) -> Self {
        Self::start("worker", config, urls, "worker running")
    }

    fn start(command: &str, config: &Path, urls: &ServerUrls, ready_line: &str) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_runtime"))
            .arg("--config")
            .arg(config)
            .arg(command)
            .env("REDIS_URL", &urls.redis)
            .env("DATABASE_URL", &urls.database)
            .env("NO_COLOR", "1")
            .env("RUST_LOG", "info")
            .stdout(Stdio::inherit())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the runtime binary");
        // The runtime logs to stderr.
        let stderr = child.stderr.take().expect("runtime stderr");
        let (sender, receiver) = mpsc::channel();
        let expected_line = ready_line.to_string();
        std::thread::spawn(move || {
            let mut sent = false;
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if !sent && line.contains(&expected_line) {
                    let _ = sender.send(line.clone());
                    sent = true;
                }
                if line.contains("ERROR") || line.contains("WARN") {
                    eprintln!("runtime: {line}");
                }
            }
        });
        let line = receiver
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("runtime {command} did not log {ready_line:?} within 30 s"));
        let address = line
            .split("listening on http://")
            .nth(1)
            .map(|rest| {
                rest.split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_string()
            })
            .unwrap_or_default();
        Self { child, address }
    }

    /// Kills the process with SIGKILL and reaps it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for RuntimeProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Posts one event to an API process and returns the status and JSON body.
pub async fn post_event(client: &reqwest::Client, address: &str, event: &Value) -> (u16, Value) {
    let response = client
        .post(format!("http://{address}/v1/events"))
        .json(event)
        .send()
        .await
        .expect("send the event");
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

/// Runs one Redis command through redis-rs, for checks on the stream and the keys.
pub async fn redis_query<T: redis::FromRedisValue>(url: &str, cmd: &redis::Cmd) -> T {
    let client = redis::Client::open(url).expect("open the Redis URL");
    let mut connection = client
        .get_multiplexed_async_connection()
        .await
        .expect("connect to Redis");
    cmd.query_async(&mut connection)
        .await
        .expect("Redis command")
}
