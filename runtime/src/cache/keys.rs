//! Cache key names and their lifetimes, one constructor per kind of cached value.

use std::time::Duration;

const MINUTE: Duration = Duration::from_secs(60);

/// A cache key together with the lifetime of the values stored under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheKey {
    pub key: String,
    pub ttl: Duration,
}

impl CacheKey {
    fn new(key: String, ttl: Duration) -> Self {
        Self { key, ttl }
    }

    /// Name of the dispatch lock that guards the task filling this key.
    pub fn lock_name(&self) -> String {
        format!("lock:{}", self.key)
    }
}

/// Gossip and reputation bundle of a scene, 30 minutes.
pub fn social_bundle(scene_hash: &str) -> CacheKey {
    CacheKey::new(format!("social_bundle:{scene_hash}"), 30 * MINUTE)
}

/// Tension level and manifestations of a scene, 30 minutes.
pub fn tension_bundle(scene_hash: &str) -> CacheKey {
    CacheKey::new(format!("tension_bundle:{scene_hash}"), 30 * MINUTE)
}

/// Phase transition prose of a conflict, 60 minutes.
pub fn transition_narrative(conflict_id: i64) -> CacheKey {
    CacheKey::new(
        format!("conflict:{conflict_id}:transition_narrative"),
        60 * MINUTE,
    )
}

/// Description of one dramatic beat, 60 minutes.
pub fn beat(conflict_id: i64, beat_id: &str) -> CacheKey {
    CacheKey::new(
        format!("conflict:{conflict_id}:beat:{beat_id}"),
        60 * MINUTE,
    )
}

/// Escalation narration of a conflict, 60 minutes.
pub fn escalation_narrative(conflict_id: i64) -> CacheKey {
    CacheKey::new(
        format!("conflict:{conflict_id}:escalation_narrative"),
        60 * MINUTE,
    )
}

/// Recovery narration after an edge case, 60 minutes.
pub fn recovery_narrative(conflict_id: i64) -> CacheKey {
    CacheKey::new(
        format!("conflict:{conflict_id}:recovery_narrative"),
        60 * MINUTE,
    )
}

/// Victory narration of a resolved conflict, 60 minutes.
pub fn victory_narrative(conflict_id: i64) -> CacheKey {
    CacheKey::new(
        format!("conflict:{conflict_id}:victory_narrative"),
        60 * MINUTE,
    )
}

/// Narrative of a grand conflict that binds several conflicts, 60 minutes.
pub fn grand_narrative(grand_id: i64) -> CacheKey {
    CacheKey::new(format!("grand:{grand_id}:narrative"), 60 * MINUTE)
}

/// Gossip items of a scene, 30 minutes like the bundle they belong to.
pub fn gossip(scene_hash: &str) -> CacheKey {
    CacheKey::new(format!("gossip:{scene_hash}"), 30 * MINUTE)
}

/// Reputation score of one NPC by type, 60 minutes.
pub fn reputation(npc_id: i64, reputation_type: &str) -> CacheKey {
    CacheKey::new(
        format!("reputation:{npc_id}:{reputation_type}"),
        60 * MINUTE,
    )
}

/// Narration of an NPC's latest reputation change, 60 minutes.
pub fn reputation_narration(npc_id: i64) -> CacheKey {
    CacheKey::new(format!("reputation:narration:{npc_id}"), 60 * MINUTE)
}

/// Alliance record of two NPCs, in ascending id order, 60 minutes.
pub fn alliance(npc_a: i64, npc_b: i64) -> CacheKey {
    let (low, high) = if npc_a <= npc_b {
        (npc_a, npc_b)
    } else {
        (npc_b, npc_a)
    };
    CacheKey::new(format!("alliance:{low}:{high}"), 60 * MINUTE)
}

/// Generated details of one stakeholder, 60 minutes.
pub fn stakeholder_details(stakeholder_id: i64) -> CacheKey {
    CacheKey::new(format!("stakeholder:{stakeholder_id}:details"), 60 * MINUTE)
}

/// Canon record of a conflict, 60 minutes.
pub fn canon_record(conflict_id: i64) -> CacheKey {
    CacheKey::new(format!("canon:conflict:{conflict_id}"), 60 * MINUTE)
}

/// Canon references of a conflict, 60 minutes.
pub fn canon_references(conflict_id: i64) -> CacheKey {
    CacheKey::new(format!("canon:references:{conflict_id}"), 60 * MINUTE)
}

/// Result of the full lore check of one claim. The pending marker lives 60 seconds.
pub fn lore_check_pending(category: &str, claim_hash: &str) -> CacheKey {
    CacheKey::new(format!("lore_check:{category}:{claim_hash}"), MINUTE)
}

/// Final result of the full lore check, kept 60 minutes once the task has run.
pub fn lore_check_result(category: &str, claim_hash: &str) -> CacheKey {
    CacheKey::new(format!("lore_check:{category}:{claim_hash}"), 60 * MINUTE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_match_their_documented_names() {
        assert_eq!(social_bundle("ab").key, "social_bundle:ab");
        assert_eq!(beat(3, "b1").key, "conflict:3:beat:b1");
        assert_eq!(reputation(5, "trust").key, "reputation:5:trust");
        assert_eq!(reputation_narration(5).key, "reputation:narration:5");
        assert_eq!(canon_record(9).key, "canon:conflict:9");
        assert_eq!(lore_check_pending("magic", "h").key, "lore_check:magic:h");
    }

    #[test]
    fn lifetimes_match_their_kinds() {
        assert_eq!(social_bundle("a").ttl, Duration::from_secs(1800));
        assert_eq!(tension_bundle("a").ttl, Duration::from_secs(1800));
        assert_eq!(transition_narrative(1).ttl, Duration::from_secs(3600));
        assert_eq!(lore_check_pending("c", "h").ttl, Duration::from_secs(60));
        assert_eq!(lore_check_result("c", "h").ttl, Duration::from_secs(3600));
    }

    #[test]
    fn alliance_key_ignores_order() {
        assert_eq!(alliance(4, 2), alliance(2, 4));
    }
}
