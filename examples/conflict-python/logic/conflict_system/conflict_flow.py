"""Slow path: the model narrates phase transitions."""

from nyx.gateway import llm_json


async def transition_narrator(conflict_id: int, old_phase: str, new_phase: str) -> str:
    reply = await llm_json(f"Narrate conflict {conflict_id} moving from {old_phase} to {new_phase}.")
    return reply["text"]
