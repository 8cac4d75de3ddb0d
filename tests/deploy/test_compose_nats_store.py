"""docker-compose moves an old NATS volume's streams to the account ``LOG`` before its NATS server starts (decision
0051), with the code ``deskpilot up`` runs: without it the server started with an empty ``LOG``, the services made
empty streams there and the history stayed unread in ``jetstream/$G``."""

from __future__ import annotations

from pathlib import Path

from deskpilot.cli import main
from tests.deploy.test_manifests import command, compose, mounts


def test_compose_moves_an_old_volumes_streams_before_nats_starts(tmp_path: Path) -> None:
    services = compose()["services"]
    nats = services["nats"]
    store_dir = command(nats)[command(nats).index("-sd") + 1]
    moves = [name for name, s in services.items() if "command" in s and command(s)[:1] == ["nats-move-streams"]]
    assert len(moves) == 1, "one step moves the streams"
    step = services[moves[0]]
    target = command(step)[1]
    assert mounts(step) == {target: mounts(nats)[store_dir]}, "the NATS data volume, at the path it is given"
    assert nats["depends_on"][moves[0]] == {"condition": "service_completed_successfully"}
    assert step["image"] == services["nats-auth"]["image"]
    assert step["restart"] == "no"
    assert str(step["user"]).partition(":")[0] == "0", "the NATS server writes its store as root, mode 700"
    assert step["cap_drop"] == ["ALL"]
    assert step["network_mode"] == "none"

    # The step's command, run on a store from before 0051 (the real server's layout: tests/test_event_forgery.py).
    store = tmp_path / "data"
    old_stream = store / "jetstream" / "$G" / "streams" / "DP_EVENTS"
    old_stream.mkdir(parents=True)
    (old_stream / "meta.inf").write_text("{}")
    assert main([*command(step)[:1], str(store)]) == 0
    assert (store / "jetstream" / "LOG" / "streams" / "DP_EVENTS" / "meta.inf").read_text() == "{}"
    assert not (store / "jetstream" / "$G").exists()
