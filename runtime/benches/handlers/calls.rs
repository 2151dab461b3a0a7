//! The benchmarked calls: one generator per handler, the split call and the blocking variant.

use std::sync::Arc;

use runtime::conflict::events::GameEvent;
use runtime::conflict::handlers::{handle_event, HandlerError};
use runtime::conflict::tension::TensionFactors;
use runtime::conflict::{social, tension, HotContext};
use runtime::llm::{ChatRequest, ModelClient};
use serde_json::{json, Value};

/// One request to a handler.
#[derive(Clone)]
pub enum Call {
    Event(Box<GameEvent>),
    Bundle(i64),
    Tension(i64),
    Gossip(i64),
}

/// Handler names in table order.
pub const HANDLERS: [&str; 16] = [
    "conflict_updated",
    "player_choice",
    "state_sync",
    "direct_action_request",
    "phase_transition",
    "conflict_event",
    "reputation_change",
    "alliance_proposal",
    "canon_candidate",
    "tension_update",
    "edge_case",
    "victory_check",
    "grand_conflict",
    "get_scene_bundle",
    "get_tension_bundle",
    "get_gossip",
];

fn stakeholders(i: usize) -> Value {
    let base = (i % 200) as i64 * 3 + 1;
    json!([
        { "id": base, "role": "captain", "stress": 0.4, "aggression": 0.9 },
        { "id": base + 1, "role": "merchant", "stress": 0.8 },
        { "id": base + 2, "role": "priest", "loyalty": 0.9 }
    ])
}

fn event_body(handler: &str, i: usize) -> Value {
    let scene = (i % 50) as i64 + 1;
    let conflict = (i % 20) as i64 + 1;
    let intensity = (i % 10) as f64 / 10.0;
    match handler {
        "conflict_updated" => {
            json!({ "type": "conflict_updated", "scene_id": scene, "conflict_id": conflict, "phase": "active", "intensity": intensity, "stakeholders": stakeholders(i) })
        }
        "player_choice" => {
            json!({ "type": "player_choice", "scene_id": scene, "conflict_id": conflict, "choice_id": format!("choice-{}", i % 100), "affected": stakeholders(i), "intensity": intensity })
        }
        "state_sync" => {
            json!({ "type": "state_sync", "scene_id": scene, "intensity": intensity, "stakeholders": stakeholders(i) })
        }
        "direct_action_request" => {
            json!({ "type": "direct_action_request", "scene_id": scene, "conflict_id": conflict, "stakeholder": { "id": (i % 300) as i64 + 1 }, "intent": format!("intent {}", i % 50) })
        }
        "phase_transition" => {
            json!({ "type": "phase_transition", "scene_id": scene, "conflict_id": conflict, "from": "active", "to": "climax" })
        }
        "conflict_event" => {
            json!({ "type": "conflict_event", "scene_id": scene, "conflict_id": conflict, "state": { "intensity": intensity, "momentum": 0.0, "player_progress": 0.4 }, "kind": "escalation", "magnitude": 0.8 })
        }
        "reputation_change" => {
            json!({ "type": "reputation_change", "scene_id": scene, "npc_id": (i % 100) as i64 + 1, "reputation_type": "trust", "delta": 12.0, "reason": "a public favour" })
        }
        "alliance_proposal" => {
            json!({ "type": "alliance_proposal", "scene_id": scene, "npc_a": (i % 100) as i64 + 1, "npc_b": (i % 100) as i64 + 2, "affinity": 0.8 })
        }
        "canon_candidate" => {
            json!({ "type": "canon_candidate", "scene_id": scene, "conflict_id": conflict, "category": "history", "claim": format!("The siege of the ford lasted {} days.", i % 40 + 1), "significance": 0.8, "resolved": true })
        }
        "tension_update" => {
            json!({ "type": "tension_update", "scene_id": scene, "conflict_id": conflict, "factors": { "hostility": intensity, "stakes": 0.7, "proximity": 0.5 }, "previous_score": 0.3 })
        }
        "edge_case" => {
            json!({ "type": "edge_case", "scene_id": scene, "conflict_id": conflict, "case": "stalled", "state": { "intensity": 0.5 }, "idle_turns": 4 })
        }
        "victory_check" => {
            json!({ "type": "victory_check", "scene_id": scene, "conflict_id": conflict, "contenders": [{ "stakeholder_id": 1, "progress": 0.95 }, { "stakeholder_id": 2, "progress": 0.5 }] })
        }
        _ => {
            json!({ "type": "grand_conflict", "scene_id": scene, "grand_id": conflict, "conflicts": [{ "conflict_id": conflict, "intensity": 0.6, "stakeholder_ids": [1, 2] }, { "conflict_id": conflict + 100, "intensity": 0.3, "stakeholder_ids": [2, 3] }] })
        }
    }
}

/// Builds the `i`th call of a handler; ids cycle so caches and locks see repeats as in a game.
pub fn make_call(handler: &str, i: usize) -> Call {
    let scene = (i % 50) as i64 + 1;
    match handler {
        "get_scene_bundle" => Call::Bundle(scene),
        "get_tension_bundle" => Call::Tension(scene),
        "get_gossip" => Call::Gossip(scene),
        _ => match serde_json::from_value(event_body(handler, i)) {
            Ok(event) => Call::Event(Box::new(event)),
            Err(error) => panic!("benchmark event for {handler} does not decode: {error}"),
        },
    }
}

/// Returns the HTTP method body and path of a call.
pub fn http_request(call: &Call) -> (Option<Value>, String) {
    match call {
        Call::Event(event) => (Some(json!(event)), "/v1/events".into()),
        Call::Bundle(scene) => (None, format!("/v1/scenes/{scene}/bundle?npcs=1,2,3")),
        Call::Tension(scene) => (None, format!("/v1/scenes/{scene}/tension?hostility=0.5")),
        Call::Gossip(scene) => (None, format!("/v1/scenes/{scene}/gossip")),
    }
}

/// Runs a call on the split hot path.
pub async fn run_split(ctx: &HotContext, call: Call) -> Result<Value, HandlerError> {
    match call {
        Call::Event(event) => handle_event(ctx, *event).await,
        Call::Bundle(scene) => social::handlers::scene_bundle(ctx, scene, &[1, 2, 3]).await,
        Call::Tension(scene) => {
            let factors = TensionFactors {
                hostility: 0.5,
                ..TensionFactors::default()
            };
            tension::handlers::scene_tension(ctx, scene, factors).await
        }
        Call::Gossip(scene) => social::handlers::scene_gossip(ctx, scene).await,
    }
}

/// The deliberately blocking variant: the same handler, then an awaited model call, as the
/// handlers did before the split. Lives in the benchmark only.
pub async fn run_blocking(
    ctx: &HotContext,
    model: &Arc<dyn ModelClient>,
    call: Call,
) -> Result<Value, String> {
    let mut value = run_split(ctx, call)
        .await
        .map_err(|error| error.to_string())?;
    let request = ChatRequest {
        task: "blocking_handler".into(),
        system: "You narrate a game.".into(),
        user: "Narrate this event.".into(),
        facts: value.clone(),
        json: false,
    };
    let text = model
        .complete(request)
        .await
        .map_err(|error| error.to_string())?
        .into_text();
    if let Value::Object(map) = &mut value {
        map.insert("narration".into(), Value::String(text));
    }
    Ok(value)
}
