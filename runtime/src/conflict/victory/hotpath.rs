//! Victory hot-path helpers: the victory rule and the narration dispatch.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::VictoryJob;
use crate::cache::keys;
use crate::conflict::hotpath::{read_or_dispatch, Lookup};
use crate::conflict::HotContext;
use crate::queue::{Task, TaskName};

/// Smallest lead over the runner-up that wins.
pub const VICTORY_MARGIN: f64 = 0.15;

/// One stakeholder's progress toward winning, in [0, 1].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Contender {
    pub stakeholder_id: i64,
    pub progress: f64,
}

/// A decided victory.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Victory {
    pub winner_id: i64,
    pub margin: f64,
}

/// Returns the winner: the contender with the highest progress wins when that progress reaches
/// `threshold` and leads the runner-up by at least 0.15. A single contender needs only the threshold.
/// Ties on progress go to the lower stakeholder id.
pub fn evaluate_victory(contenders: &[Contender], threshold: f64) -> Option<Victory> {
    let mut ranked: Vec<Contender> = contenders.to_vec();
    ranked.sort_by(|a, b| {
        b.progress
            .total_cmp(&a.progress)
            .then(a.stakeholder_id.cmp(&b.stakeholder_id))
    });
    let leader = ranked.first()?;
    let runner_up = ranked.get(1).map_or(0.0, |contender| contender.progress);
    let margin = leader.progress - runner_up;
    let wins = leader.progress >= threshold && (ranked.len() == 1 || margin >= VICTORY_MARGIN);
    wins.then_some(Victory {
        winner_id: leader.stakeholder_id,
        margin,
    })
}

/// Dispatches victory narration unless it is cached; returns whether this call queued it.
pub async fn queue_victory_narration(ctx: &HotContext, job: &VictoryJob) -> bool {
    let key = keys::victory_narrative(job.conflict_id);
    let task = Task::new(
        TaskName::NarrateVictory,
        format!("{}:{}", job.conflict_id, job.winner_id),
        json!(job),
    );
    matches!(
        read_or_dispatch(ctx, &key, task).await,
        Lookup::Miss { dispatched: true }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contender(stakeholder_id: i64, progress: f64) -> Contender {
        Contender {
            stakeholder_id,
            progress,
        }
    }

    #[test]
    fn clear_leader_above_threshold_wins() {
        let victory = evaluate_victory(&[contender(1, 0.95), contender(2, 0.7)], 0.9);
        assert_eq!(victory.map(|v| v.winner_id), Some(1));
        assert!(victory.is_some_and(|v| (v.margin - 0.25).abs() < 1e-9));
    }

    #[test]
    fn narrow_lead_does_not_win() {
        assert_eq!(
            evaluate_victory(&[contender(1, 0.95), contender(2, 0.85)], 0.9),
            None
        );
    }

    #[test]
    fn leader_below_threshold_does_not_win() {
        assert_eq!(
            evaluate_victory(&[contender(1, 0.8), contender(2, 0.1)], 0.9),
            None
        );
    }

    #[test]
    fn single_contender_needs_only_threshold() {
        assert_eq!(
            evaluate_victory(&[contender(4, 0.9)], 0.9).map(|v| v.winner_id),
            Some(4)
        );
        assert_eq!(evaluate_victory(&[], 0.9), None);
    }
}
