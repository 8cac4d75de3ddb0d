"""A NATS node SIGKILLed under load on the 3-node cluster given as a list: the node the services are connected to,
the events stream's leader, the meta leader. Every accepted message is answered exactly once and no acknowledged
event is lost; the node comes back and catches up: its own replica of the events stream (its ``/jsz``) reaches the
last sequence the stream's leader reports once the load is over."""

from __future__ import annotations

import asyncio

import pytest

from tests.faultkit.cluster import Node
from tests.faultkit.platform import Up
from tests.faultkit.scenario import under_load
from tests.support import eventually

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
    killed: list[Node] = []

    async def kill_and_restart() -> None:
        node = await _victim(up, which)
        killed.append(node)
        up.cluster.kill(node)
        await asyncio.sleep(DOWN_S)  # the fault itself: the cluster carries on without the node meanwhile
        up.cluster.start(node)  # it rejoins and catches up from the others
        await asyncio.to_thread(up.cluster.wait_ready)

    outcome = await under_load(up, kill_and_restart, before=30, after=40)
    print(outcome.line(f"{which} SIGKILLed"))
    assert outcome.verdict.clean, outcome.line(which)
    assert outcome.verdict.answered_once >= outcome.verdict.accepted

    (node,) = killed
    cluster = up.cluster
    leader = await cluster.stream_leader()
    assert leader, "no stream leader after the load"
    target = await asyncio.to_thread(cluster.stored_last_seq, cluster.node(leader))
    assert target, f"the leader {leader} reports no stream"

    async def caught_up() -> int | None:
        stored = await asyncio.to_thread(cluster.stored_last_seq, node)
        return stored if stored is not None and stored >= target else None

    what = f"{node.name}'s replica to reach the leader's sequence {target}"
    stored = await eventually(caught_up, timeout=60, what=what)
    print(f"{node.name} rejoined: its replica at {stored}, the leader {leader} at {target}")
