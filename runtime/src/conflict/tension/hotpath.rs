//! Tension hot-path helpers: the rule-based score, its bands, the cache-first bundle read and dispatches.

use serde::Serialize;
use serde_json::{json, Value};

use super::{EscalationJob, TensionFactors, TensionJob};
use crate::cache::keys;
use crate::conflict::hotpath::{dispatch_once, read_or_dispatch, scene_hash, unit, Lookup};
use crate::conflict::HotContext;
use crate::queue::{Task, TaskName};

/// Named ranges of the tension score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TensionBand {
    Calm,
    Uneasy,
    Tense,
    Volatile,
}

impl TensionBand {
    pub fn as_str(self) -> &'static str {
        match self {
            TensionBand::Calm => "calm",
            TensionBand::Uneasy => "uneasy",
            TensionBand::Tense => "tense",
            TensionBand::Volatile => "volatile",
        }
    }
}

/// Returns the tension score in [0, 1]: 0.35 hostility + 0.25 stakes + 0.15 proximity
/// + 0.15 secrets + 0.10 time pressure, each factor clamped to [0, 1] first.
pub fn calculate_tension_score(factors: &TensionFactors) -> f64 {
    let score = 0.35 * unit(factors.hostility)
        + 0.25 * unit(factors.stakes)
        + 0.15 * unit(factors.proximity)
        + 0.15 * unit(factors.secrets)
        + 0.10 * unit(factors.time_pressure);
    unit(score)
}

/// Returns the band of a score: below 0.25 calm, below 0.5 uneasy, below 0.75 tense, else volatile.
pub fn tension_band(score: f64) -> TensionBand {
    if score < 0.25 {
        TensionBand::Calm
    } else if score < 0.5 {
        TensionBand::Uneasy
    } else if score < 0.75 {
        TensionBand::Tense
    } else {
        TensionBand::Volatile
    }
}

/// Returns whether the score moved into a higher band.
pub fn is_escalation(previous_score: f64, score: f64) -> bool {
    tension_band(score) > tension_band(previous_score)
}

fn bundle_task(job: &TensionJob) -> Task {
    Task::new(
        TaskName::UpdateTensionBundleCache,
        &job.scene_hash,
        json!(job),
    )
}

/// Returns the cached tension bundle, or dispatches its update and returns a rule-based fallback.
pub async fn get_tension_bundle(ctx: &HotContext, scene_id: i64, factors: TensionFactors) -> Value {
    let hash = scene_hash(scene_id);
    let key = keys::tension_bundle(&hash);
    let job = TensionJob {
        scene_id,
        scene_hash: hash.clone(),
        factors,
    };
    match read_or_dispatch(ctx, &key, bundle_task(&job)).await {
        Lookup::Hit(bundle) => bundle,
        Lookup::Miss { dispatched } => {
            let score = calculate_tension_score(&factors);
            json!({
                "scene_hash": hash,
                "score": score,
                "band": tension_band(score),
                "manifestations": [],
                "source": "fallback",
                "generation_dispatched": dispatched,
            })
        }
    }
}

/// Dispatches a bundle refresh with new factors; returns whether this call queued it.
pub async fn queue_bundle_refresh(ctx: &HotContext, job: &TensionJob) -> bool {
    let lock = format!("lock:tension_refresh:{}", job.scene_hash);
    dispatch_once(ctx, &lock, bundle_task(job)).await
}

/// Dispatches manifestation generation for a scene; returns whether this call queued it.
pub async fn queue_manifestation_generation(ctx: &HotContext, job: &TensionJob) -> bool {
    let band = tension_band(calculate_tension_score(&job.factors));
    let suffix = format!("{}:{}", job.scene_hash, band.as_str());
    let lock = format!("lock:tension_manifestations:{suffix}");
    dispatch_once(
        ctx,
        &lock,
        Task::new(TaskName::GenerateTensionManifestations, suffix, json!(job)),
    )
    .await
}

/// Dispatches escalation narration for a conflict; returns whether this call queued it.
pub async fn queue_escalation_narration(ctx: &HotContext, job: &EscalationJob) -> bool {
    let key = keys::escalation_narrative(job.conflict_id);
    let suffix = format!("{}:{}", job.conflict_id, job.band);
    dispatch_once(
        ctx,
        &key.lock_name(),
        Task::new(TaskName::NarrateEscalation, suffix, json!(job)),
    )
    .await
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

    fn factors(
        hostility: f64,
        stakes: f64,
        proximity: f64,
        secrets: f64,
        time_pressure: f64,
    ) -> TensionFactors {
        TensionFactors {
            hostility,
            stakes,
            proximity,
            secrets,
            time_pressure,
        }
    }

    #[test]
    fn score_is_weighted_sum() {
        assert_close(
            calculate_tension_score(&factors(1.0, 1.0, 1.0, 1.0, 1.0)),
            1.0,
        );
        assert_close(
            calculate_tension_score(&factors(1.0, 0.0, 0.0, 0.0, 0.0)),
            0.35,
        );
        assert_close(
            calculate_tension_score(&factors(0.5, 0.4, 0.2, 0.0, 1.0)),
            0.405,
        );
    }

    #[test]
    fn score_clamps_factors() {
        assert_close(
            calculate_tension_score(&factors(2.0, -1.0, 0.0, 0.0, 0.0)),
            0.35,
        );
    }

    #[test]
    fn bands_split_at_quarters() {
        assert_eq!(tension_band(0.0), TensionBand::Calm);
        assert_eq!(tension_band(0.25), TensionBand::Uneasy);
        assert_eq!(tension_band(0.5), TensionBand::Tense);
        assert_eq!(tension_band(0.749), TensionBand::Tense);
        assert_eq!(tension_band(0.75), TensionBand::Volatile);
    }

    #[test]
    fn escalation_needs_a_higher_band() {
        assert!(is_escalation(0.4, 0.6));
        assert!(!is_escalation(0.5, 0.7));
        assert!(!is_escalation(0.8, 0.3));
    }
}
