//! Social hot-path helpers: reputation arithmetic, cache-first bundle and gossip reads, dispatches.

use serde_json::{json, Value};

use super::{
    AllianceJob, BundleJob, GossipJob, ReputationNarrationJob, ReputationScore, REPUTATION_TYPES,
};
use crate::cache::keys;
use crate::conflict::hotpath::{dispatch_once, read_or_dispatch, scene_hash, unit, Lookup};
use crate::conflict::HotContext;
use crate::queue::{Task, TaskName};

/// Score of an NPC that has no cached reputation yet.
pub const NEUTRAL_REPUTATION: f64 = 50.0;
/// Smallest applied change, in points, that starts gossip.
pub const GOSSIP_THRESHOLD: f64 = 8.0;
/// Smallest alliance score that forms an alliance.
pub const ALLIANCE_THRESHOLD: f64 = 0.7;

/// Applies `delta` to a 0-100 score. A change away from the neutral 50 is multiplied by
/// `1 - 0.5 * |score - 50| / 50`, so extremes are hard to reach. A change toward 50 applies
/// in full. The result is clamped to [0, 100].
pub fn apply_reputation_change(current: f64, delta: f64) -> f64 {
    let current = current.clamp(0.0, 100.0);
    let distance = current - NEUTRAL_REPUTATION;
    let away_from_neutral = distance * delta > 0.0;
    let effective = if away_from_neutral {
        delta * (1.0 - 0.5 * distance.abs() / 50.0)
    } else {
        delta
    };
    (current + effective).clamp(0.0, 100.0)
}

/// Returns whether an applied change is large enough to start gossip.
pub fn is_gossip_worthy(previous: f64, current: f64) -> bool {
    (current - previous).abs() >= GOSSIP_THRESHOLD
}

/// Returns the alliance score: affinity plus 0.2 when the two share an enemy, clamped to [0, 1].
pub fn alliance_score(affinity: f64, shared_enemy: bool) -> f64 {
    unit(affinity + if shared_enemy { 0.2 } else { 0.0 })
}

/// Returns the cached scores of the NPCs; types without a cached score are left out.
pub async fn get_cached_reputation_scores(
    ctx: &HotContext,
    npc_ids: &[i64],
) -> Vec<ReputationScore> {
    let mut scores = Vec::new();
    for &npc_id in npc_ids {
        for reputation_type in REPUTATION_TYPES {
            let key = keys::reputation(npc_id, reputation_type);
            if let Ok(Some(value)) = ctx.cache.get(&key.key).await {
                if let Some(score) = value.as_f64() {
                    scores.push(ReputationScore {
                        npc_id,
                        reputation_type: reputation_type.into(),
                        score,
                    });
                }
            }
        }
    }
    scores
}

/// Reads an NPC's score of one type from the cache, or the neutral score.
pub async fn read_reputation(ctx: &HotContext, npc_id: i64, reputation_type: &str) -> f64 {
    let key = keys::reputation(npc_id, reputation_type);
    match ctx.cache.get(&key.key).await {
        Ok(Some(value)) => value.as_f64().unwrap_or(NEUTRAL_REPUTATION),
        _ => NEUTRAL_REPUTATION,
    }
}

/// Writes an NPC's score of one type to the cache.
// NOTE: the read in `read_reputation` and this write are not atomic, so two concurrent changes to
// the same NPC and type can lose one of them. A networked cache should use an atomic update here.
/// Returns whether the score was stored.
pub async fn write_reputation(
    ctx: &HotContext,
    npc_id: i64,
    reputation_type: &str,
    score: f64,
) -> bool {
    let key = keys::reputation(npc_id, reputation_type);
    match ctx.cache.set(&key.key, json!(score), key.ttl).await {
        Ok(()) => true,
        Err(error) => {
            tracing::warn!(npc_id, %error, "cannot cache reputation score");
            false
        }
    }
}

/// Returns the cached gossip items of a scene, or an empty list.
pub async fn get_cached_gossip_items(ctx: &HotContext, scene_id: i64) -> Vec<Value> {
    let key = keys::gossip(&scene_hash(scene_id));
    match ctx.cache.get(&key.key).await {
        Ok(Some(Value::Array(items))) => items,
        _ => Vec::new(),
    }
}

/// Returns the cached social bundle, or dispatches its generation and returns a fallback
/// built from cached reputation scores and gossip.
pub async fn get_scene_bundle(ctx: &HotContext, scene_id: i64, npc_ids: &[i64]) -> Value {
    let hash = scene_hash(scene_id);
    let key = keys::social_bundle(&hash);
    let reputation = get_cached_reputation_scores(ctx, npc_ids).await;
    let job = BundleJob {
        scene_id,
        scene_hash: hash.clone(),
        reputation: reputation.clone(),
    };
    match read_or_dispatch(ctx, &key, bundle_task(&job)).await {
        Lookup::Hit(bundle) => bundle,
        Lookup::Miss { dispatched } => json!({
            "scene_hash": hash,
            "reputation": reputation,
            "gossip": get_cached_gossip_items(ctx, scene_id).await,
            "source": "fallback",
            "generation_dispatched": dispatched,
        }),
    }
}

fn bundle_task(job: &BundleJob) -> Task {
    Task::new(TaskName::GenerateSocialBundle, &job.scene_hash, json!(job))
}

/// Dispatches a fresh social bundle after reputation changed; returns whether this call queued it.
pub async fn schedule_reputation_calculation(
    ctx: &HotContext,
    scene_id: i64,
    npc_ids: &[i64],
) -> bool {
    let hash = scene_hash(scene_id);
    let reputation = get_cached_reputation_scores(ctx, npc_ids).await;
    let job = BundleJob {
        scene_id,
        scene_hash: hash.clone(),
        reputation,
    };
    let lock = format!("lock:reputation_calculation:{hash}");
    dispatch_once(ctx, &lock, bundle_task(&job)).await
}

/// Dispatches gossip generation for a scene; returns whether this call queued it.
pub async fn schedule_gossip_generation(ctx: &HotContext, job: &GossipJob) -> bool {
    let suffix = format!("{}:{}", job.scene_hash, job.subject_npc_id);
    let lock = format!("lock:gossip:{suffix}");
    dispatch_once(
        ctx,
        &lock,
        Task::new(TaskName::GenerateGossip, suffix, json!(job)),
    )
    .await
}

/// Dispatches narration of a reputation change; returns whether this call queued it.
pub async fn queue_reputation_narration(ctx: &HotContext, job: &ReputationNarrationJob) -> bool {
    let suffix = format!("{}:{}:{:.2}", job.npc_id, job.reputation_type, job.current);
    let lock = format!("lock:{}", keys::reputation_narration(job.npc_id).key);
    dispatch_once(
        ctx,
        &lock,
        Task::new(TaskName::NarrateReputationChange, suffix, json!(job)),
    )
    .await
}

/// Dispatches the formation of an alliance unless one is cached; returns whether this call queued it.
pub async fn queue_alliance_formation(ctx: &HotContext, job: &AllianceJob) -> bool {
    let key = keys::alliance(job.npc_a, job.npc_b);
    let task = Task::new(TaskName::FormAlliance, &key.key, json!(job));
    matches!(
        read_or_dispatch(ctx, &key, task).await,
        Lookup::Miss { dispatched: true }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_close(actual: f64, expected: f64) {
        assert!(
            (actual - expected).abs() < 1e-9,
            "expected {expected}, got {actual}"
        );
    }

    #[test]
    fn change_from_neutral_applies_in_full() {
        assert_close(apply_reputation_change(50.0, 10.0), 60.0);
        assert_close(apply_reputation_change(50.0, -10.0), 40.0);
    }

    #[test]
    fn change_away_from_neutral_is_damped() {
        // distance 40 of 50: factor 1 - 0.5 * 0.8 = 0.6
        assert_close(apply_reputation_change(90.0, 10.0), 96.0);
        assert_close(apply_reputation_change(10.0, -10.0), 4.0);
    }

    #[test]
    fn change_toward_neutral_applies_in_full() {
        assert_close(apply_reputation_change(90.0, -10.0), 80.0);
    }

    #[test]
    fn reputation_is_clamped() {
        assert_close(apply_reputation_change(99.0, 50.0), 100.0);
        assert_close(apply_reputation_change(5.0, -80.0), 0.0);
    }

    #[test]
    fn gossip_needs_eight_points() {
        assert!(is_gossip_worthy(50.0, 58.0));
        assert!(!is_gossip_worthy(50.0, 57.9));
    }

    #[test]
    fn shared_enemy_adds_to_alliance_score() {
        assert_close(alliance_score(0.55, true), 0.75);
        assert_close(alliance_score(0.55, false), 0.55);
        assert_close(alliance_score(0.95, true), 1.0);
    }
}
