//! Tension handlers: tension updates and the scene's tension read.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::hotpath::{
    calculate_tension_score, get_tension_bundle, is_escalation, queue_bundle_refresh,
    queue_escalation_narration, queue_manifestation_generation, tension_band, TensionBand,
};
use super::{EscalationJob, TensionFactors, TensionJob};
use crate::conflict::events::{check_id, check_range, ValidationError};
use crate::conflict::handlers::HandlerError;
use crate::conflict::hotpath::scene_hash;
use crate::conflict::HotContext;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TensionUpdate {
    pub scene_id: i64,
    pub conflict_id: i64,
    pub factors: TensionFactors,
    #[serde(default)]
    pub previous_score: f64,
}

fn validate_factors(factors: &TensionFactors) -> Result<(), ValidationError> {
    check_range("factors.hostility", factors.hostility, 0.0, 1.0)?;
    check_range("factors.stakes", factors.stakes, 0.0, 1.0)?;
    check_range("factors.proximity", factors.proximity, 0.0, 1.0)?;
    check_range("factors.secrets", factors.secrets, 0.0, 1.0)?;
    check_range("factors.time_pressure", factors.time_pressure, 0.0, 1.0)
}

/// Scores the scene by rules, refreshes its bundle, and dispatches manifestations from `tense` up
/// and escalation narration when the band rises.
pub async fn tension_update(ctx: &HotContext, event: TensionUpdate) -> Result<Value, HandlerError> {
    check_id("scene_id", event.scene_id)?;
    check_id("conflict_id", event.conflict_id)?;
    validate_factors(&event.factors)?;
    check_range("previous_score", event.previous_score, 0.0, 1.0)?;

    let score = calculate_tension_score(&event.factors);
    let band = tension_band(score);
    let job = TensionJob {
        scene_id: event.scene_id,
        scene_hash: scene_hash(event.scene_id),
        factors: event.factors,
    };
    let refresh_dispatched = queue_bundle_refresh(ctx, &job).await;
    let mut manifestations_dispatched = false;
    if band >= TensionBand::Tense {
        manifestations_dispatched = queue_manifestation_generation(ctx, &job).await;
    }
    let escalated = is_escalation(event.previous_score, score);
    let mut escalation_dispatched = false;
    if escalated {
        let escalation = EscalationJob {
            scene_id: event.scene_id,
            conflict_id: event.conflict_id,
            score,
            band: band.as_str().into(),
        };
        escalation_dispatched = queue_escalation_narration(ctx, &escalation).await;
    }
    tracing::info!(
        scene_id = event.scene_id,
        conflict_id = event.conflict_id,
        score,
        escalated,
        "tension update handled"
    );
    Ok(json!({
        "score": score,
        "band": band,
        "escalated": escalated,
        "refresh_dispatched": refresh_dispatched,
        "manifestations_dispatched": manifestations_dispatched,
        "escalation_dispatched": escalation_dispatched,
    }))
}

/// Returns the scene's tension bundle from the cache, or a rule-based fallback while it is generated.
pub async fn scene_tension(
    ctx: &HotContext,
    scene_id: i64,
    factors: TensionFactors,
) -> Result<Value, HandlerError> {
    check_id("scene_id", scene_id)?;
    validate_factors(&factors)?;
    Ok(get_tension_bundle(ctx, scene_id, factors).await)
}
