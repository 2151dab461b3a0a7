//! The task registry: maps each task name to its subsystem's task function, and shared task helpers.
//! Only task modules call the model client.

use std::time::Duration;

use async_trait::async_trait;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{canon, flow, grand, recovery, social, stakeholder, tension, victory, TaskContext};
use crate::llm::{ChatRequest, Completion, ModelError};
use crate::queue::{Task, TaskError, TaskName, TaskRunner};

/// Runs tasks by name with the model client, cache and store of its context.
#[derive(Clone)]
pub struct TaskRegistry {
    ctx: TaskContext,
}

impl TaskRegistry {
    pub fn new(ctx: TaskContext) -> Self {
        Self { ctx }
    }

    pub fn context(&self) -> &TaskContext {
        &self.ctx
    }
}

#[async_trait]
impl TaskRunner for TaskRegistry {
    async fn run(&self, task: &Task) -> Result<(), TaskError> {
        let ctx = &self.ctx;
        let payload = &task.payload;
        match task.name {
            TaskName::GenerateStakeholderAction => {
                stakeholder::tasks::generate_stakeholder_action(ctx, payload).await
            }
            TaskName::GenerateStakeholderReaction => {
                stakeholder::tasks::generate_stakeholder_reaction(ctx, payload).await
            }
            TaskName::PopulateStakeholderDetails => {
                stakeholder::tasks::populate_stakeholder_details(ctx, payload).await
            }
            TaskName::NarratePhaseTransition => {
                flow::tasks::narrate_phase_transition(ctx, payload).await
            }
            TaskName::GenerateBeatDescription => {
                flow::tasks::generate_beat_description(ctx, payload).await
            }
            TaskName::GenerateSocialBundle => {
                social::tasks::generate_social_bundle(ctx, payload).await
            }
            TaskName::GenerateGossip => social::tasks::generate_gossip(ctx, payload).await,
            TaskName::NarrateReputationChange => {
                social::tasks::narrate_reputation_change(ctx, payload).await
            }
            TaskName::FormAlliance => social::tasks::form_alliance(ctx, payload).await,
            TaskName::CanonizeConflict => canon::tasks::canonize_conflict(ctx, payload).await,
            TaskName::GenerateCanonReferences => {
                canon::tasks::generate_canon_references(ctx, payload).await
            }
            TaskName::CheckLoreCompliance => {
                canon::tasks::check_lore_compliance(ctx, payload).await
            }
            TaskName::UpdateTensionBundleCache => {
                tension::tasks::update_tension_bundle_cache(ctx, payload).await
            }
            TaskName::GenerateTensionManifestations => {
                tension::tasks::generate_tension_manifestations(ctx, payload).await
            }
            TaskName::NarrateEscalation => tension::tasks::narrate_escalation(ctx, payload).await,
            TaskName::NarrateRecovery => recovery::tasks::narrate_recovery(ctx, payload).await,
            TaskName::NarrateVictory => victory::tasks::narrate_victory(ctx, payload).await,
            TaskName::NarrateGrandConflict => {
                grand::tasks::narrate_grand_conflict(ctx, payload).await
            }
        }
    }
}

/// Decodes a task payload; a payload that does not decode fails permanently.
pub fn parse_payload<T: DeserializeOwned>(payload: &Value) -> Result<T, TaskError> {
    serde_json::from_value(payload.clone())
        .map_err(|error| TaskError::Permanent(format!("invalid payload: {error}")))
}

/// Sends one request to the model client; retryable model errors become retryable task errors.
pub async fn ask_model(
    ctx: &TaskContext,
    task: TaskName,
    system: &str,
    user: String,
    facts: Value,
    json: bool,
) -> Result<Completion, TaskError> {
    let request = ChatRequest {
        task: task.as_str().into(),
        system: system.into(),
        user,
        facts,
        json,
    };
    ctx.model
        .complete(request)
        .await
        .map_err(|error: ModelError| {
            if error.is_retryable() {
                TaskError::Retryable(error.to_string())
            } else {
                TaskError::Permanent(error.to_string())
            }
        })
}

/// Writes a value to the cache; a cache failure is retryable.
pub async fn store_in_cache(
    ctx: &TaskContext,
    key: &str,
    value: Value,
    ttl: Duration,
) -> Result<(), TaskError> {
    ctx.cache
        .set(key, value, ttl)
        .await
        .map_err(|error| TaskError::Retryable(error.to_string()))
}

/// System prompt shared by the narration tasks.
pub const NARRATOR_PROMPT: &str =
    "You narrate a role-playing game's conflicts. Answer in at most three sentences, in the present tense.";
