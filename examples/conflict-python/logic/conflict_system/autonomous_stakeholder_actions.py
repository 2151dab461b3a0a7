"""Slow path: stakeholders decide and react through an agent run."""

from agents import Agent, Runner

decider = Agent(name="stakeholder", instructions="Decide the stakeholder's next move.")


async def make_autonomous_decision(stakeholder_id: int, scene_hash: str) -> dict:
    result = await Runner.run(decider, f"stakeholder {stakeholder_id} in scene {scene_hash}")
    return {"stakeholder_id": stakeholder_id, "action": result.final_output}


async def generate_reaction(stakeholder_id: int, choice: dict) -> dict:
    result = await Runner.run(decider, f"stakeholder {stakeholder_id} reacts to {choice}")
    return {"stakeholder_id": stakeholder_id, "reaction": result.final_output}
