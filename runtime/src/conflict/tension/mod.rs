//! Tension: a rule-based tension score per scene, its manifestations and escalation narration.

pub mod handlers;
pub mod hotpath;
pub mod tasks;

use serde::{Deserialize, Serialize};

/// Inputs of the tension score, each in the unit interval; a missing factor is 0.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct TensionFactors {
    pub hostility: f64,
    pub stakes: f64,
    pub proximity: f64,
    pub secrets: f64,
    pub time_pressure: f64,
}

/// Payload of `update_tension_bundle_cache` and `generate_tension_manifestations`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TensionJob {
    pub scene_id: i64,
    pub scene_hash: String,
    pub factors: TensionFactors,
}

/// Payload of `narrate_escalation`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EscalationJob {
    pub scene_id: i64,
    pub conflict_id: i64,
    pub score: f64,
    pub band: String,
}
