//! The OpenAI-compatible client against a mock chat-completions server on 127.0.0.1.

mod common;

use std::sync::atomic::Ordering;
use std::time::Duration;

use common::{mock_json_answer, MockModel, MockState, MOCK_TEXT};
use runtime::llm::{
    ChatRequest, Completion, ModelClient, ModelError, OpenAiClient, OpenAiSettings,
};
use serde_json::json;

fn settings(base_url: &str, retries: u32, timeout: Duration) -> OpenAiSettings {
    OpenAiSettings {
        base_url: base_url.into(),
        model: "gpt-5-nano".into(),
        api_key: Some("test-key".into()),
        timeout,
        retries,
    }
}

fn request(json_mode: bool) -> ChatRequest {
    ChatRequest {
        task: "narrate_escalation".into(),
        system: "system prompt".into(),
        user: "user prompt".into(),
        facts: json!({ "conflict_id": 3 }),
        json: json_mode,
    }
}

#[tokio::test]
async fn text_completion_sends_model_and_messages() {
    let mock = MockModel::start(MockState::default()).await;
    let client =
        OpenAiClient::new(settings(&mock.base_url, 0, Duration::from_secs(2))).expect("client");

    let answer = client.complete(request(false)).await.expect("completion");

    assert_eq!(answer, Completion::Text(MOCK_TEXT.into()));
    let bodies = mock.state.bodies.lock().expect("bodies").clone();
    assert_eq!(bodies.len(), 1);
    assert_eq!(bodies[0]["model"], "gpt-5-nano");
    assert_eq!(bodies[0]["messages"][0]["content"], "system prompt");
    assert!(bodies[0]["messages"][1]["content"]
        .as_str()
        .unwrap_or_default()
        .contains("\"conflict_id\":3"));
    assert!(bodies[0].get("response_format").is_none());
}

#[tokio::test]
async fn json_completion_is_parsed() {
    let mock = MockModel::start(MockState::default()).await;
    let client =
        OpenAiClient::new(settings(&mock.base_url, 0, Duration::from_secs(2))).expect("client");

    let answer = client.complete(request(true)).await.expect("completion");

    assert_eq!(answer, Completion::Json(mock_json_answer()));
    let bodies = mock.state.bodies.lock().expect("bodies").clone();
    assert_eq!(bodies[0]["response_format"]["type"], "json_object");
}

#[tokio::test]
async fn server_error_is_retried_by_client() {
    let state = MockState::default();
    state.failures_left.store(1, Ordering::SeqCst);
    let mock = MockModel::start(state).await;
    let client =
        OpenAiClient::new(settings(&mock.base_url, 1, Duration::from_secs(2))).expect("client");

    let answer = client.complete(request(false)).await;

    assert!(answer.is_ok(), "answer: {answer:?}");
    assert_eq!(mock.requests(), 2);
}

#[tokio::test]
async fn server_error_without_retries_is_returned() {
    let mock = MockModel::start(MockState {
        always_fail: true,
        ..MockState::default()
    })
    .await;
    let client =
        OpenAiClient::new(settings(&mock.base_url, 0, Duration::from_secs(2))).expect("client");

    let error = client
        .complete(request(false))
        .await
        .expect_err("must fail");

    assert!(
        matches!(error, ModelError::Status { status: 500, .. }),
        "error: {error:?}"
    );
    assert!(error.is_retryable());
    assert_eq!(mock.requests(), 1);
}

#[tokio::test]
async fn slow_server_times_out() {
    let mock = MockModel::start(MockState {
        delay: Duration::from_millis(500),
        ..MockState::default()
    })
    .await;
    let client =
        OpenAiClient::new(settings(&mock.base_url, 0, Duration::from_millis(100))).expect("client");

    let error = client
        .complete(request(false))
        .await
        .expect_err("must time out");

    assert!(matches!(error, ModelError::Timeout(_)), "error: {error:?}");
}

#[tokio::test]
async fn refused_connection_is_a_transport_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("address");
    drop(listener);
    let base_url = format!("http://{address}/v1");
    let client = OpenAiClient::new(settings(&base_url, 0, Duration::from_secs(1))).expect("client");

    let error = client
        .complete(request(false))
        .await
        .expect_err("must fail");

    assert!(
        matches!(error, ModelError::Transport(_)),
        "error: {error:?}"
    );
}
