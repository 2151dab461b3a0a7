//! Victory: rule-based victory checks and victory narration.

pub mod handlers;
pub mod hotpath;
pub mod tasks;

use serde::{Deserialize, Serialize};

/// Payload of `narrate_victory`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VictoryJob {
    pub scene_id: i64,
    pub conflict_id: i64,
    pub winner_id: i64,
    pub margin: f64,
}
