//! Grand-conflict task: narrates how several conflicts bind into one.

use serde_json::{json, Value};

use super::GrandJob;
use crate::cache::keys;
use crate::conflict::tasks::{ask_model, parse_payload, store_in_cache, NARRATOR_PROMPT};
use crate::conflict::TaskContext;
use crate::queue::{TaskError, TaskName};

/// Writes the grand narrative to `grand:{id}:narrative`.
pub async fn narrate_grand_conflict(ctx: &TaskContext, payload: &Value) -> Result<(), TaskError> {
    let job: GrandJob = parse_payload(payload)?;
    let facts = json!({ "grand_id": job.grand_id, "conflict_ids": job.conflict_ids, "intensity": job.intensity });
    let user = format!(
        "Narrate conflicts {:?} binding into one grand conflict.",
        job.conflict_ids
    );
    let text = ask_model(
        ctx,
        TaskName::NarrateGrandConflict,
        NARRATOR_PROMPT,
        user,
        facts,
        false,
    )
    .await?
    .into_text();
    let key = keys::grand_narrative(job.grand_id);
    let value = json!({ "text": text, "conflict_ids": job.conflict_ids, "shared_stakeholders": job.shared_stakeholders });
    store_in_cache(ctx, &key.key, value, key.ttl).await?;
    tracing::info!(
        grand_id = job.grand_id,
        scene_id = job.scene_id,
        "grand narrative cached"
    );
    Ok(())
}
