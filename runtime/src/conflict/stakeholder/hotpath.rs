//! Stakeholder hot-path helpers: rule-based behaviour, the dispatch rule and the planned-action read.

use serde::Serialize;
use serde_json::json;

use super::{DetailsJob, PlanJob};
use crate::cache::keys;
use crate::conflict::events::StakeholderState;
use crate::conflict::hotpath::{dispatch_once, read_or_dispatch, stable_hash, unit, Lookup};
use crate::conflict::HotContext;
use crate::queue::{Task, TaskName};
use crate::store::{PlannedAction, StoreError};

/// Behaviour hint for a stakeholder, derived by rules from its state and the conflict's intensity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Behavior {
    Aggressive,
    Defensive,
    Cooperative,
    Cautious,
    Idle,
}

impl Behavior {
    pub fn as_str(self) -> &'static str {
        match self {
            Behavior::Aggressive => "aggressive",
            Behavior::Defensive => "defensive",
            Behavior::Cooperative => "cooperative",
            Behavior::Cautious => "cautious",
            Behavior::Idle => "idle",
        }
    }
}

/// Returns the behaviour hint: drive = 0.5 aggression + 0.3 stress + 0.2 intensity.
/// Drive of 0.6 or more is aggressive; loyal stakeholders (loyalty above 0.7) cooperate below that;
/// stress of 0.7 or more is defensive; anything else is cautious. Inactive stakeholders are idle.
pub fn determine_scene_behavior(stakeholder: &StakeholderState, intensity: f64) -> Behavior {
    if !stakeholder.active {
        return Behavior::Idle;
    }
    let drive =
        0.5 * unit(stakeholder.aggression) + 0.3 * unit(stakeholder.stress) + 0.2 * unit(intensity);
    if drive >= 0.6 {
        Behavior::Aggressive
    } else if unit(stakeholder.loyalty) > 0.7 {
        Behavior::Cooperative
    } else if unit(stakeholder.stress) >= 0.7 {
        Behavior::Defensive
    } else {
        Behavior::Cautious
    }
}

/// Returns whether a stakeholder needs a new plan: it is active, has no ready plan in this conflict,
/// and either the conflict's intensity is at least 0.3 or its own stress is at least 0.5.
pub fn should_dispatch_action_generation(
    stakeholder: &StakeholderState,
    intensity: f64,
    ready_plans: i64,
) -> bool {
    stakeholder.active
        && ready_plans == 0
        && (unit(intensity) >= 0.3 || unit(stakeholder.stress) >= 0.5)
}

/// Returns the priority of a plan: aggressive plans first, idle last.
pub fn plan_priority(behavior: Behavior) -> i32 {
    match behavior {
        Behavior::Aggressive => 8,
        Behavior::Defensive => 6,
        Behavior::Cooperative | Behavior::Cautious => 5,
        Behavior::Idle => 1,
    }
}

/// Returns the context hash of a plan: the same inputs give the same hash and so one stored plan.
pub fn plan_context_hash(parts: &[&str]) -> String {
    stable_hash(&parts.join("|"))
}

/// Claims the ready planned actions of a scene; they are marked consumed as they are returned.
pub async fn fetch_ready_actions_for_scene(
    ctx: &HotContext,
    scene_hash: &str,
    limit: u32,
) -> Result<Vec<PlannedAction>, StoreError> {
    ctx.store
        .claim_ready_for_scene(scene_hash, crate::store::now_ms(), limit)
        .await
}

/// Dispatches `generate_stakeholder_action` under a per-context lock; returns whether it was queued.
pub async fn dispatch_action_generation(ctx: &HotContext, job: &PlanJob) -> bool {
    dispatch_plan(ctx, TaskName::GenerateStakeholderAction, job).await
}

/// Dispatches `generate_stakeholder_reaction` under a per-context lock; returns whether it was queued.
pub async fn dispatch_reaction_generation(ctx: &HotContext, job: &PlanJob) -> bool {
    dispatch_plan(ctx, TaskName::GenerateStakeholderReaction, job).await
}

async fn dispatch_plan(ctx: &HotContext, name: TaskName, job: &PlanJob) -> bool {
    let key_suffix = format!("{}:{}", job.stakeholder_id, job.context_hash);
    let payload = match serde_json::to_value(job) {
        Ok(payload) => payload,
        Err(error) => {
            tracing::error!(%error, stakeholder_id = job.stakeholder_id, "cannot encode plan job");
            return false;
        }
    };
    let task = Task::new(name, &key_suffix, payload);
    let lock = format!("lock:plan:{}:{}", name.as_str(), key_suffix);
    let queued = dispatch_once(ctx, &lock, task).await;
    tracing::debug!(
        stakeholder_id = job.stakeholder_id,
        conflict_id = job.conflict_id,
        scene_id = job.scene_id,
        task = name.as_str(),
        queued,
        "plan dispatch"
    );
    queued
}

/// Ensures a stakeholder's details are cached; on a miss dispatches `populate_stakeholder_details`.
pub async fn ensure_stakeholder_details(ctx: &HotContext, stakeholder: &StakeholderState) -> bool {
    let key = keys::stakeholder_details(stakeholder.id);
    let job = DetailsJob {
        stakeholder_id: stakeholder.id,
        role: stakeholder.role.clone(),
    };
    let task = Task::new(
        TaskName::PopulateStakeholderDetails,
        stakeholder.id,
        json!(job),
    );
    matches!(read_or_dispatch(ctx, &key, task).await, Lookup::Hit(_))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stakeholder(stress: f64, aggression: f64, loyalty: f64) -> StakeholderState {
        StakeholderState {
            id: 1,
            role: "guard".into(),
            stress,
            aggression,
            loyalty,
            active: true,
        }
    }

    #[test]
    fn behavior_follows_drive_thresholds() {
        // drive = 0.5 * 0.8 + 0.3 * 0.5 + 0.2 * 0.5 = 0.65
        assert_eq!(
            determine_scene_behavior(&stakeholder(0.5, 0.8, 0.9), 0.5),
            Behavior::Aggressive
        );
        // drive = 0.5 * 0.2 + 0.3 * 0.2 + 0.2 * 0.5 = 0.26, loyal
        assert_eq!(
            determine_scene_behavior(&stakeholder(0.2, 0.2, 0.9), 0.5),
            Behavior::Cooperative
        );
        // drive = 0.5 * 0.2 + 0.3 * 0.8 + 0.2 * 0.5 = 0.44, stressed
        assert_eq!(
            determine_scene_behavior(&stakeholder(0.8, 0.2, 0.1), 0.5),
            Behavior::Defensive
        );
        assert_eq!(
            determine_scene_behavior(&stakeholder(0.1, 0.1, 0.1), 0.1),
            Behavior::Cautious
        );
    }

    #[test]
    fn inactive_stakeholder_is_idle() {
        let mut state = stakeholder(1.0, 1.0, 0.0);
        state.active = false;
        assert_eq!(determine_scene_behavior(&state, 1.0), Behavior::Idle);
    }

    #[test]
    fn dispatch_rule_needs_no_ready_plan() {
        let state = stakeholder(0.1, 0.1, 0.1);
        assert!(should_dispatch_action_generation(&state, 0.3, 0));
        assert!(!should_dispatch_action_generation(&state, 0.3, 1));
        assert!(!should_dispatch_action_generation(&state, 0.29, 0));
        assert!(should_dispatch_action_generation(
            &stakeholder(0.5, 0.0, 0.0),
            0.0,
            0
        ));
    }

    #[test]
    fn context_hash_is_stable() {
        assert_eq!(
            plan_context_hash(&["1", "2"]),
            plan_context_hash(&["1", "2"])
        );
        assert_ne!(plan_context_hash(&["1", "2"]), plan_context_hash(&["12"]));
    }

    #[test]
    fn priority_ranks_aggressive_first() {
        assert_eq!(plan_priority(Behavior::Aggressive), 8);
        assert_eq!(plan_priority(Behavior::Idle), 1);
    }
}
