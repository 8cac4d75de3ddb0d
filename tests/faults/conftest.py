"""One ``deskpilot up`` per module on a 3-node JetStream cluster (given as a list, R3 streams) and a PostgreSQL of
its own, for tests that kill nodes, stop the database and crash services under load (``tests/faultkit``)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faultkit.platform import Up, start_up, stop_up


@pytest.fixture(scope="module")
def up() -> Iterator[Up]:
    # Not pytest's tmp_path: PostgreSQL runs as its own system user and needs to traverse the parents (0700 there).
    with tempfile.TemporaryDirectory(prefix="deskpilot-faults-") as d:
        platform = start_up(Path(d))
        try:
            yield platform
        finally:
            stop_up(platform)
