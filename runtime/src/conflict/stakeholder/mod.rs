//! Autonomous stakeholder actions: planned actions and reactions that tasks write to the store.

pub mod handlers;
pub mod hotpath;
pub mod tasks;

use serde::{Deserialize, Serialize};

use crate::store::ActionKind;

/// Payload of the action and reaction generation tasks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanJob {
    pub stakeholder_id: i64,
    pub scene_id: i64,
    pub scene_hash: String,
    pub conflict_id: i64,
    pub kind: ActionKind,
    pub behavior: String,
    pub role: String,
    /// Player choice that a reaction responds to.
    pub choice_id: Option<String>,
    /// Intent of a direct action request.
    pub intent: Option<String>,
    pub priority: i32,
    /// Identifies the context the plan is made for; the store keeps one plan per context.
    pub context_hash: String,
}

/// Payload of `populate_stakeholder_details`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DetailsJob {
    pub stakeholder_id: i64,
    pub role: String,
}
