//! Edge-case recovery: rule-based repairs of stalled, runaway, orphaned or contradictory conflicts.

pub mod handlers;
pub mod hotpath;
pub mod tasks;

use serde::{Deserialize, Serialize};

/// Payload of `narrate_recovery`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecoveryJob {
    pub scene_id: i64,
    pub conflict_id: i64,
    pub case: String,
    pub action: String,
}
