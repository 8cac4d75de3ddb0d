"""``deskpilot releases`` before any answer: without a key, and with no API where ``--url`` points. What it prints
for the API's answers is tested on the agent service (services/agent/tests/test_releases.py) and through the
gateway (tests/e2e/test_replay.py)."""

from __future__ import annotations

import argparse

import pytest

from deskpilot import releases_cli
from deskpilot.embedded import free_port


def test_no_key_is_2_and_no_api_is_1_with_a_line_not_a_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    assert releases_cli.run(argparse.Namespace(action="list", url=url, key=None)) == 2
    assert "DESKPILOT_API_KEY" in capsys.readouterr().out
    assert releases_cli.run(argparse.Namespace(action="list", url=url, key="dp_x")) == 1
    assert capsys.readouterr().out.startswith(f"cannot reach the API at {url}: ConnectError(")
