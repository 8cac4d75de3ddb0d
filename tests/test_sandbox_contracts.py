"""What simulations offer the agent must be what the services publish: a suite's expectations hold live too."""

from __future__ import annotations

from libs import demo_store
from services.agent.simulation.world import GET_ARTICLE, SEARCH_KNOWLEDGE
from services.integrations.manifest import builtin_manifests
from services.knowledge.service import TOOLS


def test_the_knowledge_tools_of_a_simulation_are_the_knowledge_services() -> None:
    assert (SEARCH_KNOWLEDGE, GET_ARTICLE) == TOOLS


def test_the_demo_store_tools_of_a_simulation_are_the_integrations_services() -> None:
    assert tuple(builtin_manifests()["demo_store"].tool_specs()) == demo_store.tool_specs()
