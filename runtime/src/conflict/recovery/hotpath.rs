//! Recovery hot-path helpers: the repair rules and the narration dispatch.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::RecoveryJob;
use crate::cache::keys;
use crate::conflict::events::ConflictState;
use crate::conflict::hotpath::{read_or_dispatch, unit, Lookup};
use crate::conflict::HotContext;
use crate::queue::{Task, TaskName};

/// Edge cases the game reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EdgeCaseKind {
    /// Nothing happened for several turns.
    Stalled,
    /// Intensity ran to the top.
    Runaway,
    /// Too few active stakeholders remain.
    Orphaned,
    /// The game saw contradictory updates.
    Contradictory,
}

impl EdgeCaseKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EdgeCaseKind::Stalled => "stalled",
            EdgeCaseKind::Runaway => "runaway",
            EdgeCaseKind::Orphaned => "orphaned",
            EdgeCaseKind::Contradictory => "contradictory",
        }
    }
}

/// Repaired state and the name of the repair; `none` means the state was left as it was.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Recovery {
    pub state: ConflictState,
    pub action: &'static str,
}

/// Applies the repair rule of an edge case. The rules, with the name of each repair:
/// - stalled for 3 or more idle turns: +0.2 momentum and +0.1 intensity (`nudge`)
/// - runaway above 0.95 intensity: intensity 0.8 and no momentum (`cool_down`)
/// - orphaned with fewer than 2 active stakeholders: zero intensity and momentum (`close`)
/// - contradictory: momentum reset to 0 (`reconcile`)
pub fn recover(
    kind: EdgeCaseKind,
    state: ConflictState,
    idle_turns: u32,
    active_stakeholders: u32,
) -> Recovery {
    let unchanged = Recovery {
        state,
        action: "none",
    };
    match kind {
        EdgeCaseKind::Stalled if idle_turns >= 3 => Recovery {
            state: ConflictState {
                intensity: unit(state.intensity + 0.1),
                momentum: (state.momentum + 0.2).clamp(-1.0, 1.0),
                ..state
            },
            action: "nudge",
        },
        EdgeCaseKind::Runaway if state.intensity > 0.95 => Recovery {
            state: ConflictState {
                intensity: 0.8,
                momentum: 0.0,
                ..state
            },
            action: "cool_down",
        },
        EdgeCaseKind::Orphaned if active_stakeholders < 2 => Recovery {
            state: ConflictState {
                intensity: 0.0,
                momentum: 0.0,
                ..state
            },
            action: "close",
        },
        EdgeCaseKind::Contradictory => Recovery {
            state: ConflictState {
                momentum: 0.0,
                ..state
            },
            action: "reconcile",
        },
        _ => unchanged,
    }
}

/// Dispatches recovery narration unless it is cached; returns whether this call queued it.
pub async fn queue_recovery_narration(ctx: &HotContext, job: &RecoveryJob) -> bool {
    let key = keys::recovery_narrative(job.conflict_id);
    let task = Task::new(
        TaskName::NarrateRecovery,
        format!("{}:{}", job.conflict_id, job.case),
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

    fn state(intensity: f64, momentum: f64) -> ConflictState {
        ConflictState {
            intensity,
            momentum,
            player_progress: 0.4,
        }
    }

    #[test]
    fn stalled_conflict_is_nudged_after_three_turns() {
        let recovery = recover(EdgeCaseKind::Stalled, state(0.5, 0.0), 3, 4);
        assert_eq!(recovery.action, "nudge");
        assert!((recovery.state.intensity - 0.6).abs() < 1e-9);
        assert!((recovery.state.momentum - 0.2).abs() < 1e-9);
        assert_eq!(
            recover(EdgeCaseKind::Stalled, state(0.5, 0.0), 2, 4).action,
            "none"
        );
    }

    #[test]
    fn runaway_conflict_cools_down() {
        let recovery = recover(EdgeCaseKind::Runaway, state(0.99, 0.7), 0, 4);
        assert_eq!(recovery.action, "cool_down");
        assert_eq!(recovery.state.intensity, 0.8);
        assert_eq!(recovery.state.momentum, 0.0);
        assert_eq!(
            recover(EdgeCaseKind::Runaway, state(0.9, 0.7), 0, 4).action,
            "none"
        );
    }

    #[test]
    fn orphaned_conflict_closes() {
        assert_eq!(
            recover(EdgeCaseKind::Orphaned, state(0.6, 0.1), 0, 1).action,
            "close"
        );
        assert_eq!(
            recover(EdgeCaseKind::Orphaned, state(0.6, 0.1), 0, 2).action,
            "none"
        );
    }

    #[test]
    fn contradiction_resets_momentum() {
        let recovery = recover(EdgeCaseKind::Contradictory, state(0.6, -0.4), 0, 3);
        assert_eq!(recovery.action, "reconcile");
        assert_eq!(recovery.state.momentum, 0.0);
        assert_eq!(recovery.state.player_progress, 0.4);
    }
}
