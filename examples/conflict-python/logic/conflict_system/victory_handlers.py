"""Event handlers for the end of a conflict: the summary is still written inline."""

from .victory import summarize_victory


async def on_victory(conflict: dict) -> dict:
    summary = await summarize_victory(conflict["id"], conflict["winner"])
    return {"conflict_id": conflict["id"], "summary": summary}
