//! A game backend's conflict system split into a hot path that responds from cache, database and rules,
//! and a slow path of background tasks that call the language model.

pub mod api;
pub mod app;
pub mod cache;
pub mod config;
pub mod conflict;
pub mod demo;
pub mod llm;
pub mod queue;
pub mod redis_link;
pub mod store;
pub mod telemetry;
