//! Tension tasks: the scene's tension bundle, its manifestations and escalation narration, with the model.

use serde_json::{json, Value};

use super::hotpath::{calculate_tension_score, tension_band};
use super::{EscalationJob, TensionJob};
use crate::cache::keys;
use crate::conflict::tasks::{ask_model, parse_payload, store_in_cache, NARRATOR_PROMPT};
use crate::conflict::TaskContext;
use crate::queue::{TaskError, TaskName};

const MANIFESTATION_PROMPT: &str =
    "You describe how tension shows in a role-playing game's scene. \
     Answer with a JSON object whose field manifestations is a list of short sentences.";

async fn manifestations(
    ctx: &TaskContext,
    name: TaskName,
    job: &TensionJob,
    score: f64,
) -> Result<Value, TaskError> {
    let band = tension_band(score);
    let facts = json!({ "scene_hash": job.scene_hash, "level": band.as_str(), "score": score });
    let user = format!(
        "Describe how {} tension shows in scene {}.",
        band.as_str(),
        job.scene_id
    );
    let answer = ask_model(ctx, name, MANIFESTATION_PROMPT, user, facts, true)
        .await?
        .into_json();
    Ok(match answer.get("manifestations") {
        Some(Value::Array(items)) => Value::Array(items.clone()),
        _ => json!([]),
    })
}

async fn write_bundle(
    ctx: &TaskContext,
    job: &TensionJob,
    score: f64,
    manifestations: Value,
) -> Result<(), TaskError> {
    let key = keys::tension_bundle(&job.scene_hash);
    let bundle = json!({
        "scene_hash": job.scene_hash,
        "score": score,
        "band": tension_band(score),
        "manifestations": manifestations,
        "source": "cache",
    });
    store_in_cache(ctx, &key.key, bundle, key.ttl).await
}

/// Writes `tension_bundle:{scene_hash}` with the rule-based score and the model's manifestations.
pub async fn update_tension_bundle_cache(
    ctx: &TaskContext,
    payload: &Value,
) -> Result<(), TaskError> {
    let job: TensionJob = parse_payload(payload)?;
    let score = calculate_tension_score(&job.factors);
    let items = manifestations(ctx, TaskName::UpdateTensionBundleCache, &job, score).await?;
    write_bundle(ctx, &job, score, items).await?;
    tracing::info!(scene_id = job.scene_id, score, "tension bundle cached");
    Ok(())
}

/// Regenerates the manifestations of the scene's bundle for its current score.
pub async fn generate_tension_manifestations(
    ctx: &TaskContext,
    payload: &Value,
) -> Result<(), TaskError> {
    let job: TensionJob = parse_payload(payload)?;
    let score = calculate_tension_score(&job.factors);
    let items = manifestations(ctx, TaskName::GenerateTensionManifestations, &job, score).await?;
    write_bundle(ctx, &job, score, items).await?;
    tracing::info!(
        scene_id = job.scene_id,
        score,
        "tension manifestations cached"
    );
    Ok(())
}

/// Writes escalation narration to `conflict:{id}:escalation_narrative`.
pub async fn narrate_escalation(ctx: &TaskContext, payload: &Value) -> Result<(), TaskError> {
    let job: EscalationJob = parse_payload(payload)?;
    let facts =
        json!({ "conflict_id": job.conflict_id, "intensity": job.band, "score": job.score });
    let user = format!(
        "Narrate conflict {} escalating to {} tension.",
        job.conflict_id, job.band
    );
    let text = ask_model(
        ctx,
        TaskName::NarrateEscalation,
        NARRATOR_PROMPT,
        user,
        facts,
        false,
    )
    .await?
    .into_text();
    let key = keys::escalation_narrative(job.conflict_id);
    store_in_cache(
        ctx,
        &key.key,
        json!({ "text": text, "band": job.band, "score": job.score }),
        key.ttl,
    )
    .await?;
    tracing::info!(
        conflict_id = job.conflict_id,
        scene_id = job.scene_id,
        "escalation narrative cached"
    );
    Ok(())
}
