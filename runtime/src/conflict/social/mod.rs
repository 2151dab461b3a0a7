//! Social circle: reputation arithmetic, gossip, alliances and the scene's social bundle.

pub mod handlers;
pub mod hotpath;
pub mod tasks;

use serde::{Deserialize, Serialize};

/// Reputation types tracked per NPC.
pub const REPUTATION_TYPES: [&str; 3] = ["trust", "fear", "respect"];

/// One NPC's score of one reputation type, on a 0 to 100 scale.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReputationScore {
    pub npc_id: i64,
    pub reputation_type: String,
    pub score: f64,
}

/// Payload of `generate_social_bundle`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BundleJob {
    pub scene_id: i64,
    pub scene_hash: String,
    pub reputation: Vec<ReputationScore>,
}

/// Payload of `generate_gossip`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GossipJob {
    pub scene_id: i64,
    pub scene_hash: String,
    pub subject_npc_id: i64,
    pub reason: String,
}

/// Payload of `narrate_reputation_change`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReputationNarrationJob {
    pub npc_id: i64,
    pub reputation_type: String,
    pub previous: f64,
    pub current: f64,
    pub reason: String,
}

/// Payload of `form_alliance`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AllianceJob {
    pub scene_id: i64,
    pub npc_a: i64,
    pub npc_b: i64,
    pub score: f64,
}
