"""Event handlers for stakeholders, refactored: they dispatch tasks and return at once."""

from .autonomous_stakeholder_actions_hotpath import (
    determine_scene_behavior,
    dispatch_action_generation,
    dispatch_reaction_generation,
    fetch_ready_actions_for_scene,
    should_dispatch_action_generation,
)


async def on_conflict_updated(conflict: dict) -> None:
    for stakeholder in conflict["stakeholders"]:
        if should_dispatch_action_generation(stakeholder):
            await dispatch_action_generation(stakeholder["id"], conflict["scene_hash"])


async def on_player_choice(choice: dict) -> None:
    for stakeholder_id in choice["affected"]:
        await dispatch_reaction_generation(stakeholder_id, choice)


async def on_state_sync(pool, scene: dict) -> dict:
    actions = await fetch_ready_actions_for_scene(pool, scene["hash"])
    return {"actions": actions, "behavior": determine_scene_behavior(scene["tension"])}
