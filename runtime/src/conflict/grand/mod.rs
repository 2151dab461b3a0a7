//! Grand conflicts: several conflicts that share stakeholders, merged by rules and narrated as one.

pub mod handlers;
pub mod hotpath;
pub mod tasks;

use serde::{Deserialize, Serialize};

/// Payload of `narrate_grand_conflict`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GrandJob {
    pub scene_id: i64,
    pub grand_id: i64,
    pub conflict_ids: Vec<i64>,
    pub shared_stakeholders: Vec<i64>,
    pub intensity: f64,
}
