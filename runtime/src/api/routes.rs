//! Route functions: decode the request, call one conflict handler, time it, encode the response.

use std::time::Instant;

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{ApiError, ApiState};
use crate::conflict::events::GameEvent;
use crate::conflict::handlers::{handle_event, HandlerError};
use crate::conflict::tension::TensionFactors;
use crate::conflict::{flow, social, stakeholder, tension};

/// Header that carries the handler's own run time in microseconds.
pub const HANDLER_MICROS_HEADER: &str = "x-handler-micros";

fn timed_response(
    handler: &'static str,
    started: Instant,
    result: Result<Value, HandlerError>,
) -> Response {
    let elapsed = started.elapsed();
    metrics::histogram!("runtime_handler_latency_seconds", "handler" => handler)
        .record(elapsed.as_secs_f64());
    match result {
        Ok(body) => {
            let mut response = Json(body).into_response();
            if let Ok(value) = HeaderValue::from_str(&elapsed.as_micros().to_string()) {
                response.headers_mut().insert(HANDLER_MICROS_HEADER, value);
            }
            response
        }
        Err(error) => {
            metrics::counter!("runtime_handler_errors_total", "handler" => handler).increment(1);
            ApiError::from(error).into_response()
        }
    }
}

/// `POST /v1/events`: handles one game event.
pub async fn post_event(
    State(state): State<ApiState>,
    body: Result<Json<GameEvent>, JsonRejection>,
) -> Response {
    let event = match body {
        Ok(Json(event)) => event,
        Err(rejection) => return ApiError::from(rejection).into_response(),
    };
    let handler = event.kind();
    let started = Instant::now();
    let result = handle_event(&state.hot, event).await;
    timed_response(handler, started, result)
}

#[derive(Debug, Deserialize)]
pub struct BundleQuery {
    /// Comma-separated NPC ids whose reputation the fallback bundle lists.
    #[serde(default)]
    npcs: String,
}

fn parse_ids(text: &str) -> Result<Vec<i64>, ApiError> {
    text.split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            part.parse::<i64>().map_err(|_| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_query",
                    format!("npcs: {part:?} is not an integer id"),
                )
            })
        })
        .collect()
}

/// `GET /v1/scenes/{scene_id}/bundle?npcs=1,2`: the social bundle, cache first.
pub async fn get_bundle(
    State(state): State<ApiState>,
    path: Result<Path<i64>, PathRejection>,
    query: Result<Query<BundleQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Path(scene_id) = path?;
    let Query(query) = query?;
    let npcs = parse_ids(&query.npcs)?;
    let started = Instant::now();
    let result = social::handlers::scene_bundle(&state.hot, scene_id, &npcs).await;
    Ok(timed_response("get_scene_bundle", started, result))
}

/// `GET /v1/scenes/{scene_id}/tension?hostility=..`: the tension bundle, cache first.
pub async fn get_tension(
    State(state): State<ApiState>,
    path: Result<Path<i64>, PathRejection>,
    query: Result<Query<TensionFactors>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Path(scene_id) = path?;
    let factors = match query {
        Ok(Query(factors)) => factors,
        Err(rejection) => return Err(rejection.into()),
    };
    let started = Instant::now();
    let result = tension::handlers::scene_tension(&state.hot, scene_id, factors).await;
    Ok(timed_response("get_tension_bundle", started, result))
}

/// `GET /v1/scenes/{scene_id}/gossip`: cached gossip items.
pub async fn get_gossip(
    State(state): State<ApiState>,
    path: Result<Path<i64>, PathRejection>,
) -> Result<Response, ApiError> {
    let Path(scene_id) = path?;
    let started = Instant::now();
    let result = social::handlers::scene_gossip(&state.hot, scene_id).await;
    Ok(timed_response("get_gossip", started, result))
}

/// `GET /v1/scenes/{scene_id}/planned-actions`: ready planned actions, not consumed.
pub async fn get_planned_actions(
    State(state): State<ApiState>,
    path: Result<Path<i64>, PathRejection>,
) -> Result<Response, ApiError> {
    let Path(scene_id) = path?;
    let started = Instant::now();
    let result = stakeholder::handlers::planned_actions(&state.hot, scene_id).await;
    Ok(timed_response("get_planned_actions", started, result))
}

/// `GET /v1/conflicts/{conflict_id}/narratives`: every cached narration of a conflict.
pub async fn get_narratives(
    State(state): State<ApiState>,
    path: Result<Path<i64>, PathRejection>,
) -> Result<Response, ApiError> {
    let Path(conflict_id) = path?;
    let started = Instant::now();
    let result = flow::handlers::conflict_narratives(&state.hot, conflict_id).await;
    Ok(timed_response("get_narratives", started, result))
}

/// `GET /healthz`: the process is up.
pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// `GET /readyz`: ready when the store responds to a query. Reports the queue depth and model provider.
pub async fn readyz(State(state): State<ApiState>) -> Response {
    let store = state.hot.store.ping().await;
    let depth = state.hot.queue.depth();
    let body = json!({
        "store": if store.is_ok() { "ok" } else { "failed" },
        "queue_depth": depth,
        "model_provider": state.model_provider,
    });
    let status = if store.is_ok() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    if let Err(error) = store {
        tracing::warn!(%error, "readiness check failed");
    }
    (status, Json(body)).into_response()
}

/// `GET /metrics`: Prometheus text format.
pub async fn metrics(State(state): State<ApiState>) -> Response {
    state.metrics.run_upkeep();
    let body = state.metrics.render();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}

/// Any other path.
/// Returns the JSON error for a known route called with a method it does not take.
pub async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this route does not take that method; the Allow header lists the ones it takes",
    )
}

pub async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "no such route; see the README for the API",
    )
}
