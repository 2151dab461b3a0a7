//! Conflict-flow hot-path helpers: pure numeric state updates, beat triggers and cached narration.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{BeatJob, TransitionJob};
use crate::cache::keys;
use crate::conflict::events::{ConflictState, Phase};
use crate::conflict::hotpath::{read_or_dispatch, unit, Lookup};
use crate::conflict::HotContext;
use crate::queue::{Task, TaskName};

/// Kinds of in-conflict events that move the numeric state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlowEventKind {
    Escalation,
    Concession,
    Revelation,
    Setback,
}

/// Intensity levels whose upward crossing triggers a dramatic beat.
const INTENSITY_BEATS: [(f64, &str); 3] =
    [(0.33, "rising"), (0.66, "peak"), (0.9, "breaking_point")];
/// Player-progress levels whose upward crossing triggers a dramatic beat.
const PROGRESS_BEATS: [(f64, &str); 2] = [(0.5, "turning_point"), (1.0, "resolution")];

/// Applies one event to the state and clamps the results to their ranges.
/// `magnitude` is clamped to [0, 1]. The changes per unit of magnitude are:
/// - escalation: +0.2 intensity, +0.1 momentum
/// - concession: -0.15 intensity, +0.1 progress
/// - revelation: +0.1 intensity, +0.15 progress, +0.05 momentum
/// - setback: -0.1 progress, -0.1 momentum
pub fn apply_event_math(
    state: ConflictState,
    kind: FlowEventKind,
    magnitude: f64,
) -> ConflictState {
    let m = unit(magnitude);
    let (d_intensity, d_momentum, d_progress) = match kind {
        FlowEventKind::Escalation => (0.2, 0.1, 0.0),
        FlowEventKind::Concession => (-0.15, 0.0, 0.1),
        FlowEventKind::Revelation => (0.1, 0.05, 0.15),
        FlowEventKind::Setback => (0.0, -0.1, -0.1),
    };
    ConflictState {
        intensity: unit(state.intensity + d_intensity * m),
        momentum: (state.momentum + d_momentum * m).clamp(-1.0, 1.0),
        player_progress: unit(state.player_progress + d_progress * m),
    }
}

/// Returns the id of the beat the update triggers: the highest intensity level crossed upward,
/// else the highest progress level crossed upward, else none.
pub fn should_trigger_beat(before: &ConflictState, after: &ConflictState) -> Option<&'static str> {
    let crossed = |levels: &[(f64, &'static str)], old: f64, new: f64| {
        levels
            .iter()
            .rev()
            .find(|(level, _)| old < *level && new >= *level)
            .map(|(_, name)| *name)
    };
    crossed(&INTENSITY_BEATS, before.intensity, after.intensity).or_else(|| {
        crossed(
            &PROGRESS_BEATS,
            before.player_progress,
            after.player_progress,
        )
    })
}

/// Returns whether a conflict may move from `from` to `to`: one phase forward, or straight to resolution.
pub fn is_valid_transition(from: Phase, to: Phase) -> bool {
    let next = match from {
        Phase::Brewing => Some(Phase::Active),
        Phase::Active => Some(Phase::Climax),
        Phase::Climax => Some(Phase::Resolution),
        Phase::Resolution => None,
    };
    Some(to) == next || (to == Phase::Resolution && from != Phase::Resolution)
}

/// Returns the cached transition prose, or dispatches its narration and returns `None`.
pub async fn get_cached_transition_text(ctx: &HotContext, job: &TransitionJob) -> Option<String> {
    let key = keys::transition_narrative(job.conflict_id);
    match read_or_dispatch(ctx, &key, transition_task(job)).await {
        Lookup::Hit(value) => value
            .get("text")
            .and_then(Value::as_str)
            .map(str::to_string),
        Lookup::Miss { .. } => None,
    }
}

/// Dispatches narration of a phase transition; returns whether this call queued it.
pub async fn queue_phase_narration(ctx: &HotContext, job: &TransitionJob) -> bool {
    let key = keys::transition_narrative(job.conflict_id);
    crate::conflict::hotpath::dispatch_once(ctx, &key.lock_name(), transition_task(job)).await
}

fn transition_task(job: &TransitionJob) -> Task {
    let suffix = format!(
        "{}:{}:{}",
        job.conflict_id,
        job.from.as_str(),
        job.to.as_str()
    );
    Task::new(TaskName::NarratePhaseTransition, suffix, json!(job))
}

/// Dispatches the description of a beat unless it is cached; returns whether this call queued it.
pub async fn queue_beat_description(ctx: &HotContext, job: &BeatJob) -> bool {
    let key = keys::beat(job.conflict_id, &job.beat_id);
    let task = Task::new(
        TaskName::GenerateBeatDescription,
        format!("{}:{}", job.conflict_id, job.beat_id),
        json!(job),
    );
    matches!(
        read_or_dispatch(ctx, &key, task).await,
        Lookup::Miss { dispatched: true }
    )
}

/// Returns the fallback line the hot path shows while the narration is pending.
pub fn fallback_transition_text(to: Phase) -> String {
    format!("The conflict enters its {} phase.", to.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(intensity: f64, momentum: f64, player_progress: f64) -> ConflictState {
        ConflictState {
            intensity,
            momentum,
            player_progress,
        }
    }

    fn assert_close(actual: f64, expected: f64) {
        assert!(
            (actual - expected).abs() < 1e-9,
            "expected {expected}, got {actual}"
        );
    }

    #[test]
    fn escalation_raises_intensity_and_momentum() {
        let after = apply_event_math(state(0.5, 0.0, 0.2), FlowEventKind::Escalation, 0.5);
        assert_close(after.intensity, 0.6);
        assert_close(after.momentum, 0.05);
        assert_close(after.player_progress, 0.2);
    }

    #[test]
    fn concession_lowers_intensity_and_adds_progress() {
        let after = apply_event_math(state(0.5, 0.0, 0.2), FlowEventKind::Concession, 1.0);
        assert_close(after.intensity, 0.35);
        assert_close(after.player_progress, 0.3);
    }

    #[test]
    fn event_math_clamps_results() {
        let after = apply_event_math(state(0.95, 0.98, 0.0), FlowEventKind::Escalation, 1.0);
        assert_close(after.intensity, 1.0);
        assert_close(after.momentum, 1.0);
        let after = apply_event_math(state(0.0, -0.95, 0.05), FlowEventKind::Setback, 3.0);
        assert_close(after.player_progress, 0.0);
        assert_close(after.momentum, -1.0);
    }

    #[test]
    fn beat_triggers_on_highest_crossed_level() {
        assert_eq!(
            should_trigger_beat(&state(0.3, 0.0, 0.0), &state(0.7, 0.0, 0.0)),
            Some("peak")
        );
        assert_eq!(
            should_trigger_beat(&state(0.2, 0.0, 0.0), &state(0.4, 0.0, 0.0)),
            Some("rising")
        );
        assert_eq!(
            should_trigger_beat(&state(0.4, 0.0, 0.4), &state(0.4, 0.0, 0.5)),
            Some("turning_point")
        );
        assert_eq!(
            should_trigger_beat(&state(0.7, 0.0, 0.0), &state(0.6, 0.0, 0.0)),
            None
        );
        assert_eq!(
            should_trigger_beat(&state(0.4, 0.0, 0.0), &state(0.5, 0.0, 0.0)),
            None
        );
    }

    #[test]
    fn transitions_move_one_phase_or_resolve() {
        assert!(is_valid_transition(Phase::Brewing, Phase::Active));
        assert!(is_valid_transition(Phase::Active, Phase::Resolution));
        assert!(!is_valid_transition(Phase::Brewing, Phase::Climax));
        assert!(!is_valid_transition(Phase::Resolution, Phase::Resolution));
        assert!(!is_valid_transition(Phase::Climax, Phase::Active));
    }
}
