"""One more agent replica beside the one ``deskpilot up`` supervises: ``deskpilot serve agent`` as a process of the
test's own, with the environment the supervisor gave its agent (read from that process: the same NATS, database
role, vault keys), nobody to restart it when it dies; and the counters of an agent process's ``/metrics``."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx2
from prometheus_client.parser import text_string_to_metric_families

from deskpilot.embedded import free_port
from tests.faultkit.platform import Up


@dataclass
class Replica:
    proc: subprocess.Popen[bytes]
    url: str
    log: Path


def start_replica(up: Up, log: Path, *, env: dict[str, str] | None = None, timeout: float = 180) -> Replica:
    """A second agent process, returned once its ``/readyz`` answers 200; its output in ``log``; ``env`` added to
    the supervised agent's environment."""
    env = {**up.service("agent").environ(), **(env or {})}
    port = free_port()
    argv = [sys.executable, "-m", "deskpilot.cli", "serve", "agent", "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(argv, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    replica = Replica(proc, f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + timeout  # a loaded machine starts Python slowly
    while True:
        with contextlib.suppress(httpx2.TransportError):
            if httpx2.get(f"{replica.url}/v1/agent/readyz", timeout=2).status_code == 200:
                return replica
        if proc.poll() is not None or time.monotonic() > deadline:
            stop_replica(replica)
            raise AssertionError(
                f"the extra agent replica did not become ready:\n{log.read_text(errors='replace')[-3000:]}"
            )
        time.sleep(0.1)


def stop_replica(replica: Replica) -> None:
    if replica.proc.poll() is None:
        replica.proc.kill()
    replica.proc.wait(30)


def supervised_agent_url(up: Up) -> str:
    """The address of the agent ``deskpilot up`` runs (the same port across its restarts), from ``runtime.json``."""
    return str(json.loads((up.data_dir / "runtime.json").read_text())["services"]["agent"])


async def _agent_sum(url: str, family: str, suffix: str, labels: dict[str, str]) -> float:
    """The sum of ``family``'s samples named ``family + suffix`` in one agent process's metrics that match
    ``labels``; durables of the conversation triggers only (``agent-on-*``) when the family has a consumer."""
    async with httpx2.AsyncClient(timeout=5) as http:
        text = (await http.get(f"{url}/metrics")).text
    return sum(
        sample.value
        for metric in text_string_to_metric_families(text)
        if metric.name == family
        for sample in metric.samples
        if sample.name == family + suffix
        and sample.labels.get("consumer", "agent-on-").startswith("agent-on-")
        and all(sample.labels.get(k) == v for k, v in labels.items())
    )


async def agent_holding(url: str) -> float:
    """Deliveries of the conversation triggers one agent process holds now (taken, not settled)."""
    return await _agent_sum(url, "deskpilot_consumer_in_flight", "", {})


async def agent_counter(url: str, family: str, **labels: str) -> float:
    """The sum of a counter (``family`` without ``_total``) over one agent process's samples matching ``labels``."""
    return await _agent_sum(url, family, "_total", labels)
