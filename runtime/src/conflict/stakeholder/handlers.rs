//! Stakeholder event handlers: conflict updated, player choice, state sync, direct action request.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::hotpath::{
    determine_scene_behavior, dispatch_action_generation, dispatch_reaction_generation,
    ensure_stakeholder_details, fetch_ready_actions_for_scene, plan_context_hash, plan_priority,
    should_dispatch_action_generation, Behavior,
};
use super::PlanJob;
use crate::conflict::events::{
    check_id, check_range, check_text, validate_stakeholders, Phase, StakeholderState,
};
use crate::conflict::handlers::HandlerError;
use crate::conflict::hotpath::scene_hash;
use crate::conflict::HotContext;
use crate::store::ActionKind;

/// Most planned actions one state sync returns.
const STATE_SYNC_LIMIT: u32 = 32;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConflictUpdated {
    pub scene_id: i64,
    pub conflict_id: i64,
    pub phase: Phase,
    pub intensity: f64,
    pub stakeholders: Vec<StakeholderState>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlayerChoice {
    pub scene_id: i64,
    pub conflict_id: i64,
    pub choice_id: String,
    pub affected: Vec<StakeholderState>,
    #[serde(default)]
    pub intensity: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StateSync {
    pub scene_id: i64,
    #[serde(default)]
    pub intensity: f64,
    #[serde(default)]
    pub stakeholders: Vec<StakeholderState>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DirectActionRequest {
    pub scene_id: i64,
    pub conflict_id: i64,
    pub stakeholder: StakeholderState,
    pub intent: String,
    #[serde(default)]
    pub intensity: f64,
}

#[derive(Debug, Serialize)]
struct StakeholderDecision {
    stakeholder_id: i64,
    behavior: Behavior,
    dispatched: bool,
}

fn plan_job(
    scene_id: i64,
    conflict_id: i64,
    stakeholder: &StakeholderState,
    kind: ActionKind,
    behavior: Behavior,
    context: &[&str],
) -> PlanJob {
    PlanJob {
        stakeholder_id: stakeholder.id,
        scene_id,
        scene_hash: scene_hash(scene_id),
        conflict_id,
        kind,
        behavior: behavior.as_str().into(),
        role: stakeholder.role.clone(),
        choice_id: None,
        intent: None,
        priority: plan_priority(behavior),
        // The scene is part of the context: the same conflict state in another
        // scene needs a plan of its own.
        context_hash: plan_context_hash(&[&[scene_id.to_string().as_str()][..], context].concat()),
    }
}

/// Dispatches action generation for every stakeholder the rule selects; returns at once.
pub async fn conflict_updated(
    ctx: &HotContext,
    event: ConflictUpdated,
) -> Result<Value, HandlerError> {
    check_id("scene_id", event.scene_id)?;
    check_id("conflict_id", event.conflict_id)?;
    check_range("intensity", event.intensity, 0.0, 1.0)?;
    validate_stakeholders("stakeholders", &event.stakeholders)?;

    let intensity_bucket = format!("{:.1}", event.intensity);
    let ids: Vec<i64> = event
        .stakeholders
        .iter()
        .map(|stakeholder| stakeholder.id)
        .collect();
    // Without the counts every stakeholder counts as having no plan; the queue drops repeated tasks.
    let ready_plans = match ctx.store.count_ready(event.conflict_id, &ids).await {
        Ok(counts) => counts,
        Err(error) => {
            tracing::error!(
                scene_id = event.scene_id,
                conflict_id = event.conflict_id,
                stakeholder_ids = ?ids,
                %error,
                "cannot count ready plans; treating every stakeholder as having none"
            );
            HashMap::new()
        }
    };
    let mut decisions = Vec::with_capacity(event.stakeholders.len());
    for stakeholder in &event.stakeholders {
        ensure_stakeholder_details(ctx, stakeholder).await;
        let behavior = determine_scene_behavior(stakeholder, event.intensity);
        let ready = ready_plans.get(&stakeholder.id).copied().unwrap_or(0);
        let mut dispatched = false;
        if should_dispatch_action_generation(stakeholder, event.intensity, ready) {
            let context = [
                "action",
                &event.conflict_id.to_string(),
                event.phase.as_str(),
                &intensity_bucket,
                behavior.as_str(),
            ];
            let job = plan_job(
                event.scene_id,
                event.conflict_id,
                stakeholder,
                ActionKind::Action,
                behavior,
                &context,
            );
            dispatched = dispatch_action_generation(ctx, &job).await;
        }
        decisions.push(StakeholderDecision {
            stakeholder_id: stakeholder.id,
            behavior,
            dispatched,
        });
    }
    tracing::info!(
        scene_id = event.scene_id,
        conflict_id = event.conflict_id,
        "conflict updated handled"
    );
    Ok(
        json!({ "scene_id": event.scene_id, "conflict_id": event.conflict_id, "stakeholders": decisions }),
    )
}

/// Dispatches reaction generation for every affected stakeholder; returns at once.
pub async fn player_choice(ctx: &HotContext, event: PlayerChoice) -> Result<Value, HandlerError> {
    check_id("scene_id", event.scene_id)?;
    check_id("conflict_id", event.conflict_id)?;
    check_text("choice_id", &event.choice_id, 128)?;
    check_range("intensity", event.intensity, 0.0, 1.0)?;
    validate_stakeholders("affected", &event.affected)?;

    let mut decisions = Vec::with_capacity(event.affected.len());
    for stakeholder in &event.affected {
        let behavior = determine_scene_behavior(stakeholder, event.intensity);
        let context = ["reaction", &event.conflict_id.to_string(), &event.choice_id];
        let mut job = plan_job(
            event.scene_id,
            event.conflict_id,
            stakeholder,
            ActionKind::Reaction,
            behavior,
            &context,
        );
        job.choice_id = Some(event.choice_id.clone());
        job.priority += 1;
        let dispatched = stakeholder.active && dispatch_reaction_generation(ctx, &job).await;
        decisions.push(StakeholderDecision {
            stakeholder_id: stakeholder.id,
            behavior,
            dispatched,
        });
    }
    tracing::info!(scene_id = event.scene_id, conflict_id = event.conflict_id, choice_id = %event.choice_id, "player choice handled");
    Ok(
        json!({ "scene_id": event.scene_id, "choice_id": event.choice_id, "stakeholders": decisions }),
    )
}

/// Returns the ready planned actions of the scene, marked consumed, plus behaviour hints. No model call.
pub async fn state_sync(ctx: &HotContext, event: StateSync) -> Result<Value, HandlerError> {
    check_id("scene_id", event.scene_id)?;
    check_range("intensity", event.intensity, 0.0, 1.0)?;
    if !event.stakeholders.is_empty() {
        validate_stakeholders("stakeholders", &event.stakeholders)?;
    }
    let hash = scene_hash(event.scene_id);
    // A failed claim consumed nothing, so the plans stay ready for the next sync.
    let (actions, degraded) = match fetch_ready_actions_for_scene(ctx, &hash, STATE_SYNC_LIMIT)
        .await
    {
        Ok(actions) => (actions, false),
        Err(error) => {
            tracing::error!(scene_id = event.scene_id, scene_hash = %hash, %error, "cannot claim planned actions; returning none");
            (Vec::new(), true)
        }
    };
    let hints: Vec<Value> = event
        .stakeholders
        .iter()
        .map(|stakeholder| {
            json!({
                "stakeholder_id": stakeholder.id,
                "behavior": determine_scene_behavior(stakeholder, event.intensity),
            })
        })
        .collect();
    tracing::info!(
        scene_id = event.scene_id,
        actions = actions.len(),
        "state sync handled"
    );
    Ok(json!({
        "scene_id": event.scene_id,
        "scene_hash": hash,
        "planned_actions": actions,
        "behavior_hints": hints,
        "degraded": degraded,
    }))
}

/// Dispatches a decision for the requested stakeholder and intent; returns at once.
pub async fn direct_action_request(
    ctx: &HotContext,
    event: DirectActionRequest,
) -> Result<Value, HandlerError> {
    check_id("scene_id", event.scene_id)?;
    check_id("conflict_id", event.conflict_id)?;
    check_text("intent", &event.intent, 500)?;
    check_range("intensity", event.intensity, 0.0, 1.0)?;
    event.stakeholder.validate("stakeholder")?;

    let behavior = determine_scene_behavior(&event.stakeholder, event.intensity);
    let context = ["decision", &event.conflict_id.to_string(), &event.intent];
    let mut job = plan_job(
        event.scene_id,
        event.conflict_id,
        &event.stakeholder,
        ActionKind::Decision,
        behavior,
        &context,
    );
    job.intent = Some(event.intent.clone());
    job.priority = 9;
    let dispatched = dispatch_action_generation(ctx, &job).await;
    tracing::info!(
        scene_id = event.scene_id,
        conflict_id = event.conflict_id,
        stakeholder_id = event.stakeholder.id,
        dispatched,
        "direct action request handled"
    );
    Ok(
        json!({ "stakeholder_id": event.stakeholder.id, "behavior": behavior, "dispatched": dispatched }),
    )
}

/// Lists the ready planned actions of a scene without consuming them.
pub async fn planned_actions(ctx: &HotContext, scene_id: i64) -> Result<Value, HandlerError> {
    check_id("scene_id", scene_id)?;
    let hash = scene_hash(scene_id);
    let (actions, degraded) = match ctx
        .store
        .list_ready_for_scene(&hash, STATE_SYNC_LIMIT)
        .await
    {
        Ok(actions) => (actions, false),
        Err(error) => {
            tracing::error!(scene_id, scene_hash = %hash, %error, "cannot list planned actions; returning none");
            (Vec::new(), true)
        }
    };
    Ok(
        json!({ "scene_id": scene_id, "scene_hash": hash, "planned_actions": actions, "degraded": degraded }),
    )
}
