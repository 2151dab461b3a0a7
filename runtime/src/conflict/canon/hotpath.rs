//! Canon hot-path helpers: the rule-based lore check, the canonization rule and cached canon reads.

use serde::Serialize;
use serde_json::{json, Value};

use super::{CanonJob, LoreCheckJob};
use crate::cache::keys;
use crate::conflict::hotpath::{dispatch_once, stable_hash};
use crate::conflict::HotContext;
use crate::queue::{Task, TaskName};

/// Lore categories a claim may belong to.
pub const LORE_CATEGORIES: [&str; 6] = [
    "history",
    "magic",
    "technology",
    "religion",
    "geography",
    "politics",
];
/// Shortest and longest claim, in characters.
pub const CLAIM_CHARS: (usize, usize) = (10, 1000);
/// Smallest significance a resolved conflict needs to enter the canon.
pub const CANON_SIGNIFICANCE: f64 = 0.7;

/// Terms that break the setting's lore in every category.
const FORBIDDEN_EVERYWHERE: [&str; 3] = ["smartphone", "internet", "modern day"];

/// Terms that break the lore of one category.
fn forbidden_in(category: &str) -> &'static [&'static str] {
    match category {
        "technology" => &["gunpowder", "electricity", "steam engine", "computer"],
        "magic" => &["resurrection", "time travel"],
        "religion" => &["the gods are dead"],
        _ => &[],
    }
}

/// Result of a lore check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoreVerdict {
    pub compliant: bool,
    pub violations: Vec<String>,
}

/// Checks a claim against the lore rules: a known category, a length of 10 to 1000 characters,
/// and no forbidden term of the category or of every category (case-insensitive).
pub fn lore_compliance_fast(category: &str, claim: &str) -> LoreVerdict {
    let mut violations = Vec::new();
    if !LORE_CATEGORIES.contains(&category) {
        violations.push(format!("unknown category {category:?}"));
    }
    let length = claim.chars().count();
    if length < CLAIM_CHARS.0 || length > CLAIM_CHARS.1 {
        violations.push(format!(
            "claim has {length} characters, expected {} to {}",
            CLAIM_CHARS.0, CLAIM_CHARS.1
        ));
    }
    let lowered = claim.to_lowercase();
    for term in FORBIDDEN_EVERYWHERE.iter().chain(forbidden_in(category)) {
        if lowered.contains(term) {
            violations.push(format!("forbidden term {term:?}"));
        }
    }
    LoreVerdict {
        compliant: violations.is_empty(),
        violations,
    }
}

/// Returns whether a conflict enters the canon: it is resolved, its claim is compliant,
/// and its significance is at least 0.7.
pub fn should_canonize(resolved: bool, significance: f64, verdict: &LoreVerdict) -> bool {
    resolved && verdict.compliant && significance >= CANON_SIGNIFICANCE
}

/// Returns the hash that names a claim in lore-check keys.
pub fn claim_hash(claim: &str) -> String {
    stable_hash(&claim.trim().to_lowercase())
}

/// Returns the cached canon record of a conflict, if any.
pub async fn get_cached_canon_record(ctx: &HotContext, conflict_id: i64) -> Option<Value> {
    ctx.cache
        .get(&keys::canon_record(conflict_id).key)
        .await
        .ok()
        .flatten()
}

/// Dispatches canonization and canon references; returns whether canonization was queued by this call.
pub async fn queue_canonization(ctx: &HotContext, job: &CanonJob) -> bool {
    let record = keys::canon_record(job.conflict_id);
    let canonize = Task::new(TaskName::CanonizeConflict, job.conflict_id, json!(job));
    let queued = dispatch_once(ctx, &record.lock_name(), canonize).await;
    let references = keys::canon_references(job.conflict_id);
    let task = Task::new(
        TaskName::GenerateCanonReferences,
        job.conflict_id,
        json!(job),
    );
    dispatch_once(ctx, &references.lock_name(), task).await;
    queued
}

/// Returns the cached result of the full lore check, or marks it pending for 60 seconds and
/// dispatches it. Returns the cached value, or a status: `dispatched` when this call queued
/// the check, `not_dispatched` when the queue refused it or another caller holds its lock.
pub async fn queue_lore_check(ctx: &HotContext, category: &str, claim: &str) -> Value {
    let hash = claim_hash(claim);
    let pending = keys::lore_check_pending(category, &hash);
    if let Ok(Some(value)) = ctx.cache.get(&pending.key).await {
        return value;
    }
    let job = LoreCheckJob {
        category: category.into(),
        claim: claim.into(),
        claim_hash: hash.clone(),
    };
    let task = Task::new(
        TaskName::CheckLoreCompliance,
        format!("{category}:{hash}"),
        json!(job),
    );
    if !dispatch_once(ctx, &pending.lock_name(), task).await {
        return json!({ "status": "not_dispatched" });
    }
    let marker = json!({ "status": "pending" });
    if let Err(error) = ctx.cache.set(&pending.key, marker, pending.ttl).await {
        tracing::warn!(cache_key = %pending.key, %error, "cannot mark lore check pending");
    }
    json!({ "status": "dispatched" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compliant_claim_passes() {
        let verdict = lore_compliance_fast("history", "The old king fell at the river ford.");
        assert!(verdict.compliant);
        assert!(verdict.violations.is_empty());
    }

    #[test]
    fn category_terms_are_forbidden() {
        let verdict =
            lore_compliance_fast("technology", "The guild built a Steam Engine last winter.");
        assert!(!verdict.compliant);
        assert_eq!(
            verdict.violations,
            vec!["forbidden term \"steam engine\"".to_string()]
        );
    }

    #[test]
    fn global_terms_are_forbidden_everywhere() {
        let verdict = lore_compliance_fast("magic", "She read it on the internet.");
        assert_eq!(
            verdict.violations,
            vec!["forbidden term \"internet\"".to_string()]
        );
    }

    #[test]
    fn unknown_category_and_short_claim_fail() {
        let verdict = lore_compliance_fast("cooking", "Too short");
        assert_eq!(verdict.violations.len(), 2);
    }

    #[test]
    fn canonization_needs_all_three_conditions() {
        let ok = LoreVerdict {
            compliant: true,
            violations: Vec::new(),
        };
        let bad = LoreVerdict {
            compliant: false,
            violations: vec!["x".into()],
        };
        assert!(should_canonize(true, 0.7, &ok));
        assert!(!should_canonize(false, 0.9, &ok));
        assert!(!should_canonize(true, 0.69, &ok));
        assert!(!should_canonize(true, 0.9, &bad));
    }

    #[test]
    fn claim_hash_ignores_case_and_padding() {
        assert_eq!(claim_hash(" The King "), claim_hash("the king"));
    }
}
