//! Recovery task: narrates how a conflict recovered from an edge case.

use serde_json::{json, Value};

use super::RecoveryJob;
use crate::cache::keys;
use crate::conflict::tasks::{ask_model, parse_payload, store_in_cache, NARRATOR_PROMPT};
use crate::conflict::TaskContext;
use crate::queue::{TaskError, TaskName};

/// Writes recovery narration to `conflict:{id}:recovery_narrative`.
pub async fn narrate_recovery(ctx: &TaskContext, payload: &Value) -> Result<(), TaskError> {
    let job: RecoveryJob = parse_payload(payload)?;
    let facts = json!({ "conflict_id": job.conflict_id, "case": job.case, "action": job.action });
    let user = format!(
        "Narrate conflict {} recovering from a {} state by {}.",
        job.conflict_id, job.case, job.action
    );
    let text = ask_model(
        ctx,
        TaskName::NarrateRecovery,
        NARRATOR_PROMPT,
        user,
        facts,
        false,
    )
    .await?
    .into_text();
    let key = keys::recovery_narrative(job.conflict_id);
    store_in_cache(
        ctx,
        &key.key,
        json!({ "text": text, "case": job.case, "action": job.action }),
        key.ttl,
    )
    .await?;
    tracing::info!(
        conflict_id = job.conflict_id,
        scene_id = job.scene_id,
        "recovery narrative cached"
    );
    Ok(())
}
