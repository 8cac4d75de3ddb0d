"""One ``deskpilot up`` for the whole package on a 3-node JetStream cluster (given as a list, R3 streams) and a
PostgreSQL of its own, for tests that kill nodes, stop the database and crash services under load
(``tests/faultkit``). Each test judges only the conversations its own load opened."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faultkit.platform import Up, start_up, stop_up


@pytest.fixture(scope="package")
def up() -> Iterator[Up]:
    # Not pytest's tmp_path: PostgreSQL runs as its own system user and needs to traverse the parents (0700 there).
    # DESKPILOT_FAULTS_KEEP=1 keeps the directory (the platform's log, each node's log) for a look afterwards.
    keep = bool(os.environ.get("DESKPILOT_FAULTS_KEEP"))
    d = Path(tempfile.mkdtemp(prefix="deskpilot-faults-"))
    try:
        platform = start_up(d)
        try:
            yield platform
        finally:
            stop_up(platform)
    finally:
        if keep:
            print(f"kept {d}")
        else:
            shutil.rmtree(d, ignore_errors=True)
