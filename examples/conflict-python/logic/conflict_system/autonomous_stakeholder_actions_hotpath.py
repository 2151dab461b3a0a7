"""Hot-path helpers for stakeholder actions: rules, cache and database reads,
and task dispatch. The model functions are imported to name them, never called."""

from nyx import cache, db
from nyx.tasks.background.stakeholder_tasks import generate_stakeholder_action, generate_stakeholder_reaction

from .autonomous_stakeholder_actions import generate_reaction, make_autonomous_decision

MODEL_FUNCTIONS = (make_autonomous_decision.__name__, generate_reaction.__name__)


async def fetch_ready_actions_for_scene(pool, scene_hash: str) -> list:
    return await db.ready_actions(pool, scene_hash)


def determine_scene_behavior(tension: float) -> str:
    if tension > 0.7:
        return "confrontational"
    return "cautious" if tension > 0.3 else "calm"


def should_dispatch_action_generation(stakeholder: dict) -> bool:
    return stakeholder.get("active", False) and not stakeholder.get("has_ready_action", False)


async def dispatch_action_generation(stakeholder_id: int, scene_hash: str) -> None:
    if await cache.try_lock(f"action:{stakeholder_id}:{scene_hash}"):
        generate_stakeholder_action.delay(stakeholder_id, scene_hash)


async def dispatch_reaction_generation(stakeholder_id: int, choice: dict) -> None:
    if await cache.try_lock(f"reaction:{stakeholder_id}:{choice['id']}"):
        generate_stakeholder_reaction.delay(stakeholder_id, choice)
