//! Routes each game event to its subsystem handler. Handlers never await a model or a task.

use serde_json::Value;

use super::events::{GameEvent, ValidationError};
use super::{canon, flow, grand, recovery, social, stakeholder, tension, victory, HotContext};
use crate::store::StoreError;

/// Errors a handler returns to the API.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Validates and handles one game event; returns the handler's JSON response.
pub async fn handle_event(ctx: &HotContext, event: GameEvent) -> Result<Value, HandlerError> {
    match event {
        GameEvent::ConflictUpdated(event) => {
            stakeholder::handlers::conflict_updated(ctx, event).await
        }
        GameEvent::PlayerChoice(event) => stakeholder::handlers::player_choice(ctx, event).await,
        GameEvent::StateSync(event) => stakeholder::handlers::state_sync(ctx, event).await,
        GameEvent::DirectActionRequest(event) => {
            stakeholder::handlers::direct_action_request(ctx, event).await
        }
        GameEvent::PhaseTransition(event) => flow::handlers::phase_transition(ctx, event).await,
        GameEvent::ConflictEvent(event) => flow::handlers::conflict_event(ctx, event).await,
        GameEvent::ReputationChange(event) => social::handlers::reputation_change(ctx, event).await,
        GameEvent::AllianceProposal(event) => social::handlers::alliance_proposal(ctx, event).await,
        GameEvent::CanonCandidate(event) => canon::handlers::canon_candidate(ctx, event).await,
        GameEvent::TensionUpdate(event) => tension::handlers::tension_update(ctx, event).await,
        GameEvent::EdgeCase(event) => recovery::handlers::edge_case(ctx, event).await,
        GameEvent::VictoryCheck(event) => victory::handlers::victory_check(ctx, event).await,
        GameEvent::GrandConflict(event) => grand::handlers::grand_conflict(ctx, event).await,
    }
}
