"""What ``deskpilot up`` sets up for the demo tenant through the public API, so that the web pages work at once: a
widget key for ``/widget/demo`` that allows the platform's own origins, an owner account (e-mail and a random
password) to sign in to ``/inbox`` and ``/console``, the demo store's procedures and a support e-mail address waiting
for its code (once each).

Kept in ``<data-dir>/demo-web.json`` and ``demo-owner.json`` (mode 600) and reused after a restart while the API
still knows them; otherwise new ones are made.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx2

from libs import demo_store

DEMO_FILE = "demo-web.json"
OWNER_FILE = "demo-owner.json"
OWNER_EMAIL = "owner@demo.deskpilot.dev"
PROCEDURES_FILE = "demo-procedures.json"
SUPPORT_ADDRESS_FILE = "demo-support-address.json"
# A reserved domain (RFC 2606): the code mailed to it goes to the relay and is delivered nowhere.
SUPPORT_ADDRESS = "support@demo-store.example"


@dataclass(frozen=True)
class DemoWeb:
    widget_key: str
    widget_key_id: str
    allowed_origins: list[str]


def demo_origins(host: str, port: int) -> list[str]:
    """The origins a browser may use to reach the platform on this machine (and the bound host, if another)."""
    names = ["127.0.0.1", "localhost"]
    if host not in ("127.0.0.1", "localhost", "0.0.0.0", "::", ""):
        names.append(host)
    return [f"http://{name}:{port}" for name in names]


@dataclass(frozen=True)
class DemoOwner:
    agent_id: str
    email: str
    password: str


def _write(path: Path, demo: DemoWeb | DemoOwner) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(asdict(demo), f)


async def demo_owner(client: httpx2.AsyncClient, ticketing_url: str, api_key: str, data_dir: Path) -> DemoOwner:
    """The demo tenant's owner account: the one kept in the data dir if the API still has it active, else a new
    one (a human agent with role ``owner`` and a random password). It is marked away, so that round-robin gives
    handoffs to the team's agents, not to the person who configures the tenant (who can still take any)."""
    headers = {"Authorization": f"Bearer {api_key}"}
    path = data_dir / OWNER_FILE
    if path.exists():
        kept = DemoOwner(**json.loads(path.read_text()))
        r = await client.get(f"{ticketing_url}/v1/tickets/agents", headers=headers)
        r.raise_for_status()
        if any(a["agent_id"] == kept.agent_id and a["active"] for a in r.json()["items"]):
            return kept
    r = await client.post(
        f"{ticketing_url}/v1/tickets/agents",
        headers=headers,
        json={"name": "Demo Owner", "email": OWNER_EMAIL, "role": "owner"},
    )
    r.raise_for_status()
    owner = DemoOwner(agent_id=r.json()["agent_id"], email=OWNER_EMAIL, password=secrets.token_urlsafe(12))
    r = await client.put(
        f"{ticketing_url}/v1/tickets/agents/{owner.agent_id}/password",
        headers=headers,
        json={"password": owner.password},
    )
    r.raise_for_status()
    r = await client.patch(
        f"{ticketing_url}/v1/tickets/agents/{owner.agent_id}", headers=headers, json={"availability": "away"}
    )
    r.raise_for_status()
    _write(path, owner)
    return owner


async def demo_web(
    client: httpx2.AsyncClient, conversation_url: str, api_key: str, data_dir: Path, origins: list[str]
) -> DemoWeb:
    """The demo tenant's widget key for ``origins``: the one kept in the data dir if still active, else a new one."""
    headers = {"Authorization": f"Bearer {api_key}"}
    path = data_dir / DEMO_FILE
    if path.exists():
        kept = DemoWeb(**json.loads(path.read_text()))
        r = await client.get(f"{conversation_url}/v1/conversations/widget-keys", headers=headers)
        r.raise_for_status()
        active = {k["key_id"]: k for k in r.json()["items"] if k["revoked_at"] is None}
        if kept.widget_key_id in active and sorted(active[kept.widget_key_id]["allowed_origins"]) == sorted(origins):
            return kept
    r = await client.post(
        f"{conversation_url}/v1/conversations/widget-keys", headers=headers, json={"allowed_origins": origins}
    )
    r.raise_for_status()
    body = r.json()
    demo = DemoWeb(widget_key=body["widget_key"], widget_key_id=body["key_id"], allowed_origins=origins)
    _write(path, demo)
    return demo


async def demo_procedures(client: httpx2.AsyncClient, agent_url: str, api_key: str, data_dir: Path) -> list[str]:
    """The demo store's procedures (``libs/demo_store/procedures/``), given to the demo tenant once per data dir:
    a tenant that deleted or changed one keeps it that way across restarts. Returns the names given now."""
    path = data_dir / PROCEDURES_FILE
    if path.exists():
        return []
    headers = {"Authorization": f"Bearer {api_key}"}
    given: list[str] = []
    for source in demo_store.procedure_sources().values():
        r = await client.post(f"{agent_url}/v1/agent/procedures", headers=headers, json={"source": source})
        if r.status_code == 201:
            given.append(r.json()["name"])
        elif r.status_code != 409:  # 409: the tenant has one of that name already
            r.raise_for_status()
    path.write_text(json.dumps({"procedures": given}))
    return given


async def demo_support_address(
    client: httpx2.AsyncClient, conversation_url: str, api_key: str, data_dir: Path
) -> str | None:
    """A support address for the console's Support e-mail page, registered once per data dir: it stays pending
    (its code goes to the mail relay, for an address nobody reads), as a tenant's own address is until its owner
    types the code. A tenant that removed it keeps it removed. Returns the address registered now, if any."""
    path = data_dir / SUPPORT_ADDRESS_FILE
    if path.exists():
        return None
    r = await client.post(
        f"{conversation_url}/v1/conversations/email-addresses",
        headers={"Authorization": f"Bearer {api_key}"},
        json={"address": SUPPORT_ADDRESS},
    )
    r.raise_for_status()
    path.write_text(json.dumps({"address": SUPPORT_ADDRESS}))
    return SUPPORT_ADDRESS
