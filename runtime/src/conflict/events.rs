//! Game events the API accepts, with their validation rules.

use serde::{Deserialize, Serialize};

/// A stakeholder's state as the game reports it. Scores are in the unit interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StakeholderState {
    pub id: i64,
    #[serde(default = "default_role")]
    pub role: String,
    #[serde(default)]
    pub stress: f64,
    #[serde(default)]
    pub aggression: f64,
    #[serde(default)]
    pub loyalty: f64,
    #[serde(default = "default_true")]
    pub active: bool,
}

fn default_role() -> String {
    "bystander".into()
}

fn default_true() -> bool {
    true
}

/// Phases a conflict moves through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Brewing,
    Active,
    Climax,
    Resolution,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Brewing => "brewing",
            Phase::Active => "active",
            Phase::Climax => "climax",
            Phase::Resolution => "resolution",
        }
    }
}

/// Numeric state of a conflict. Intensity and progress are in [0, 1], momentum in [-1, 1].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ConflictState {
    pub intensity: f64,
    #[serde(default)]
    pub momentum: f64,
    #[serde(default)]
    pub player_progress: f64,
}

/// A game event, tagged by `type` in JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum GameEvent {
    ConflictUpdated(crate::conflict::stakeholder::handlers::ConflictUpdated),
    PlayerChoice(crate::conflict::stakeholder::handlers::PlayerChoice),
    StateSync(crate::conflict::stakeholder::handlers::StateSync),
    DirectActionRequest(crate::conflict::stakeholder::handlers::DirectActionRequest),
    PhaseTransition(crate::conflict::flow::handlers::PhaseTransition),
    ConflictEvent(crate::conflict::flow::handlers::ConflictEvent),
    ReputationChange(crate::conflict::social::handlers::ReputationChange),
    AllianceProposal(crate::conflict::social::handlers::AllianceProposal),
    CanonCandidate(crate::conflict::canon::handlers::CanonCandidate),
    TensionUpdate(crate::conflict::tension::handlers::TensionUpdate),
    EdgeCase(crate::conflict::recovery::handlers::EdgeCase),
    VictoryCheck(crate::conflict::victory::handlers::VictoryCheck),
    GrandConflict(crate::conflict::grand::handlers::GrandConflict),
}

impl GameEvent {
    /// Returns the snake_case event type, used as the handler name in metrics and logs.
    pub fn kind(&self) -> &'static str {
        match self {
            GameEvent::ConflictUpdated(_) => "conflict_updated",
            GameEvent::PlayerChoice(_) => "player_choice",
            GameEvent::StateSync(_) => "state_sync",
            GameEvent::DirectActionRequest(_) => "direct_action_request",
            GameEvent::PhaseTransition(_) => "phase_transition",
            GameEvent::ConflictEvent(_) => "conflict_event",
            GameEvent::ReputationChange(_) => "reputation_change",
            GameEvent::AllianceProposal(_) => "alliance_proposal",
            GameEvent::CanonCandidate(_) => "canon_candidate",
            GameEvent::TensionUpdate(_) => "tension_update",
            GameEvent::EdgeCase(_) => "edge_case",
            GameEvent::VictoryCheck(_) => "victory_check",
            GameEvent::GrandConflict(_) => "grand_conflict",
        }
    }
}

/// A rejected field of an event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid field {field}: {message}")]
pub struct ValidationError {
    pub field: String,
    pub message: String,
}

impl ValidationError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Checks that `value` is finite and inside `[low, high]`.
pub fn check_range(field: &str, value: f64, low: f64, high: f64) -> Result<(), ValidationError> {
    if value.is_finite() && (low..=high).contains(&value) {
        Ok(())
    } else {
        Err(ValidationError::new(
            field,
            format!("must be a number in [{low}, {high}], got {value}"),
        ))
    }
}

/// Checks that an id is positive.
pub fn check_id(field: &str, value: i64) -> Result<(), ValidationError> {
    if value > 0 {
        Ok(())
    } else {
        Err(ValidationError::new(
            field,
            format!("must be a positive integer, got {value}"),
        ))
    }
}

/// Checks that a text is non-empty and at most `max_chars` characters long.
pub fn check_text(field: &str, value: &str, max_chars: usize) -> Result<(), ValidationError> {
    let length = value.chars().count();
    if value.trim().is_empty() {
        Err(ValidationError::new(field, "must not be empty"))
    } else if length > max_chars {
        Err(ValidationError::new(
            field,
            format!("must be at most {max_chars} characters, got {length}"),
        ))
    } else {
        Ok(())
    }
}

/// Checks a list's length.
pub fn check_len(
    field: &str,
    length: usize,
    low: usize,
    high: usize,
) -> Result<(), ValidationError> {
    if (low..=high).contains(&length) {
        Ok(())
    } else {
        Err(ValidationError::new(
            field,
            format!("must have {low} to {high} items, got {length}"),
        ))
    }
}

impl StakeholderState {
    /// Validates the id and the unit-interval scores; `prefix` names the list element.
    pub fn validate(&self, prefix: &str) -> Result<(), ValidationError> {
        check_id(&format!("{prefix}.id"), self.id)?;
        check_range(&format!("{prefix}.stress"), self.stress, 0.0, 1.0)?;
        check_range(&format!("{prefix}.aggression"), self.aggression, 0.0, 1.0)?;
        check_range(&format!("{prefix}.loyalty"), self.loyalty, 0.0, 1.0)?;
        check_text(&format!("{prefix}.role"), &self.role, 64)
    }
}

impl ConflictState {
    pub fn validate(&self, prefix: &str) -> Result<(), ValidationError> {
        check_range(&format!("{prefix}.intensity"), self.intensity, 0.0, 1.0)?;
        check_range(&format!("{prefix}.momentum"), self.momentum, -1.0, 1.0)?;
        check_range(
            &format!("{prefix}.player_progress"),
            self.player_progress,
            0.0,
            1.0,
        )
    }
}

/// Validates every stakeholder of a list.
pub fn validate_stakeholders(
    field: &str,
    stakeholders: &[StakeholderState],
) -> Result<(), ValidationError> {
    check_len(field, stakeholders.len(), 1, 64)?;
    for (index, stakeholder) in stakeholders.iter().enumerate() {
        stakeholder.validate(&format!("{field}[{index}]"))?;
    }
    Ok(())
}
