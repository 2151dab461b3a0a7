//! The model client: a chat-completions interface that only background tasks call.
//! Two providers implement it, an OpenAI-compatible HTTP client and an offline template provider.

mod offline;
mod openai;

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value;

pub use offline::OfflineProvider;
pub use openai::{OpenAiClient, OpenAiSettings};

use crate::config::{ModelConfig, ModelProvider};

/// One chat-completion request, built by a task from its event's facts.
#[derive(Debug, Clone)]
pub struct ChatRequest {
    /// Name of the task that sends the request; the offline provider picks its template by it.
    pub task: String,
    /// System prompt.
    pub system: String,
    /// User prompt.
    pub user: String,
    /// Structured facts of the event; the offline provider writes its text from them.
    pub facts: Value,
    /// Whether the response must be a JSON object.
    pub json: bool,
}

/// Model response to a [`ChatRequest`].
#[derive(Debug, Clone, PartialEq)]
pub enum Completion {
    Text(String),
    Json(Value),
}

impl Completion {
    /// Returns the text, or the JSON serialised as text.
    pub fn into_text(self) -> String {
        match self {
            Completion::Text(text) => text,
            Completion::Json(value) => value.to_string(),
        }
    }

    /// Returns the JSON object, or wraps plain text as `{"text": ...}`.
    pub fn into_json(self) -> Value {
        match self {
            Completion::Json(value) => value,
            Completion::Text(text) => serde_json::json!({ "text": text }),
        }
    }
}

/// Errors of a model call. [`ModelError::is_retryable`] decides whether the task queue tries again.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("model request failed: {0}")]
    Transport(String),
    #[error("model server returned HTTP {status}: {body}")]
    Status { status: u16, body: String },
    #[error("model request timed out after {0:?}")]
    Timeout(std::time::Duration),
    #[error("model response is invalid: {0}")]
    InvalidResponse(String),
    #[error("model client is misconfigured: {0}")]
    Config(String),
}

impl ModelError {
    /// Returns true for errors that a later attempt may not repeat: network errors, timeouts,
    /// HTTP 429 and 5xx, and invalid responses.
    pub fn is_retryable(&self) -> bool {
        match self {
            ModelError::Transport(_) | ModelError::Timeout(_) => true,
            ModelError::Status { status, .. } => *status == 429 || *status >= 500,
            ModelError::InvalidResponse(_) => true,
            ModelError::Config(_) => false,
        }
    }
}

/// A chat-completions model. Only task modules call it; hot-path and handler code never do.
#[async_trait]
pub trait ModelClient: Send + Sync {
    /// Sends one chat-completion request and returns its text or JSON response.
    async fn complete(&self, request: ChatRequest) -> Result<Completion, ModelError>;

    /// Provider name for logs and the readiness report.
    fn provider_name(&self) -> &'static str;
}

/// Builds the model client that the configuration selects.
pub fn build_model_client(config: &ModelConfig) -> Result<Arc<dyn ModelClient>, ModelError> {
    match config.provider {
        ModelProvider::Offline => Ok(Arc::new(OfflineProvider::new())),
        ModelProvider::Openai => {
            let settings = OpenAiSettings::from_config(config)?;
            Ok(Arc::new(OpenAiClient::new(settings)?))
        }
    }
}
