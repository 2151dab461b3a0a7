//! Victory handler: decides a winner by rules and dispatches victory narration.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::hotpath::{evaluate_victory, queue_victory_narration, Contender};
use super::VictoryJob;
use crate::conflict::events::{check_id, check_len, check_range};
use crate::conflict::handlers::HandlerError;
use crate::conflict::HotContext;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VictoryCheck {
    pub scene_id: i64,
    pub conflict_id: i64,
    pub contenders: Vec<Contender>,
    #[serde(default = "default_threshold")]
    pub threshold: f64,
}

fn default_threshold() -> f64 {
    0.9
}

/// Returns the winner, if any, at once; a victory gets narrated in the background.
pub async fn victory_check(ctx: &HotContext, event: VictoryCheck) -> Result<Value, HandlerError> {
    check_id("scene_id", event.scene_id)?;
    check_id("conflict_id", event.conflict_id)?;
    check_len("contenders", event.contenders.len(), 1, 64)?;
    check_range("threshold", event.threshold, 0.0, 1.0)?;
    for (index, contender) in event.contenders.iter().enumerate() {
        check_id(
            &format!("contenders[{index}].stakeholder_id"),
            contender.stakeholder_id,
        )?;
        check_range(
            &format!("contenders[{index}].progress"),
            contender.progress,
            0.0,
            1.0,
        )?;
    }
    let victory = evaluate_victory(&event.contenders, event.threshold);
    let mut dispatched = false;
    if let Some(victory) = victory {
        let job = VictoryJob {
            scene_id: event.scene_id,
            conflict_id: event.conflict_id,
            winner_id: victory.winner_id,
            margin: victory.margin,
        };
        dispatched = queue_victory_narration(ctx, &job).await;
    }
    tracing::info!(
        scene_id = event.scene_id,
        conflict_id = event.conflict_id,
        winner_id = victory.map(|v| v.winner_id),
        "victory check handled"
    );
    Ok(
        json!({ "conflict_id": event.conflict_id, "victory": victory, "narration_dispatched": dispatched }),
    )
}
