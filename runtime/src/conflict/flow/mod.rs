//! Conflict flow: numeric state updates, phase transitions, dramatic beats and their narration.

pub mod handlers;
pub mod hotpath;
pub mod tasks;

use serde::{Deserialize, Serialize};

use crate::conflict::events::{ConflictState, Phase};

/// Payload of `narrate_phase_transition`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransitionJob {
    pub scene_id: i64,
    pub conflict_id: i64,
    pub from: Phase,
    pub to: Phase,
}

/// Payload of `generate_beat_description`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BeatJob {
    pub scene_id: i64,
    pub conflict_id: i64,
    pub beat_id: String,
    pub state: ConflictState,
}
