"""Slow-path social-circle tasks."""

import asyncio

from nyx import cache
from nyx.gateway import llm_json
from nyx.tasks.celery_app import app


@app.task
def generate_gossip(scene_hash: str, npc_ids: list):
    items = asyncio.run(llm_json(f"Gossip among {npc_ids}"))
    asyncio.run(cache.set_json(f"gossip:{scene_hash}", items, cache.BUNDLE_SECONDS))
