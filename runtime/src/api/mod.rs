//! The HTTP API on axum: game events in, scene reads out, health, readiness and metrics.
//! Handlers respond from cache, database and rules, and no handler waits for a model or a task.

mod error;
pub mod routes;

use std::net::SocketAddr;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use metrics_exporter_prometheus::PrometheusHandle;
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;

pub use error::ApiError;
pub use routes::HANDLER_MICROS_HEADER;

use crate::app::{App, StartError};
use crate::conflict::HotContext;

/// Shared state of the HTTP handlers. It contains no model client.
#[derive(Clone)]
pub struct ApiState {
    pub hot: HotContext,
    pub metrics: PrometheusHandle,
    pub model_provider: &'static str,
}

/// Builds the router with the body-size limit in bytes.
pub fn router(state: ApiState, body_limit_bytes: usize) -> Router {
    Router::new()
        .route("/v1/events", post(routes::post_event))
        .route("/v1/scenes/{scene_id}/bundle", get(routes::get_bundle))
        .route("/v1/scenes/{scene_id}/tension", get(routes::get_tension))
        .route("/v1/scenes/{scene_id}/gossip", get(routes::get_gossip))
        .route(
            "/v1/scenes/{scene_id}/planned-actions",
            get(routes::get_planned_actions),
        )
        .route(
            "/v1/conflicts/{conflict_id}/narratives",
            get(routes::get_narratives),
        )
        .route("/healthz", get(routes::healthz))
        .route("/readyz", get(routes::readyz))
        .route("/metrics", get(routes::metrics))
        .fallback(routes::not_found)
        .method_not_allowed_fallback(routes::method_not_allowed)
        .layer(DefaultBodyLimit::max(body_limit_bytes))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// A running HTTP server.
pub struct Server {
    pub address: SocketAddr,
    pub handle: tokio::task::JoinHandle<Result<(), std::io::Error>>,
    shutdown: tokio::sync::oneshot::Sender<()>,
}

impl Server {
    /// Stops accepting connections and waits for open requests to finish.
    pub async fn stop(self) -> Result<(), StartError> {
        let _ = self.shutdown.send(());
        match self.handle.await {
            Ok(result) => result.map_err(StartError::Serve),
            Err(error) => Err(StartError::Serve(std::io::Error::other(error))),
        }
    }
}

/// Binds `address` (port 0 picks a free port) and serves the API in a background task.
pub async fn spawn_server(app: &App, address: &str) -> Result<Server, StartError> {
    let listener = TcpListener::bind(address)
        .await
        .map_err(|source| StartError::Bind {
            address: address.to_string(),
            source,
        })?;
    let address = listener.local_addr().map_err(|source| StartError::Bind {
        address: address.to_string(),
        source,
    })?;
    let state = ApiState {
        hot: app.hot.clone(),
        metrics: crate::telemetry::metrics_handle(),
        model_provider: app.model_provider,
    };
    let router = router(state, app.config.server.body_limit_bytes);
    let (shutdown, signal) = tokio::sync::oneshot::channel::<()>();
    let handle = tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                let _ = signal.await;
            })
            .await
    });
    Ok(Server {
        address,
        handle,
        shutdown,
    })
}
