"""Tests may call the model functions: they run outside the hot path."""

import asyncio

from logic.conflict_system.autonomous_stakeholder_actions import make_autonomous_decision
from logic.conflict_system.autonomous_stakeholder_actions_hotpath import determine_scene_behavior


def test_scene_behavior_follows_tension():
    assert determine_scene_behavior(0.9) == "confrontational"
    assert determine_scene_behavior(0.1) == "calm"


def test_decision_has_action():
    decision = asyncio.run(make_autonomous_decision(1, "scene"))
    assert "action" in decision
