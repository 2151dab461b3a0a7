//! Stakeholder tasks: generate planned actions and reactions, and stakeholder details, with the model.

use serde_json::{json, Value};

use super::{DetailsJob, PlanJob};
use crate::cache::keys;
use crate::conflict::tasks::{ask_model, parse_payload, store_in_cache, NARRATOR_PROMPT};
use crate::conflict::TaskContext;
use crate::queue::{TaskError, TaskName};
use crate::store::NewPlannedAction;

const PLANNER_PROMPT: &str = "You decide what a non-player character does next in a conflict. \
     Answer with a JSON object with the fields action, target and dialogue.";

/// Generates a planned action and stores it; a second run for the same context stores nothing new.
pub async fn generate_stakeholder_action(
    ctx: &TaskContext,
    payload: &Value,
) -> Result<(), TaskError> {
    let job: PlanJob = parse_payload(payload)?;
    plan(ctx, TaskName::GenerateStakeholderAction, job).await
}

/// Generates a reaction to a player choice and stores it; idempotent per choice and stakeholder.
pub async fn generate_stakeholder_reaction(
    ctx: &TaskContext,
    payload: &Value,
) -> Result<(), TaskError> {
    let job: PlanJob = parse_payload(payload)?;
    plan(ctx, TaskName::GenerateStakeholderReaction, job).await
}

async fn plan(ctx: &TaskContext, name: TaskName, job: PlanJob) -> Result<(), TaskError> {
    let facts = json!({
        "stakeholder_id": job.stakeholder_id,
        "conflict_id": job.conflict_id,
        "role": job.role,
        "behavior": job.behavior,
        "choice_id": job.choice_id,
        "intent": job.intent,
    });
    let user = format!(
        "Plan the next {} of stakeholder {}.",
        job.kind.as_str(),
        job.stakeholder_id
    );
    let answer = ask_model(ctx, name, PLANNER_PROMPT, user, facts, true)
        .await?
        .into_json();
    let action = NewPlannedAction {
        stakeholder_id: job.stakeholder_id,
        scene_id: Some(job.scene_id),
        scene_hash: Some(job.scene_hash.clone()),
        conflict_id: Some(job.conflict_id),
        kind: job.kind,
        payload: json!({ "behavior": job.behavior, "plan": answer }),
        priority: job.priority,
        context_hash: job.context_hash.clone(),
        available_at_ms: crate::store::now_ms(),
    };
    let inserted = ctx
        .store
        .insert(action)
        .await
        .map_err(|error| TaskError::Retryable(error.to_string()))?;
    tracing::info!(
        stakeholder_id = job.stakeholder_id,
        conflict_id = job.conflict_id,
        scene_id = job.scene_id,
        planned_action_id = inserted,
        duplicate = inserted.is_none(),
        "planned action stored"
    );
    Ok(())
}

/// Writes a short description of a stakeholder to the cache.
pub async fn populate_stakeholder_details(
    ctx: &TaskContext,
    payload: &Value,
) -> Result<(), TaskError> {
    let job: DetailsJob = parse_payload(payload)?;
    let facts = json!({ "stakeholder_id": job.stakeholder_id, "role": job.role });
    let user = format!(
        "Describe stakeholder {} in two sentences.",
        job.stakeholder_id
    );
    let text = ask_model(
        ctx,
        TaskName::PopulateStakeholderDetails,
        NARRATOR_PROMPT,
        user,
        facts,
        false,
    )
    .await?
    .into_text();
    let key = keys::stakeholder_details(job.stakeholder_id);
    store_in_cache(
        ctx,
        &key.key,
        json!({ "role": job.role, "description": text }),
        key.ttl,
    )
    .await
}
