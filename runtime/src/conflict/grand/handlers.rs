//! Grand-conflict handler: applies the merge rule and dispatches the grand narrative.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::hotpath::{assess_grand_conflict, queue_grand_narration, ConflictSummary};
use super::GrandJob;
use crate::conflict::events::{check_id, check_len, check_range};
use crate::conflict::handlers::HandlerError;
use crate::conflict::HotContext;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GrandConflict {
    pub scene_id: i64,
    pub grand_id: i64,
    pub conflicts: Vec<ConflictSummary>,
}

/// Returns the merge assessment at once; a formed grand conflict gets narrated in the background.
pub async fn grand_conflict(ctx: &HotContext, event: GrandConflict) -> Result<Value, HandlerError> {
    check_id("scene_id", event.scene_id)?;
    check_id("grand_id", event.grand_id)?;
    check_len("conflicts", event.conflicts.len(), 1, 32)?;
    for (index, conflict) in event.conflicts.iter().enumerate() {
        check_id(
            &format!("conflicts[{index}].conflict_id"),
            conflict.conflict_id,
        )?;
        check_range(
            &format!("conflicts[{index}].intensity"),
            conflict.intensity,
            0.0,
            1.0,
        )?;
        check_len(
            &format!("conflicts[{index}].stakeholder_ids"),
            conflict.stakeholder_ids.len(),
            0,
            64,
        )?;
    }
    let assessment = assess_grand_conflict(&event.conflicts);
    let mut dispatched = false;
    if assessment.forms {
        let job = GrandJob {
            scene_id: event.scene_id,
            grand_id: event.grand_id,
            conflict_ids: event
                .conflicts
                .iter()
                .map(|conflict| conflict.conflict_id)
                .collect(),
            shared_stakeholders: assessment.shared_stakeholders.clone(),
            intensity: assessment.intensity,
        };
        dispatched = queue_grand_narration(ctx, &job).await;
    }
    tracing::info!(
        scene_id = event.scene_id,
        grand_id = event.grand_id,
        forms = assessment.forms,
        "grand conflict handled"
    );
    Ok(
        json!({ "grand_id": event.grand_id, "assessment": assessment, "narration_dispatched": dispatched }),
    )
}
