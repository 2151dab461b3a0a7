"""Hot-path helpers for the conflict flow."""

from nyx import cache
from nyx.tasks.background.flow_tasks import narrate_phase_transition

from .conflict_flow import transition_narrator


def apply_event_math(state: dict, event: dict) -> dict:
    intensity = min(1.0, max(0.0, state["intensity"] + event.get("delta", 0.0)))
    return {**state, "intensity": intensity}


def queue_phase_narration(conflict_id: int, old_phase: str, new_phase: str) -> None:
    narrate_phase_transition.delay(conflict_id, old_phase, new_phase)


async def get_cached_transition_text(conflict_id: int) -> str:
    text = await cache.get_json(f"conflict:{conflict_id}:transition_narrative")
    return text or "The conflict shifts."


async def narrate_now(conflict_id: int, old_phase: str, new_phase: str) -> str:
    # Not refactored yet: this helper still waits for the model.
    return await transition_narrator(conflict_id, old_phase, new_phase)
