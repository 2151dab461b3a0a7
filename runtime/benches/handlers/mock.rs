//! A chat-completions mock on 127.0.0.1:0 that responds to every request after a fixed delay.

use std::time::Duration;

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};

async fn complete(State(delay): State<Duration>, Json(body): Json<Value>) -> Json<Value> {
    tokio::time::sleep(delay).await;
    let json_mode = body
        .pointer("/response_format/type")
        .and_then(Value::as_str)
        == Some("json_object");
    let content = if json_mode {
        json!({ "action": "bench_move", "gossip": ["bench"], "manifestations": ["bench"], "references": [], "compliant": true })
            .to_string()
    } else {
        "bench narration".to_string()
    };
    Json(
        json!({ "choices": [{ "index": 0, "message": { "role": "assistant", "content": content } }] }),
    )
}

/// Starts the mock and returns its base URL, for example `http://127.0.0.1:40001/v1`.
pub async fn start(delay: Duration) -> std::io::Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let router = Router::new()
        .route("/v1/chat/completions", post(complete))
        .with_state(delay);
    tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, router).await {
            eprintln!("mock model server stopped: {error}");
        }
    });
    Ok(format!("http://{address}/v1"))
}
