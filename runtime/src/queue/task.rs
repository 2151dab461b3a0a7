//! Task values: a name, a JSON payload and an idempotency key.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Every background task the conflict subsystems define.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskName {
    GenerateStakeholderAction,
    GenerateStakeholderReaction,
    PopulateStakeholderDetails,
    NarratePhaseTransition,
    GenerateBeatDescription,
    GenerateSocialBundle,
    GenerateGossip,
    NarrateReputationChange,
    FormAlliance,
    CanonizeConflict,
    GenerateCanonReferences,
    CheckLoreCompliance,
    UpdateTensionBundleCache,
    GenerateTensionManifestations,
    NarrateEscalation,
    NarrateRecovery,
    NarrateVictory,
    NarrateGrandConflict,
}

impl TaskName {
    /// Returns the snake_case name used in logs, metrics and model requests.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskName::GenerateStakeholderAction => "generate_stakeholder_action",
            TaskName::GenerateStakeholderReaction => "generate_stakeholder_reaction",
            TaskName::PopulateStakeholderDetails => "populate_stakeholder_details",
            TaskName::NarratePhaseTransition => "narrate_phase_transition",
            TaskName::GenerateBeatDescription => "generate_beat_description",
            TaskName::GenerateSocialBundle => "generate_social_bundle",
            TaskName::GenerateGossip => "generate_gossip",
            TaskName::NarrateReputationChange => "narrate_reputation_change",
            TaskName::FormAlliance => "form_alliance",
            TaskName::CanonizeConflict => "canonize_conflict",
            TaskName::GenerateCanonReferences => "generate_canon_references",
            TaskName::CheckLoreCompliance => "check_lore_compliance",
            TaskName::UpdateTensionBundleCache => "update_tension_bundle_cache",
            TaskName::GenerateTensionManifestations => "generate_tension_manifestations",
            TaskName::NarrateEscalation => "narrate_escalation",
            TaskName::NarrateRecovery => "narrate_recovery",
            TaskName::NarrateVictory => "narrate_victory",
            TaskName::NarrateGrandConflict => "narrate_grand_conflict",
        }
    }
}

/// One unit of background work. It carries data only, so any worker process can run it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Task {
    pub name: TaskName,
    pub payload: Value,
    /// Tasks with equal keys do the same work; the queue keeps one of them pending at a time.
    pub idempotency_key: String,
}

impl Task {
    /// Builds a task whose idempotency key is `name:key_suffix`.
    pub fn new(name: TaskName, key_suffix: impl std::fmt::Display, payload: Value) -> Self {
        let idempotency_key = format!("{}:{key_suffix}", name.as_str());
        Self {
            name,
            payload,
            idempotency_key,
        }
    }
}
