//! OpenAI-compatible chat-completions client over reqwest with rustls.
//! It retries transport errors, 429 and 5xx a configured number of times with a short backoff.

use std::time::Duration;

use async_trait::async_trait;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{ChatRequest, Completion, ModelClient, ModelError};
use crate::config::ModelConfig;

/// Connection settings of [`OpenAiClient`].
#[derive(Debug, Clone)]
pub struct OpenAiSettings {
    /// Base URL up to and including the API version, for example `https://host/v1`.
    pub base_url: String,
    pub model: String,
    pub api_key: Option<String>,
    pub timeout: Duration,
    /// Extra attempts after the first one; the task queue retries on top of these.
    pub retries: u32,
}

impl OpenAiSettings {
    /// Reads the settings from the model configuration and the API key from its environment variable.
    pub fn from_config(config: &ModelConfig) -> Result<Self, ModelError> {
        let api_key = std::env::var(&config.api_key_env)
            .ok()
            .filter(|key| !key.is_empty());
        if api_key.is_none() && config.require_api_key {
            return Err(ModelError::Config(format!(
                "environment variable {} is not set; set it or use provider = \"offline\"",
                config.api_key_env
            )));
        }
        Ok(Self {
            base_url: config.base_url.trim_end_matches('/').to_string(),
            model: config.model.clone(),
            api_key,
            timeout: Duration::from_millis(config.timeout_ms),
            retries: config.retries,
        })
    }
}

/// Chat-completions client for any server that speaks the OpenAI `/chat/completions` API.
pub struct OpenAiClient {
    http: reqwest::Client,
    settings: OpenAiSettings,
}

#[derive(Deserialize)]
struct ChatResponseBody {
    choices: Vec<ChatChoice>,
}

#[derive(Deserialize)]
struct ChatChoice {
    message: ChatMessage,
}

#[derive(Deserialize)]
struct ChatMessage {
    content: Option<String>,
}

impl OpenAiClient {
    pub fn new(settings: OpenAiSettings) -> Result<Self, ModelError> {
        let http = reqwest::Client::builder()
            .timeout(settings.timeout)
            .build()
            .map_err(|error| ModelError::Config(format!("cannot build HTTP client: {error}")))?;
        Ok(Self { http, settings })
    }

    fn request_body(&self, request: &ChatRequest) -> Value {
        let user = format!("{}\n\nFacts (JSON): {}", request.user, request.facts);
        let mut body = json!({
            "model": self.settings.model,
            "messages": [
                { "role": "system", "content": request.system },
                { "role": "user", "content": user },
            ],
        });
        if request.json {
            body["response_format"] = json!({ "type": "json_object" });
        }
        body
    }

    async fn send_once(&self, body: &Value, json_mode: bool) -> Result<Completion, ModelError> {
        let url = format!("{}/chat/completions", self.settings.base_url);
        let mut builder = self.http.post(&url).json(body);
        if let Some(key) = &self.settings.api_key {
            builder = builder.bearer_auth(key);
        }
        let response = builder
            .send()
            .await
            .map_err(|error| self.map_transport(error))?;

        let status = response.status();
        if !status.is_success() {
            let text = response.text().await.unwrap_or_default();
            let body: String = text.chars().take(300).collect();
            return Err(ModelError::Status {
                status: status.as_u16(),
                body,
            });
        }

        let parsed: ChatResponseBody = response
            .json()
            .await
            .map_err(|error| ModelError::InvalidResponse(format!("cannot decode body: {error}")))?;
        let content = parsed
            .choices
            .into_iter()
            .next()
            .and_then(|choice| choice.message.content)
            .ok_or_else(|| ModelError::InvalidResponse("no choices[0].message.content".into()))?;
        parse_content(content, json_mode)
    }

    fn map_transport(&self, error: reqwest::Error) -> ModelError {
        if error.is_timeout() {
            ModelError::Timeout(self.settings.timeout)
        } else {
            ModelError::Transport(error.to_string())
        }
    }
}

/// Returns the message content as text, or parsed as a JSON object in JSON mode.
fn parse_content(content: String, json_mode: bool) -> Result<Completion, ModelError> {
    if !json_mode {
        return Ok(Completion::Text(content));
    }
    let value: Value = serde_json::from_str(&content)
        .map_err(|error| ModelError::InvalidResponse(format!("content is not JSON: {error}")))?;
    if !value.is_object() {
        return Err(ModelError::InvalidResponse(
            "content is JSON but not an object".into(),
        ));
    }
    Ok(Completion::Json(value))
}

#[async_trait]
impl ModelClient for OpenAiClient {
    async fn complete(&self, request: ChatRequest) -> Result<Completion, ModelError> {
        let body = self.request_body(&request);
        let mut attempt = 0;
        loop {
            match self.send_once(&body, request.json).await {
                Ok(completion) => return Ok(completion),
                Err(error) if error.is_retryable() && attempt < self.settings.retries => {
                    attempt += 1;
                    tracing::warn!(task = %request.task, attempt, %error, "model call failed, retrying");
                    tokio::time::sleep(Duration::from_millis(100 * 2u64.pow(attempt - 1))).await;
                }
                Err(error) => return Err(error),
            }
        }
    }

    fn provider_name(&self) -> &'static str {
        "openai-compatible"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_required_key_is_rejected() {
        let config = ModelConfig {
            api_key_env: "RUNTIME_UNIT_TEST_KEY_THAT_IS_NEVER_SET".into(),
            ..ModelConfig::default()
        };
        let error = OpenAiSettings::from_config(&config).expect_err("must fail");
        assert!(error
            .to_string()
            .contains("RUNTIME_UNIT_TEST_KEY_THAT_IS_NEVER_SET"));
        assert!(!error.is_retryable());
    }

    #[test]
    fn optional_key_may_be_missing() {
        let config = ModelConfig {
            api_key_env: "RUNTIME_UNIT_TEST_KEY_THAT_IS_NEVER_SET".into(),
            require_api_key: false,
            base_url: "http://127.0.0.1:9/v1/".into(),
            ..ModelConfig::default()
        };
        let settings = OpenAiSettings::from_config(&config).expect("settings");
        assert_eq!(settings.api_key, None);
        assert_eq!(settings.base_url, "http://127.0.0.1:9/v1");
    }

    #[test]
    fn json_content_must_be_an_object() {
        let parsed = parse_content("[1, 2]".into(), true);
        assert!(matches!(parsed, Err(ModelError::InvalidResponse(_))));
        let parsed = parse_content("{\"a\": 1}".into(), true).ok();
        assert_eq!(
            parsed,
            Some(Completion::Json(serde_json::json!({ "a": 1 })))
        );
        let parsed = parse_content("plain".into(), false).ok();
        assert_eq!(parsed, Some(Completion::Text("plain".into())));
    }
}
