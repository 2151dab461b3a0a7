//! Social tasks: the scene's social bundle, gossip, reputation narration and alliances, with the model.

use serde_json::{json, Value};

use super::{AllianceJob, BundleJob, GossipJob, ReputationNarrationJob};
use crate::cache::keys;
use crate::conflict::tasks::{ask_model, parse_payload, store_in_cache, NARRATOR_PROMPT};
use crate::conflict::TaskContext;
use crate::queue::{TaskError, TaskName};

/// Most gossip items kept per scene; older ones are dropped first.
const MAX_GOSSIP_ITEMS: usize = 10;

const GOSSIP_PROMPT: &str = "You write the gossip of a role-playing game's town. \
     Answer with a JSON object whose field gossip is a list of short sentences.";

fn gossip_items(answer: &Value) -> Vec<Value> {
    match answer.get("gossip") {
        Some(Value::Array(items)) => items
            .iter()
            .filter(|item| item.is_string())
            .cloned()
            .collect(),
        _ => answer
            .get("text")
            .filter(|text| text.is_string())
            .cloned()
            .into_iter()
            .collect(),
    }
}

/// Writes `social_bundle:{scene_hash}` and `gossip:{scene_hash}`; rerunning overwrites the same two entries.
pub async fn generate_social_bundle(ctx: &TaskContext, payload: &Value) -> Result<(), TaskError> {
    let job: BundleJob = parse_payload(payload)?;
    let facts = json!({ "scene_hash": job.scene_hash, "npc_count": job.reputation.len() });
    let user = format!("Write the gossip of scene {}.", job.scene_id);
    let answer = ask_model(
        ctx,
        TaskName::GenerateSocialBundle,
        GOSSIP_PROMPT,
        user,
        facts,
        true,
    )
    .await?
    .into_json();
    let gossip = gossip_items(&answer);
    let bundle = json!({
        "scene_hash": job.scene_hash,
        "reputation": job.reputation,
        "gossip": gossip,
        "source": "cache",
    });
    let bundle_key = keys::social_bundle(&job.scene_hash);
    store_in_cache(ctx, &bundle_key.key, bundle, bundle_key.ttl).await?;
    let gossip_key = keys::gossip(&job.scene_hash);
    store_in_cache(ctx, &gossip_key.key, Value::Array(gossip), gossip_key.ttl).await?;
    tracing::info!(scene_id = job.scene_id, "social bundle cached");
    Ok(())
}

/// Adds a gossip item about an NPC to `gossip:{scene_hash}`, skipping an item that is already there.
pub async fn generate_gossip(ctx: &TaskContext, payload: &Value) -> Result<(), TaskError> {
    let job: GossipJob = parse_payload(payload)?;
    let facts = json!({ "subject": format!("NPC {}", job.subject_npc_id), "reason": job.reason });
    let user = format!(
        "Write one piece of gossip about NPC {}: {}.",
        job.subject_npc_id, job.reason
    );
    let answer = ask_model(
        ctx,
        TaskName::GenerateGossip,
        GOSSIP_PROMPT,
        user,
        facts,
        true,
    )
    .await?
    .into_json();

    // NOTE: this read-modify-write is not atomic, so two gossip tasks of one scene that run at
    // the same time can drop one item. The next gossip task of the scene adds it again.
    let key = keys::gossip(&job.scene_hash);
    let mut items = match ctx.cache.get(&key.key).await {
        Ok(Some(Value::Array(items))) => items,
        _ => Vec::new(),
    };
    for item in gossip_items(&answer) {
        if !items.contains(&item) {
            items.push(item);
        }
    }
    let excess = items.len().saturating_sub(MAX_GOSSIP_ITEMS);
    items.drain(..excess);

    store_in_cache(ctx, &key.key, Value::Array(items), key.ttl).await?;
    tracing::info!(
        scene_id = job.scene_id,
        npc_id = job.subject_npc_id,
        "gossip cached"
    );
    Ok(())
}

/// Writes the narration of a reputation change to `reputation:narration:{npc_id}`.
pub async fn narrate_reputation_change(
    ctx: &TaskContext,
    payload: &Value,
) -> Result<(), TaskError> {
    let job: ReputationNarrationJob = parse_payload(payload)?;
    let delta = format!("{:+.1}", job.current - job.previous);
    let facts = json!({ "npc_id": job.npc_id, "reputation_type": job.reputation_type, "delta": delta, "reason": job.reason });
    let user = format!(
        "Narrate how NPC {}'s {} reputation changes because {}.",
        job.npc_id, job.reputation_type, job.reason
    );
    let text = ask_model(
        ctx,
        TaskName::NarrateReputationChange,
        NARRATOR_PROMPT,
        user,
        facts,
        false,
    )
    .await?
    .into_text();
    let key = keys::reputation_narration(job.npc_id);
    let value =
        json!({ "text": text, "reputation_type": job.reputation_type, "score": job.current });
    store_in_cache(ctx, &key.key, value, key.ttl).await?;
    tracing::info!(npc_id = job.npc_id, "reputation narration cached");
    Ok(())
}

/// Writes the alliance record of two NPCs to `alliance:{low}:{high}`.
pub async fn form_alliance(ctx: &TaskContext, payload: &Value) -> Result<(), TaskError> {
    let job: AllianceJob = parse_payload(payload)?;
    let facts = json!({ "npc_a": job.npc_a, "npc_b": job.npc_b, "score": job.score });
    let user = format!(
        "Narrate NPCs {} and {} forming an alliance.",
        job.npc_a, job.npc_b
    );
    let text = ask_model(
        ctx,
        TaskName::FormAlliance,
        NARRATOR_PROMPT,
        user,
        facts,
        false,
    )
    .await?
    .into_text();
    let key = keys::alliance(job.npc_a, job.npc_b);
    let value = json!({ "members": [job.npc_a, job.npc_b], "score": job.score, "text": text });
    store_in_cache(ctx, &key.key, value, key.ttl).await?;
    tracing::info!(
        scene_id = job.scene_id,
        npc_a = job.npc_a,
        npc_b = job.npc_b,
        "alliance cached"
    );
    Ok(())
}
