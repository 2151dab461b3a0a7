//! Social handlers: reputation changes, alliance proposals, and the bundle and gossip reads.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::hotpath::{
    alliance_score, apply_reputation_change, get_scene_bundle, is_gossip_worthy,
    queue_alliance_formation, queue_reputation_narration, read_reputation,
    schedule_gossip_generation, schedule_reputation_calculation, write_reputation,
    ALLIANCE_THRESHOLD,
};
use super::{AllianceJob, BundleJob, GossipJob, ReputationNarrationJob, REPUTATION_TYPES};
use crate::cache::keys;
use crate::conflict::events::{check_id, check_len, check_range, check_text, ValidationError};
use crate::conflict::handlers::HandlerError;
use crate::conflict::hotpath::{read_or_dispatch, scene_hash, Lookup};
use crate::conflict::HotContext;
use crate::queue::{Task, TaskName};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReputationChange {
    pub scene_id: i64,
    pub npc_id: i64,
    pub reputation_type: String,
    pub delta: f64,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AllianceProposal {
    pub scene_id: i64,
    pub npc_a: i64,
    pub npc_b: i64,
    pub affinity: f64,
    #[serde(default)]
    pub shared_enemy: bool,
}

/// Applies the reputation arithmetic, caches the score and dispatches narration, gossip and a bundle refresh.
pub async fn reputation_change(
    ctx: &HotContext,
    event: ReputationChange,
) -> Result<Value, HandlerError> {
    check_id("scene_id", event.scene_id)?;
    check_id("npc_id", event.npc_id)?;
    check_range("delta", event.delta, -100.0, 100.0)?;
    check_text("reason", &event.reason, 500)?;
    if !REPUTATION_TYPES.contains(&event.reputation_type.as_str()) {
        let message = format!("must be one of {}", REPUTATION_TYPES.join(", "));
        return Err(ValidationError::new("reputation_type", message).into());
    }

    let previous = read_reputation(ctx, event.npc_id, &event.reputation_type).await;
    let current = apply_reputation_change(previous, event.delta);
    let stored = write_reputation(ctx, event.npc_id, &event.reputation_type, current).await;

    let narration = ReputationNarrationJob {
        npc_id: event.npc_id,
        reputation_type: event.reputation_type.clone(),
        previous,
        current,
        reason: event.reason.clone(),
    };
    let narration_dispatched = queue_reputation_narration(ctx, &narration).await;
    let mut gossip_dispatched = false;
    if is_gossip_worthy(previous, current) {
        let job = GossipJob {
            scene_id: event.scene_id,
            scene_hash: scene_hash(event.scene_id),
            subject_npc_id: event.npc_id,
            reason: event.reason.clone(),
        };
        gossip_dispatched = schedule_gossip_generation(ctx, &job).await;
    }
    let bundle_dispatched =
        schedule_reputation_calculation(ctx, event.scene_id, &[event.npc_id]).await;
    tracing::info!(
        scene_id = event.scene_id,
        npc_id = event.npc_id,
        previous,
        current,
        "reputation change handled"
    );
    Ok(json!({
        "npc_id": event.npc_id,
        "reputation_type": event.reputation_type,
        "previous": previous,
        "current": current,
        "narration_dispatched": narration_dispatched,
        "gossip_dispatched": gossip_dispatched,
        "bundle_dispatched": bundle_dispatched,
        // The new score was not saved when the cache was unreachable.
        "degraded": !stored,
    }))
}

/// Scores a proposed alliance and dispatches its formation when the score reaches the threshold.
pub async fn alliance_proposal(
    ctx: &HotContext,
    event: AllianceProposal,
) -> Result<Value, HandlerError> {
    check_id("scene_id", event.scene_id)?;
    check_id("npc_a", event.npc_a)?;
    check_id("npc_b", event.npc_b)?;
    check_range("affinity", event.affinity, 0.0, 1.0)?;
    if event.npc_a == event.npc_b {
        return Err(ValidationError::new("npc_b", "must differ from npc_a").into());
    }
    let score = alliance_score(event.affinity, event.shared_enemy);
    let forms = score >= ALLIANCE_THRESHOLD;
    let mut dispatched = false;
    if forms {
        let job = AllianceJob {
            scene_id: event.scene_id,
            npc_a: event.npc_a,
            npc_b: event.npc_b,
            score,
        };
        dispatched = queue_alliance_formation(ctx, &job).await;
    }
    tracing::info!(
        scene_id = event.scene_id,
        npc_a = event.npc_a,
        npc_b = event.npc_b,
        score,
        "alliance proposal handled"
    );
    Ok(json!({ "score": score, "forms_alliance": forms, "dispatched": dispatched }))
}

/// Returns the scene's social bundle from the cache, or a fallback while it is generated.
pub async fn scene_bundle(
    ctx: &HotContext,
    scene_id: i64,
    npc_ids: &[i64],
) -> Result<Value, HandlerError> {
    check_id("scene_id", scene_id)?;
    check_len("npcs", npc_ids.len(), 0, 64)?;
    Ok(get_scene_bundle(ctx, scene_id, npc_ids).await)
}

/// Returns the scene's gossip items from the cache; on a miss dispatches a bundle and returns an empty list.
pub async fn scene_gossip(ctx: &HotContext, scene_id: i64) -> Result<Value, HandlerError> {
    check_id("scene_id", scene_id)?;
    let hash = scene_hash(scene_id);
    let key = keys::gossip(&hash);
    let job = BundleJob {
        scene_id,
        scene_hash: hash.clone(),
        reputation: Vec::new(),
    };
    let task = Task::new(TaskName::GenerateSocialBundle, &hash, json!(job));
    let response = match read_or_dispatch(ctx, &key, task).await {
        Lookup::Hit(items) => json!({ "scene_id": scene_id, "gossip": items, "source": "cache" }),
        Lookup::Miss { dispatched } => {
            json!({ "scene_id": scene_id, "gossip": [], "source": "fallback", "generation_dispatched": dispatched })
        }
    };
    Ok(response)
}
