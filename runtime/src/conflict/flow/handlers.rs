//! Conflict-flow handlers: phase transitions and in-conflict events, plus the cached-narration read.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::hotpath::{
    apply_event_math, fallback_transition_text, get_cached_transition_text, is_valid_transition,
    queue_beat_description, should_trigger_beat, FlowEventKind,
};
use super::{BeatJob, TransitionJob};
use crate::cache::keys;
use crate::conflict::events::{check_id, check_range, ConflictState, Phase, ValidationError};
use crate::conflict::handlers::HandlerError;
use crate::conflict::HotContext;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhaseTransition {
    pub scene_id: i64,
    pub conflict_id: i64,
    pub from: Phase,
    pub to: Phase,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConflictEvent {
    pub scene_id: i64,
    pub conflict_id: i64,
    pub state: ConflictState,
    pub kind: FlowEventKind,
    pub magnitude: f64,
}

/// Checks the transition rule and returns the cached prose or a fallback while narration runs.
pub async fn phase_transition(
    ctx: &HotContext,
    event: PhaseTransition,
) -> Result<Value, HandlerError> {
    check_id("scene_id", event.scene_id)?;
    check_id("conflict_id", event.conflict_id)?;
    if !is_valid_transition(event.from, event.to) {
        let message = format!(
            "cannot move from {} to {}",
            event.from.as_str(),
            event.to.as_str()
        );
        return Err(ValidationError::new("to", message).into());
    }
    let job = TransitionJob {
        scene_id: event.scene_id,
        conflict_id: event.conflict_id,
        from: event.from,
        to: event.to,
    };
    let cached = get_cached_transition_text(ctx, &job).await;
    let pending = cached.is_none();
    let text = cached.unwrap_or_else(|| fallback_transition_text(event.to));
    tracing::info!(
        scene_id = event.scene_id,
        conflict_id = event.conflict_id,
        pending,
        "phase transition handled"
    );
    Ok(
        json!({ "conflict_id": event.conflict_id, "phase": event.to, "text": text, "narration_pending": pending }),
    )
}

/// Applies the event math, and dispatches a beat description when a beat triggers.
pub async fn conflict_event(ctx: &HotContext, event: ConflictEvent) -> Result<Value, HandlerError> {
    check_id("scene_id", event.scene_id)?;
    check_id("conflict_id", event.conflict_id)?;
    event.state.validate("state")?;
    check_range("magnitude", event.magnitude, 0.0, 1.0)?;

    let after = apply_event_math(event.state, event.kind, event.magnitude);
    let beat = should_trigger_beat(&event.state, &after);
    let mut dispatched = false;
    if let Some(beat_id) = beat {
        let job = BeatJob {
            scene_id: event.scene_id,
            conflict_id: event.conflict_id,
            beat_id: beat_id.into(),
            state: after,
        };
        dispatched = queue_beat_description(ctx, &job).await;
    }
    tracing::info!(
        scene_id = event.scene_id,
        conflict_id = event.conflict_id,
        beat,
        "conflict event handled"
    );
    Ok(
        json!({ "conflict_id": event.conflict_id, "state": after, "beat": beat, "beat_dispatched": dispatched }),
    )
}

/// Returns every cached narration of a conflict; missing ones are null. Dispatches nothing.
pub async fn conflict_narratives(
    ctx: &HotContext,
    conflict_id: i64,
) -> Result<Value, HandlerError> {
    check_id("conflict_id", conflict_id)?;
    let entries = [
        ("transition", keys::transition_narrative(conflict_id)),
        ("escalation", keys::escalation_narrative(conflict_id)),
        ("recovery", keys::recovery_narrative(conflict_id)),
        ("victory", keys::victory_narrative(conflict_id)),
        ("canon", keys::canon_record(conflict_id)),
        ("canon_references", keys::canon_references(conflict_id)),
    ];
    let mut output = serde_json::Map::new();
    for (name, key) in entries {
        let value = ctx
            .cache
            .get(&key.key)
            .await
            .ok()
            .flatten()
            .unwrap_or(Value::Null);
        output.insert(name.to_string(), value);
    }
    Ok(json!({ "conflict_id": conflict_id, "narratives": output }))
}
