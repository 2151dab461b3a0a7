//! Grand-conflict hot-path helpers: the merge rule and the narration dispatch.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::GrandJob;
use crate::cache::keys;
use crate::conflict::hotpath::{read_or_dispatch, unit, Lookup};
use crate::conflict::HotContext;
use crate::queue::{Task, TaskName};

/// Game report of one conflict that may join a grand conflict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConflictSummary {
    pub conflict_id: i64,
    pub intensity: f64,
    pub stakeholder_ids: Vec<i64>,
}

/// Result of the merge rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GrandAssessment {
    pub forms: bool,
    /// Stakeholders that take part in two or more of the conflicts, ascending.
    pub shared_stakeholders: Vec<i64>,
    /// Highest conflict intensity plus 0.1 per further conflict, clamped to [0, 1].
    pub intensity: f64,
}

/// Applies the merge rule: two or more conflicts form a grand conflict when at least one
/// stakeholder takes part in two of them.
pub fn assess_grand_conflict(conflicts: &[ConflictSummary]) -> GrandAssessment {
    let mut appearances: BTreeMap<i64, usize> = BTreeMap::new();
    for conflict in conflicts {
        let unique: BTreeSet<i64> = conflict.stakeholder_ids.iter().copied().collect();
        for id in unique {
            *appearances.entry(id).or_default() += 1;
        }
    }
    let shared_stakeholders: Vec<i64> = appearances
        .into_iter()
        .filter(|(_, count)| *count >= 2)
        .map(|(id, _)| id)
        .collect();
    let peak = conflicts
        .iter()
        .map(|conflict| unit(conflict.intensity))
        .fold(0.0, f64::max);
    let extra = 0.1 * conflicts.len().saturating_sub(1) as f64;
    GrandAssessment {
        forms: conflicts.len() >= 2 && !shared_stakeholders.is_empty(),
        shared_stakeholders,
        intensity: unit(peak + extra),
    }
}

/// Dispatches grand-conflict narration unless it is cached; returns whether this call queued it.
pub async fn queue_grand_narration(ctx: &HotContext, job: &GrandJob) -> bool {
    let key = keys::grand_narrative(job.grand_id);
    let task = Task::new(TaskName::NarrateGrandConflict, job.grand_id, json!(job));
    matches!(
        read_or_dispatch(ctx, &key, task).await,
        Lookup::Miss { dispatched: true }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(conflict_id: i64, intensity: f64, stakeholder_ids: &[i64]) -> ConflictSummary {
        ConflictSummary {
            conflict_id,
            intensity,
            stakeholder_ids: stakeholder_ids.to_vec(),
        }
    }

    #[test]
    fn shared_stakeholder_forms_grand_conflict() {
        let assessment = assess_grand_conflict(&[
            summary(1, 0.6, &[1, 2]),
            summary(2, 0.4, &[2, 3]),
            summary(3, 0.2, &[4]),
        ]);
        assert!(assessment.forms);
        assert_eq!(assessment.shared_stakeholders, vec![2]);
        assert!((assessment.intensity - 0.8).abs() < 1e-9);
    }

    #[test]
    fn disjoint_conflicts_stay_apart() {
        let assessment = assess_grand_conflict(&[summary(1, 0.6, &[1]), summary(2, 0.4, &[2])]);
        assert!(!assessment.forms);
        assert!(assessment.shared_stakeholders.is_empty());
    }

    #[test]
    fn repeated_id_in_one_conflict_is_not_shared() {
        let assessment = assess_grand_conflict(&[summary(1, 0.95, &[1, 1]), summary(2, 0.9, &[2])]);
        assert!(!assessment.forms);
        assert_eq!(assessment.intensity, 1.0);
    }
}
