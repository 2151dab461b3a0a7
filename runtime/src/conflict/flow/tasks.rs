//! Conflict-flow tasks: narrate phase transitions and describe dramatic beats with the model.

use serde_json::{json, Value};

use super::{BeatJob, TransitionJob};
use crate::cache::keys;
use crate::conflict::tasks::{ask_model, parse_payload, store_in_cache, NARRATOR_PROMPT};
use crate::conflict::TaskContext;
use crate::queue::{TaskError, TaskName};

/// Writes the prose of a phase transition to `conflict:{id}:transition_narrative`.
pub async fn narrate_phase_transition(ctx: &TaskContext, payload: &Value) -> Result<(), TaskError> {
    let job: TransitionJob = parse_payload(payload)?;
    let facts =
        json!({ "conflict_id": job.conflict_id, "from_phase": job.from, "to_phase": job.to });
    let user = format!(
        "Narrate conflict {} moving to its {} phase.",
        job.conflict_id,
        job.to.as_str()
    );
    let text = ask_model(
        ctx,
        TaskName::NarratePhaseTransition,
        NARRATOR_PROMPT,
        user,
        facts,
        false,
    )
    .await?
    .into_text();
    let key = keys::transition_narrative(job.conflict_id);
    let value = json!({ "text": text, "from": job.from, "to": job.to });
    store_in_cache(ctx, &key.key, value, key.ttl).await?;
    tracing::info!(
        conflict_id = job.conflict_id,
        scene_id = job.scene_id,
        "transition narrative cached"
    );
    Ok(())
}

/// Writes a beat description to `conflict:{id}:beat:{beat_id}`.
pub async fn generate_beat_description(
    ctx: &TaskContext,
    payload: &Value,
) -> Result<(), TaskError> {
    let job: BeatJob = parse_payload(payload)?;
    let facts = json!({ "conflict_id": job.conflict_id, "beat_id": job.beat_id, "intensity": job.state.intensity });
    let user = format!(
        "Describe the {} beat of conflict {}.",
        job.beat_id, job.conflict_id
    );
    let text = ask_model(
        ctx,
        TaskName::GenerateBeatDescription,
        NARRATOR_PROMPT,
        user,
        facts,
        false,
    )
    .await?
    .into_text();
    let key = keys::beat(job.conflict_id, &job.beat_id);
    store_in_cache(
        ctx,
        &key.key,
        json!({ "text": text, "beat_id": job.beat_id }),
        key.ttl,
    )
    .await?;
    tracing::info!(conflict_id = job.conflict_id, beat_id = %job.beat_id, "beat description cached");
    Ok(())
}
