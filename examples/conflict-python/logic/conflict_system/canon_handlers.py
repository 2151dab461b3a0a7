"""Event handlers for conflict canon: the lore check still runs an agent."""

from agents import Agent, Runner

lore_keeper = Agent(name="lore", instructions="Check the event against the canon.")

FORBIDDEN_WORDS = {"teleport", "resurrect"}


def lore_compliance_fast(text: str) -> bool:
    return not any(word in text.lower() for word in FORBIDDEN_WORDS)


async def on_canon_event(event: dict) -> bool:
    if not lore_compliance_fast(event["text"]):
        return False
    result = await Runner.run(lore_keeper, event["text"])
    return result.final_output == "compliant"
