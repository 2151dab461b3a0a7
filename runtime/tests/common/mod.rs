//! Test helpers: a mock chat-completions server on 127.0.0.1 and a service wired to it.
// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use runtime::app::App;
use runtime::config::{Config, ModelProvider};
use serde_json::{json, Value};
use tempfile::TempDir;

/// JSON response of the mock model in JSON mode, with the fields that every JSON task reads.
pub fn mock_json_answer() -> Value {
    json!({
        "action": "mock_move",
        "target": null,
        "dialogue": "mock dialogue",
        "gossip": ["mock gossip"],
        "manifestations": ["mock manifestation"],
        "references": ["mock reference"],
        "compliant": true,
        "issues": []
    })
}

/// Text response of the mock model outside JSON mode.
pub const MOCK_TEXT: &str = "mock narration";

/// Behaviour and request log of the mock server.
#[derive(Default)]
pub struct MockState {
    pub requests: AtomicUsize,
    /// Number of requests still to fail with HTTP 500 before the mock responds normally.
    pub failures_left: AtomicUsize,
    /// Fail every request with HTTP 500.
    pub always_fail: bool,
    pub delay: Duration,
    pub bodies: Mutex<Vec<Value>>,
}

/// A mock OpenAI-compatible chat-completions server bound to 127.0.0.1:0.
pub struct MockModel {
    pub base_url: String,
    pub state: Arc<MockState>,
    handle: tokio::task::JoinHandle<()>,
}

impl MockModel {
    pub async fn start(state: MockState) -> Self {
        let state = Arc::new(state);
        let router = Router::new()
            .route("/v1/chat/completions", post(complete))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind mock model server");
        let address = listener.local_addr().expect("mock model address");
        let handle = tokio::spawn(async move {
            axum::serve(listener, router)
                .await
                .expect("mock model server");
        });
        Self {
            base_url: format!("http://{address}/v1"),
            state,
            handle,
        }
    }

    pub fn requests(&self) -> usize {
        self.state.requests.load(Ordering::SeqCst)
    }
}

impl Drop for MockModel {
    fn drop(&mut self) {
        self.handle.abort();
    }
}

async fn complete(State(state): State<Arc<MockState>>, Json(body): Json<Value>) -> Response {
    state.requests.fetch_add(1, Ordering::SeqCst);
    state
        .bodies
        .lock()
        .expect("mock bodies lock")
        .push(body.clone());
    if !state.delay.is_zero() {
        tokio::time::sleep(state.delay).await;
    }
    let fail_now = state.always_fail
        || state
            .failures_left
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                left.checked_sub(1)
            })
            .is_ok();
    if fail_now {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            Json(json!({ "error": { "message": "mock failure" } })),
        )
            .into_response();
    }
    let json_mode = body
        .pointer("/response_format/type")
        .and_then(Value::as_str)
        == Some("json_object");
    let content = if json_mode {
        mock_json_answer().to_string()
    } else {
        MOCK_TEXT.to_string()
    };
    Json(json!({
        "id": "chatcmpl-mock",
        "object": "chat.completion",
        "choices": [{ "index": 0, "message": { "role": "assistant", "content": content }, "finish_reason": "stop" }]
    }))
    .into_response()
}

/// Returns a configuration with a SQLite file in `dir` and the model client pointed at `model_url`.
pub fn test_config(dir: &TempDir, model_url: &str) -> Config {
    let mut config = Config::default();
    config.store.url = format!("sqlite://{}", dir.path().join("runtime.db").display());
    config.model.provider = ModelProvider::Openai;
    config.model.base_url = model_url.to_string();
    config.model.api_key_env = "RUNTIME_TEST_API_KEY_NOT_SET".into();
    config.model.require_api_key = false;
    config.model.timeout_ms = 2_000;
    config.model.retries = 0;
    config.queue.workers = 2;
    config.queue.max_attempts = 3;
    config.queue.backoff_base_ms = 10;
    config.queue.backoff_max_ms = 50;
    config.queue.shutdown_grace_ms = 1_000;
    config
}

/// A service wired to a mock model, with its temporary directory.
pub struct TestService {
    pub app: App,
    pub model: MockModel,
    pub dir: TempDir,
}

pub async fn start_service(mock: MockState) -> TestService {
    start_service_with(mock, |_| {}).await
}

/// Starts a service whose test configuration `adjust` changes first.
pub async fn start_service_with(mock: MockState, adjust: impl FnOnce(&mut Config)) -> TestService {
    let model = MockModel::start(mock).await;
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut config = test_config(&dir, &model.base_url);
    adjust(&mut config);
    let app = App::build(config).await.expect("build app");
    TestService { app, model, dir }
}

/// Polls `check` every 10 ms until it returns true or `limit` passes; returns the last result.
pub async fn wait_until<F, Fut>(limit: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let started = Instant::now();
    loop {
        if check().await {
            return true;
        }
        if started.elapsed() > limit {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
pub mod servers;
