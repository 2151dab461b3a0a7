//! Canon tasks: canonize conflicts, write canon references, run the full semantic lore check.

use serde_json::{json, Value};

use super::{CanonJob, LoreCheckJob};
use crate::cache::keys;
use crate::conflict::tasks::{ask_model, parse_payload, store_in_cache, NARRATOR_PROMPT};
use crate::conflict::TaskContext;
use crate::queue::{TaskError, TaskName};

const REFERENCES_PROMPT: &str = "You keep the chronicle of a role-playing game's world. \
     Answer with a JSON object whose field references is a list of short sentences.";
const LORE_PROMPT: &str = "You check claims against a role-playing game's lore. \
     Answer with a JSON object with the fields compliant (boolean) and issues (list of strings).";

/// Writes the canon record of a conflict to `canon:conflict:{id}`.
pub async fn canonize_conflict(ctx: &TaskContext, payload: &Value) -> Result<(), TaskError> {
    let job: CanonJob = parse_payload(payload)?;
    let facts =
        json!({ "conflict_id": job.conflict_id, "summary": job.claim, "category": job.category });
    let user = format!(
        "Write the chronicle entry for conflict {}: {}",
        job.conflict_id, job.claim
    );
    let text = ask_model(
        ctx,
        TaskName::CanonizeConflict,
        NARRATOR_PROMPT,
        user,
        facts,
        false,
    )
    .await?
    .into_text();
    let key = keys::canon_record(job.conflict_id);
    let record = json!({ "conflict_id": job.conflict_id, "category": job.category, "significance": job.significance, "text": text });
    store_in_cache(ctx, &key.key, record, key.ttl).await?;
    tracing::info!(
        conflict_id = job.conflict_id,
        scene_id = job.scene_id,
        "canon record cached"
    );
    Ok(())
}

/// Writes the canon references of a conflict to `canon:references:{id}`.
pub async fn generate_canon_references(
    ctx: &TaskContext,
    payload: &Value,
) -> Result<(), TaskError> {
    let job: CanonJob = parse_payload(payload)?;
    let facts = json!({ "conflict_id": job.conflict_id, "category": job.category });
    let user = format!(
        "List how later stories refer to conflict {}.",
        job.conflict_id
    );
    let answer = ask_model(
        ctx,
        TaskName::GenerateCanonReferences,
        REFERENCES_PROMPT,
        user,
        facts,
        true,
    )
    .await?
    .into_json();
    let references = match answer.get("references") {
        Some(Value::Array(items)) => Value::Array(items.clone()),
        _ => json!([]),
    };
    let key = keys::canon_references(job.conflict_id);
    store_in_cache(ctx, &key.key, references, key.ttl).await?;
    tracing::info!(conflict_id = job.conflict_id, "canon references cached");
    Ok(())
}

/// Replaces the 60-second pending marker `lore_check:{category}:{hash}` with the model's verdict,
/// kept 60 minutes.
pub async fn check_lore_compliance(ctx: &TaskContext, payload: &Value) -> Result<(), TaskError> {
    let job: LoreCheckJob = parse_payload(payload)?;
    let facts = json!({ "category": job.category, "claim": job.claim });
    let user = format!(
        "Does this {} claim fit the lore? {}",
        job.category, job.claim
    );
    let answer = ask_model(
        ctx,
        TaskName::CheckLoreCompliance,
        LORE_PROMPT,
        user,
        facts,
        true,
    )
    .await?
    .into_json();
    let Some(compliant) = answer.get("compliant").and_then(Value::as_bool) else {
        return Err(TaskError::Retryable(
            "model response has no boolean field compliant".into(),
        ));
    };
    let issues = answer.get("issues").cloned().unwrap_or_else(|| json!([]));
    let key = keys::lore_check_result(&job.category, &job.claim_hash);
    let result = json!({ "status": "checked", "compliant": compliant, "issues": issues });
    store_in_cache(ctx, &key.key, result, key.ttl).await?;
    tracing::info!(category = %job.category, claim_hash = %job.claim_hash, compliant, "lore check cached");
    Ok(())
}
