"""Slow-path conflict-flow tasks: narration is written to the cache."""

import asyncio

from logic.conflict_system.conflict_flow import transition_narrator
from nyx import cache
from nyx.tasks.celery_app import app


@app.task
def narrate_phase_transition(conflict_id: int, old_phase: str, new_phase: str):
    text = asyncio.run(transition_narrator(conflict_id, old_phase, new_phase))
    key = f"conflict:{conflict_id}:transition_narrative"
    asyncio.run(cache.set_json(key, text, cache.NARRATIVE_SECONDS))
