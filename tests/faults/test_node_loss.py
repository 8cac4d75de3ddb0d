"""A NATS node SIGKILLed under load on the 3-node cluster given as a list: the node the services are connected to,
the events stream's leader, the meta leader. Every accepted message is answered exactly once and no acknowledged
event is lost; the node comes back and catches up."""

from __future__ import annotations

import asyncio

import pytest

from tests.faultkit.cluster import Node
from tests.faultkit.platform import Up
from tests.faultkit.scenario import under_load

DOWN_S = 5.0


async def _victim(up: Up, which: str) -> Node:
    cluster = up.cluster
    if which == "first listed":  # every process connects to the first URL of the list unless it is down
        return cluster.nodes[0]
    if which == "stream leader":
        name = await cluster.stream_leader()
    else:
        name = await asyncio.to_thread(cluster.meta_leader)
    assert name, f"no {which}"
    return cluster.node(name)


@pytest.mark.parametrize("which", ["stream leader", "meta leader", "first listed"])
async def test_a_node_killed_under_load_loses_nothing(up: Up, which: str) -> None:
    async def kill_and_restart() -> None:
        node = await _victim(up, which)
        up.cluster.kill(node)
        await asyncio.sleep(DOWN_S)  # the fault itself: the cluster carries on without the node meanwhile
        up.cluster.start(node)  # it rejoins and catches up from the others
        await asyncio.to_thread(up.cluster.wait_ready)

    outcome = await under_load(up, kill_and_restart, before=30, after=40)
    print(outcome.line(f"{which} SIGKILLed"))
    assert outcome.verdict.clean, outcome.line(which)
    assert outcome.verdict.answered_once >= outcome.verdict.accepted
