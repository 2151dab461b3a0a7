//! Edge-case handler: repairs the state by rules and dispatches recovery narration.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::hotpath::{queue_recovery_narration, recover, EdgeCaseKind};
use super::RecoveryJob;
use crate::conflict::events::{check_id, ConflictState, ValidationError};
use crate::conflict::handlers::HandlerError;
use crate::conflict::HotContext;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EdgeCase {
    pub scene_id: i64,
    pub conflict_id: i64,
    pub case: EdgeCaseKind,
    pub state: ConflictState,
    #[serde(default)]
    pub idle_turns: u32,
    #[serde(default)]
    pub active_stakeholders: u32,
}

/// Returns the repaired state at once; a repair that changed something gets narrated in the background.
pub async fn edge_case(ctx: &HotContext, event: EdgeCase) -> Result<Value, HandlerError> {
    check_id("scene_id", event.scene_id)?;
    check_id("conflict_id", event.conflict_id)?;
    event.state.validate("state")?;
    if event.idle_turns > 10_000 {
        return Err(ValidationError::new("idle_turns", "must be at most 10000").into());
    }
    let recovery = recover(
        event.case,
        event.state,
        event.idle_turns,
        event.active_stakeholders,
    );
    let mut dispatched = false;
    if recovery.action != "none" {
        let job = RecoveryJob {
            scene_id: event.scene_id,
            conflict_id: event.conflict_id,
            case: event.case.as_str().into(),
            action: recovery.action.into(),
        };
        dispatched = queue_recovery_narration(ctx, &job).await;
    }
    tracing::info!(
        scene_id = event.scene_id,
        conflict_id = event.conflict_id,
        action = recovery.action,
        "edge case handled"
    );
    Ok(
        json!({ "conflict_id": event.conflict_id, "recovery": recovery, "narration_dispatched": dispatched }),
    )
}
