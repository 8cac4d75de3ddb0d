"""What ``deskpilot up`` sets up for the demo tenant through the public API (with the API's generated client,
``clients/python``), so that the web pages work at once: a widget key for ``/widget/demo`` that allows the
platform's own origins, an owner account (e-mail and a random password) to sign in to ``/inbox`` and ``/console``,
the demo store's procedures, its assistant's persona and instructions, and a support e-mail address waiting for its
code (once each).

Kept in ``<data-dir>/demo-web.json`` and ``demo-owner.json`` (mode 600) and reused after a restart while the API
still knows them; otherwise new ones are made.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Any, TypeVar

import httpx
from deskpilot_client import AuthenticatedClient
from deskpilot_client.api.agent import v1_agent_policy_get_policy as get_policy
from deskpilot_client.api.agent import v1_agent_policy_put_policy as put_policy
from deskpilot_client.api.agent import v1_agent_procedures_create as create_procedure
from deskpilot_client.api.agent import v1_agent_tools_tools as list_tools
from deskpilot_client.api.conversation import v1_conversations_email_addresses_add as add_support_address
from deskpilot_client.api.conversation import v1_conversations_list_conversations as list_conversations
from deskpilot_client.api.conversation import v1_conversations_widget_keys_create as create_widget_key
from deskpilot_client.api.conversation import v1_conversations_widget_keys_list_keys as list_widget_keys
from deskpilot_client.api.integrations import v1_integrations_list_integrations as list_integrations
from deskpilot_client.api.knowledge import v1_knowledge_articles_list_articles as list_articles
from deskpilot_client.api.ticketing import v1_tickets_agents_agent_id_change as change_agent
from deskpilot_client.api.ticketing import v1_tickets_agents_agent_id_password_set_password as set_password
from deskpilot_client.api.ticketing import v1_tickets_agents_create as create_agent
from deskpilot_client.api.ticketing import v1_tickets_agents_list_agents as list_agents
from deskpilot_client.api.ticketing import v1_tickets_inbox as list_tickets
from deskpilot_client.models import (
    AgentPolicy,
    Catalog,
    CreatedHumanAgent,
    CreatedWidgetKey,
    HumanAgent,
    HumanAgentChange,
    HumanAgentChangeAvailability,
    HumanAgentList,
    NewHumanAgent,
    NewHumanAgentRole,
    NewSupportAddress,
    NewWidgetKey,
    PasswordIn,
    Problem,
    ProcedureInput,
    ProcedureView,
    SupportAddress,
    WidgetKeyList,
)
from deskpilot_client.types import Response

from libs import demo_store

DEMO_FILE = "demo-web.json"
OWNER_FILE = "demo-owner.json"
OWNER_EMAIL = "owner@demo.deskpilot.dev"
PROCEDURES_FILE = "demo-procedures.json"
SUPPORT_ADDRESS_FILE = "demo-support-address.json"
POLICY_FILE = "demo-policy.json"
PERSONA = (
    "Robin, the Demo Store's support assistant: warm, brief and plain-spoken; says what it did and what happens next."
)
INSTRUCTIONS = (
    "Look an order up before saying anything about it; never promise a date the order does not show. "
    "Refunds and address changes follow the store's procedures. "
    "Anyone upset, or asking for a person, goes to the team with a short summary of what was tried."
)
# A reserved domain (RFC 2606): the code mailed to it goes to the relay and is delivered nowhere.
SUPPORT_ADDRESS = "support@demo-store.example"
T = TypeVar("T")


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


class DemoSetupError(Exception):
    """The API refused a step of the demo tenant's set-up."""


def _refused(response: Response[Any], what: str) -> DemoSetupError:
    problem = response.parsed
    detail = problem.detail if isinstance(problem, Problem) else response.content.decode(errors="replace")
    return DemoSetupError(f"{what}: {int(response.status_code)} {detail}")


def _expect(response: Response[Any], kind: type[T], what: str) -> T:
    """The answer's body as ``kind``, or an error naming the problem the API answered."""
    if isinstance(response.parsed, kind):
        return response.parsed
    raise _refused(response, what)


def _api(url: str, api_key: str) -> AuthenticatedClient:
    return AuthenticatedClient(base_url=url, token=api_key, timeout=httpx.Timeout(5))


async def demo_tenant_usable(service_urls: Mapping[str, str], api_key: str) -> bool:
    """Every service has projected the demo tenant (its key reads a list there), and its agent sees the demo
    store's tools."""
    async with (
        _api(service_urls["conversation"], api_key) as conversation,
        _api(service_urls["agent"], api_key) as agent,
        _api(service_urls["integrations"], api_key) as integrations,
        _api(service_urls["knowledge"], api_key) as knowledge,
        _api(service_urls["ticketing"], api_key) as ticketing,
    ):
        answers: list[Response[Any]] = [
            await list_conversations.asyncio_detailed(client=conversation, limit=1),
            await list_integrations.asyncio_detailed(client=integrations),
            await list_articles.asyncio_detailed(client=knowledge, limit=1),
            await list_tickets.asyncio_detailed(client=ticketing, limit=1),
        ]
        if any(answer.status_code != HTTPStatus.OK for answer in answers):
            return False
        catalog = (await list_tools.asyncio_detailed(client=agent)).parsed
    return isinstance(catalog, Catalog) and any(t.service == "integrations" for t in catalog.tools)


async def set_up_demo(
    service_urls: Mapping[str, str], api_key: str, data_dir: Path, origins: list[str]
) -> tuple[DemoWeb, DemoOwner]:
    """The demo tenant's widget key, owner account, procedures, persona and support address, through each owning
    service's public API (the gateway opens only once they are there) with the API's generated client
    (``clients/python``)."""

    def api(service: str) -> AuthenticatedClient:
        return _api(service_urls[service], api_key)

    async with api("conversation") as conversation, api("ticketing") as ticketing, api("agent") as agent:
        web = await demo_web(conversation, data_dir, origins)
        owner = await demo_owner(ticketing, data_dir)
        await demo_procedures(agent, data_dir)
        await demo_policy(agent, data_dir)
        await demo_support_address(conversation, data_dir)
    return web, owner


async def demo_owner(api: AuthenticatedClient, data_dir: Path) -> DemoOwner:
    """The demo tenant's owner account: the one kept in the data dir if the API still has it active, else a new
    one (a human agent with role ``owner`` and a random password). It is marked away, so that round-robin gives
    handoffs to the team's agents, not to the person who configures the tenant (who can still take any)."""
    path = data_dir / OWNER_FILE
    if path.exists():
        kept = DemoOwner(**json.loads(path.read_text()))
        agents = _expect(await list_agents.asyncio_detailed(client=api), HumanAgentList, "list the human agents")
        if any(a.agent_id == kept.agent_id and a.active for a in agents.items):
            return kept
    new = NewHumanAgent(name="Demo Owner", email=OWNER_EMAIL, role=NewHumanAgentRole.OWNER)
    created = _expect(await create_agent.asyncio_detailed(client=api, body=new), CreatedHumanAgent, "add the owner")
    owner = DemoOwner(agent_id=created.agent_id, email=OWNER_EMAIL, password=secrets.token_urlsafe(12))
    r = await set_password.asyncio_detailed(owner.agent_id, client=api, body=PasswordIn(password=owner.password))
    if r.status_code != HTTPStatus.NO_CONTENT:
        raise _refused(r, "set the owner's password")
    away = HumanAgentChange(availability=HumanAgentChangeAvailability.AWAY)
    _expect(await change_agent.asyncio_detailed(owner.agent_id, client=api, body=away), HumanAgent, "mark it away")
    _write(path, owner)
    return owner


async def demo_web(api: AuthenticatedClient, data_dir: Path, origins: list[str]) -> DemoWeb:
    """The demo tenant's widget key for ``origins``: the one kept in the data dir if still active, else a new one."""
    path = data_dir / DEMO_FILE
    if path.exists():
        kept = DemoWeb(**json.loads(path.read_text()))
        keys = _expect(await list_widget_keys.asyncio_detailed(client=api), WidgetKeyList, "list the widget keys")
        active = {k.key_id: k for k in keys.items if k.revoked_at is None}
        if kept.widget_key_id in active and sorted(active[kept.widget_key_id].allowed_origins) == sorted(origins):
            return kept
    r = await create_widget_key.asyncio_detailed(client=api, body=NewWidgetKey(allowed_origins=origins))
    created = _expect(r, CreatedWidgetKey, "make a widget key")
    demo = DemoWeb(widget_key=created.widget_key, widget_key_id=created.key_id, allowed_origins=origins)
    _write(path, demo)
    return demo


async def demo_procedures(api: AuthenticatedClient, data_dir: Path) -> list[str]:
    """The demo store's procedures (``libs/demo_store/procedures/``), given to the demo tenant once per data dir:
    a tenant that deleted or changed one keeps it that way across restarts. Returns the names given now."""
    path = data_dir / PROCEDURES_FILE
    if path.exists():
        return []
    given: list[str] = []
    for source in demo_store.procedure_sources().values():
        r = await create_procedure.asyncio_detailed(client=api, body=ProcedureInput(source=source))
        if r.status_code != HTTPStatus.CONFLICT:  # 409: the tenant has one of that name already
            given.append(_expect(r, ProcedureView, "give a demo procedure").name)
    path.write_text(json.dumps({"procedures": given}))
    return given


async def demo_policy(api: AuthenticatedClient, data_dir: Path) -> bool:
    """The demo store's persona and instructions, written into the demo tenant's agent policy once per data dir
    and only where the tenant has none yet (a tenant's own words are never overwritten). True when written now."""
    path = data_dir / POLICY_FILE
    if path.exists():
        return False
    policy = _expect(await get_policy.asyncio_detailed(client=api), AgentPolicy, "read the agent policy")
    written = not policy.persona and not policy.instructions
    if written:
        policy.persona, policy.instructions = PERSONA, INSTRUCTIONS
        _expect(await put_policy.asyncio_detailed(client=api, body=policy), AgentPolicy, "give the demo persona")
    path.write_text(json.dumps({"persona": written}))
    return written


async def demo_support_address(api: AuthenticatedClient, data_dir: Path) -> str | None:
    """A support address for the console's Support e-mail page, registered once per data dir: it stays pending
    (its code goes to the mail relay, for an address nobody reads), as a tenant's own address is until its owner
    types the code. A tenant that removed it keeps it removed. Returns the address registered now, if any."""
    path = data_dir / SUPPORT_ADDRESS_FILE
    if path.exists():
        return None
    r = await add_support_address.asyncio_detailed(client=api, body=NewSupportAddress(address=SUPPORT_ADDRESS))
    _expect(r, SupportAddress, "register the demo support address")
    path.write_text(json.dumps({"address": SUPPORT_ADDRESS}))
    return SUPPORT_ADDRESS
