"""A real 3-node NATS JetStream cluster on loopback ports: three ``nats-server`` processes, each with its own store,
``sync_interval: always`` (every acknowledged write is on disk, as in the shipped configuration), routes to the
others, and the monitoring port (``/jsz``) that tells which node leads the meta group and how far each node's own
replica of a stream is."""

from __future__ import annotations

import contextlib
import json
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import nats

from deskpilot.embedded import free_port, nats_server_binary
from libs.events.streams import EVENTS_STREAM


@dataclass
class Node:
    name: str
    port: int
    cluster_port: int
    http_port: int
    dir: Path
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


@dataclass
class NatsCluster:
    """Three JetStream nodes named ``n1``..``n3``; :attr:`url` lists them all, comma-separated (``NATS_URL``)."""

    base: Path
    size: int = 3
    nodes: list[Node] = field(default_factory=list)

    def __post_init__(self) -> None:
        for i in range(1, self.size + 1):
            self.nodes.append(Node(f"n{i}", free_port(), free_port(), free_port(), self.base / f"n{i}"))

    @property
    def url(self) -> str:
        return ",".join(n.url for n in self.nodes)

    def node(self, name: str) -> Node:
        return next(n for n in self.nodes if n.name == name)

    def _config(self, node: Node) -> str:
        routes = ", ".join(f'"nats-route://127.0.0.1:{n.cluster_port}"' for n in self.nodes if n is not node)
        return (
            f"server_name: {node.name}\n"
            f'listen: "127.0.0.1:{node.port}"\n'
            f'http: "127.0.0.1:{node.http_port}"\n'
            "max_payload: 4MB\n"
            f'jetstream {{\n  store_dir: "{node.dir / "store"}"\n  sync_interval: always\n}}\n'
            f'cluster {{\n  name: dp\n  listen: "127.0.0.1:{node.cluster_port}"\n  routes: [{routes}]\n}}\n'
        )

    def start(self, node: Node | None = None) -> None:
        """Start every node (or one, e.g. after a kill: it rejoins and catches up from the others)."""
        for n in [node] if node else self.nodes:
            (n.dir / "store").mkdir(parents=True, exist_ok=True)
            config = n.dir / "nats.conf"
            config.write_text(self._config(n))
            log = (n.dir / "nats.log").open("ab")
            n.proc = subprocess.Popen([nats_server_binary(), "-c", str(config)], stdout=log, stderr=log)

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Until every live node answers its health check for JetStream and the meta group has a leader."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(self._healthy(n) for n in self.nodes if n.alive) and self.meta_leader():
                return
            time.sleep(0.2)
        raise TimeoutError(f"the NATS cluster was not ready within {timeout:.0f} s")

    @staticmethod
    def _healthy(node: Node) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{node.http_port}/healthz", timeout=2) as r:
                return bool(r.status == 200)
        except OSError:
            return False

    def meta_leader(self) -> str | None:
        """The name of the node that leads the JetStream meta group, as a live node sees it."""
        for node in self.nodes:
            if not node.alive:
                continue
            try:
                url = f"http://127.0.0.1:{node.http_port}/jsz"
                with urllib.request.urlopen(url, timeout=2) as r:
                    leader = json.load(r).get("meta_cluster", {}).get("leader")
            except (OSError, ValueError):
                continue
            if leader:
                return str(leader)
        return None

    @staticmethod
    def stored_last_seq(node: Node, stream: str = EVENTS_STREAM) -> int | None:
        """The last sequence of ``stream`` in ``node``'s own replica, from its monitoring endpoint
        (``/jsz?accounts=true&streams=true``: each server reports the streams it stores, as it stores them); None
        when the node does not answer or holds no replica."""
        try:
            url = f"http://127.0.0.1:{node.http_port}/jsz?accounts=true&streams=true"
            with urllib.request.urlopen(url, timeout=2) as r:
                accounts = json.load(r).get("account_details") or []
        except (OSError, ValueError):
            return None
        for account in accounts:
            for detail in account.get("stream_detail") or []:
                if detail.get("name") == stream:
                    return int(detail["state"]["last_seq"])
        return None

    async def stream_leader(self, stream: str = EVENTS_STREAM) -> str | None:
        nc = await nats.connect(self.url.split(","), connect_timeout=2, max_reconnect_attempts=2)
        try:
            info = await nc.jetstream().stream_info(stream)
        except Exception:
            return None
        finally:
            await nc.close()
        return info.cluster.leader if info.cluster else None

    def kill(self, node: Node) -> None:
        """SIGKILL: no goodbye to the cluster, no flush."""
        if node.proc is not None and node.proc.poll() is None:
            node.proc.kill()
            node.proc.wait()

    def stop(self) -> None:
        for node in self.nodes:
            if node.proc is not None and node.proc.poll() is None:
                node.proc.terminate()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    node.proc.wait(10)
                self.kill(node)
