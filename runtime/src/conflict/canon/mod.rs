//! Conflict canon: rule-based lore compliance, canonization of resolved conflicts, canon references.

pub mod handlers;
pub mod hotpath;
pub mod tasks;

use serde::{Deserialize, Serialize};

/// Payload of `canonize_conflict` and `generate_canon_references`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CanonJob {
    pub scene_id: i64,
    pub conflict_id: i64,
    pub category: String,
    pub claim: String,
    pub significance: f64,
}

/// Payload of `check_lore_compliance`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoreCheckJob {
    pub category: String,
    pub claim: String,
    pub claim_hash: String,
}
