"""Slow path: the model summarizes how a conflict ended."""

from nyx.gateway import llm_json


async def summarize_victory(conflict_id: int, winner_id: int) -> str:
    reply = await llm_json(f"Summarize the end of conflict {conflict_id}, won by {winner_id}.")
    return reply["text"]
