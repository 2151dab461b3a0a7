"""Event handlers for the conflict flow: the phase handler is refactored,
the beat handler still waits for the model."""

from nyx.gateway import llm_json

from .conflict_flow_hotpath import apply_event_math, get_cached_transition_text, narrate_now, queue_phase_narration


async def on_phase_change(conflict: dict, new_phase: str) -> str:
    queue_phase_narration(conflict["id"], conflict["phase"], new_phase)
    return await get_cached_transition_text(conflict["id"])


async def on_dramatic_beat(conflict: dict, event: dict) -> dict:
    state = apply_event_math(conflict["state"], event)
    beat = await llm_json(f"Describe a dramatic beat for {event}")
    return {"state": state, "beat": beat}


async def on_phase_change_blocking(conflict: dict, new_phase: str) -> str:
    return await narrate_now(conflict["id"], conflict["phase"], new_phase)
