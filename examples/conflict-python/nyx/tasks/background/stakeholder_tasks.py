"""Slow-path stakeholder tasks: they may call the model."""

import asyncio

from logic.conflict_system.autonomous_stakeholder_actions import generate_reaction, make_autonomous_decision
from nyx.tasks.celery_app import app


@app.task(bind=True, max_retries=3)
def generate_stakeholder_action(self, stakeholder_id: int, scene_hash: str):
    return asyncio.run(make_autonomous_decision(stakeholder_id, scene_hash))


@app.task(bind=True, max_retries=3)
def generate_stakeholder_reaction(self, stakeholder_id: int, choice: dict):
    return asyncio.run(generate_reaction(stakeholder_id, choice))
