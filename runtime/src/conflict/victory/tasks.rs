//! Victory task: narrates the end of a won conflict.

use serde_json::{json, Value};

use super::VictoryJob;
use crate::cache::keys;
use crate::conflict::tasks::{ask_model, parse_payload, store_in_cache, NARRATOR_PROMPT};
use crate::conflict::TaskContext;
use crate::queue::{TaskError, TaskName};

/// Writes victory narration to `conflict:{id}:victory_narrative`.
pub async fn narrate_victory(ctx: &TaskContext, payload: &Value) -> Result<(), TaskError> {
    let job: VictoryJob = parse_payload(payload)?;
    let facts =
        json!({ "conflict_id": job.conflict_id, "winner_id": job.winner_id, "margin": job.margin });
    let user = format!(
        "Narrate stakeholder {} winning conflict {}.",
        job.winner_id, job.conflict_id
    );
    let text = ask_model(
        ctx,
        TaskName::NarrateVictory,
        NARRATOR_PROMPT,
        user,
        facts,
        false,
    )
    .await?
    .into_text();
    let key = keys::victory_narrative(job.conflict_id);
    store_in_cache(
        ctx,
        &key.key,
        json!({ "text": text, "winner_id": job.winner_id }),
        key.ttl,
    )
    .await?;
    tracing::info!(
        conflict_id = job.conflict_id,
        stakeholder_id = job.winner_id,
        "victory narrative cached"
    );
    Ok(())
}
