//! Canon handler: checks a claim by rules and dispatches the full check and canonization.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::hotpath::{
    get_cached_canon_record, lore_compliance_fast, queue_canonization, queue_lore_check,
    should_canonize,
};
use super::CanonJob;
use crate::conflict::events::{check_id, check_range, check_text};
use crate::conflict::handlers::HandlerError;
use crate::conflict::HotContext;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CanonCandidate {
    pub scene_id: i64,
    pub conflict_id: i64,
    pub category: String,
    pub claim: String,
    pub significance: f64,
    #[serde(default)]
    pub resolved: bool,
}

/// Returns the rule-based lore verdict; compliant claims get a full check and, when the
/// canonization rule holds, a canonization task.
pub async fn canon_candidate(
    ctx: &HotContext,
    event: CanonCandidate,
) -> Result<Value, HandlerError> {
    check_id("scene_id", event.scene_id)?;
    check_id("conflict_id", event.conflict_id)?;
    check_range("significance", event.significance, 0.0, 1.0)?;
    check_text("category", &event.category, 64)?;
    check_text("claim", &event.claim, 4000)?;

    let verdict = lore_compliance_fast(&event.category, &event.claim);
    let mut full_check = Value::Null;
    let mut canonization_dispatched = false;
    if verdict.compliant {
        full_check = queue_lore_check(ctx, &event.category, &event.claim).await;
        if should_canonize(event.resolved, event.significance, &verdict) {
            let job = CanonJob {
                scene_id: event.scene_id,
                conflict_id: event.conflict_id,
                category: event.category.clone(),
                claim: event.claim.clone(),
                significance: event.significance,
            };
            canonization_dispatched = queue_canonization(ctx, &job).await;
        }
    }
    let canon_record = get_cached_canon_record(ctx, event.conflict_id).await;
    tracing::info!(
        scene_id = event.scene_id,
        conflict_id = event.conflict_id,
        compliant = verdict.compliant,
        canonization_dispatched,
        "canon candidate handled"
    );
    Ok(json!({
        "conflict_id": event.conflict_id,
        "verdict": verdict,
        "full_check": full_check,
        "canonization_dispatched": canonization_dispatched,
        "canon_record": canon_record,
    }))
}
