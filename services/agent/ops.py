"""What an operator's command may ask of the agent service: ``deskpilot replay --against``, ``deskpilot simulate``
and ``deskpilot suites from-conversations``.

They run the agent service's own replay and simulation code in the calling process: a replay reads the recorded
conversations from the event log and the tenant's catalog and policy from the agent's tables (the servers of
``deskpilot up`` or ``NATS_URL``/``DATABASE_URL``); a simulation needs no server at all, so a tenant's CI can gate a
change with it. Exit status: 0 fine, 1 a simulated task failed (or a conversation could not be replayed), 2 bad
input.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml
from nats.aio.client import Client as NATS

from libs.events import EventLog, decode
from libs.events.subjects import CONVERSATION_PREFIX
from libs.platform import nats_auth
from libs.platform.db import Database
from services.agent.config import AgentSettings
from services.agent.providers import select_model
from services.agent.replay.diff import ConversationDiff, summarise
from services.agent.replay.recording import ConversationFilter, UnknownConversations, select, unknown
from services.agent.replay.runner import ReplayTarget, replay, risks_of
from services.agent.repository import CatalogRepository, PolicyRepository
from services.agent.sandbox.candidate import OPERATOR, Candidate, CandidateModel, load_candidate, prepare
from services.agent.sandbox.documents import InvalidDocument, load_with_lines
from services.agent.sandbox.terminal import ProgressBar, replay_table, simulation_table
from services.agent.simulation.from_conversations import suite_from_conversations
from services.agent.simulation.report import TrialReport
from services.agent.simulation.runner import plan, run_suite
from services.agent.simulation.suite import Suite

SHORTHAND = re.compile(r"^(anthropic|openai|openai_compatible|offline)(?:/(.+))?$")


def candidate_from(spec: str) -> Candidate:
    """A candidate file (YAML or JSON), or a model shorthand such as ``offline`` or ``anthropic/claude-haiku-4-5``."""
    path = Path(spec)
    if path.is_file():
        return load_candidate(path.read_text())
    match = SHORTHAND.match(spec)
    if match is None:
        raise SystemExit(f"--against {spec!r}: no such file, and not a provider[/model] such as 'offline'")
    provider, model = match.groups()
    return Candidate(name=spec, model=CandidateModel.model_validate({"provider": provider, "model": model}))


def _problems(exc: InvalidDocument) -> int:
    print(f"invalid {exc.what}:", file=sys.stderr)
    for problem in exc.problems:
        print(f"  {problem}", file=sys.stderr)
    return 2


@dataclass
class Servers:
    nc: NATS
    log: EventLog
    db: Database


@asynccontextmanager
async def servers(nats_url: str, database_url: str) -> AsyncIterator[Servers]:
    nc = await nats_auth.connect(nats_url)
    db = Database(database_url, schema="agent")
    try:
        yield Servers(nc, EventLog(nc), db)
    finally:
        await nc.close()
        await db.close()


async def _tenant_of(log: EventLog, conversation_id: str) -> str | None:
    first = await log.read_raw(f"{CONVERSATION_PREFIX}.*.{conversation_id}.conversation.started")
    return decode(first[0][1]).tenant_id if first else None


async def _conversations(s: Servers, ids: list[str], tenant: str | None, last: int | None) -> tuple[str, list[str]]:
    if tenant is None:
        if not ids:
            raise SystemExit("--last needs --tenant")
        tenant = await _tenant_of(s.log, ids[0])
        if tenant is None:
            raise SystemExit(f"no conversation {ids[0]} in the event log")
    if last is not None:
        return tenant, await select(s.log, tenant, ConversationFilter(last=last))
    missing = await unknown(s.log, tenant, ids)
    if missing:
        raise SystemExit(str(UnknownConversations(missing)))
    return tenant, list(dict.fromkeys(ids))


async def replay_against(
    urls: tuple[str, str], ids: list[str], against: str, tenant: str | None, last: int | None, as_json: bool
) -> int:
    settings = AgentSettings()
    try:
        candidate = candidate_from(against)
    except InvalidDocument as exc:
        return _problems(exc)
    async with servers(*urls) as s:
        tenant_id, chosen = await _conversations(s, ids, tenant, last)
        async with s.db.session() as session:
            tools = await CatalogRepository(session).tools(tenant_id)
            policy = await PolicyRepository(session).get(tenant_id)
        live = select_model(settings)
        try:
            prepared = await prepare(candidate, (tools, policy), live, settings, caller=OPERATOR)
        except InvalidDocument as exc:
            return _problems(exc)
        bar = ProgressBar(len(chosen), "conversations")

        async def step(diff: ConversationDiff) -> None:
            bar.step(diff.conversation_id)

        target = ReplayTarget(s.log, tenant_id, risks_of(tools, prepared.tools), s.nc)
        diffs = await replay(chosen, prepared, target, progress=step)
        await prepared.close()
    summary = summarise(diffs)
    if as_json:
        body = {"candidate": prepared.label, "summary": summary.model_dump(mode="json")}
        print(json.dumps({**body, "conversations": [d.model_dump(mode="json") for d in diffs]}, indent=2))
    else:
        print(f"replay against {prepared.label}")
        print(replay_table(diffs, summary))
    return 1 if summary.failed else 0


async def simulate(suite_path: Path, against: str | None, trials: int, report_path: Path | None, as_json: bool) -> int:
    settings = AgentSettings()
    try:
        suite, node = load_with_lines(Suite, await asyncio.to_thread(suite_path.read_text), "suite")
        candidate = candidate_from(against) if against else None
        run = await plan(suite, candidate, select_model(settings), settings, node=node)
    except InvalidDocument as exc:
        return _problems(exc)
    bar = ProgressBar(len(run.tasks) * trials, "trials")

    async def step(task: str, trial: TrialReport) -> None:
        bar.step(f"{task} #{trial.trial} {'ok' if trial.passed else 'FAILED'}")

    try:
        report = await run_suite(run, trials, progress=step)
    finally:
        await run.close()
    out = report_path or Path(f"{suite_path.stem}.report.json")
    await asyncio.to_thread(out.write_text, report.model_dump_json(indent=2))
    print(report.model_dump_json(indent=2) if as_json else simulation_table(report))
    print(f"report: {out}", file=sys.stderr)
    return 0 if report.passed else 1


async def suite_from(urls: tuple[str, str], ids: list[str], name: str, out: Path | None) -> int:
    async with servers(*urls) as s:
        tenant_id, chosen = await _conversations(s, ids, None, None)
        async with s.db.session() as session:
            tools = await CatalogRepository(session).tools(tenant_id)
            policy = await PolicyRepository(session).get(tenant_id)
        suite = await suite_from_conversations(s.log, tenant_id, chosen, tools, policy, name)
    text = yaml.safe_dump(suite.model_dump(mode="json", exclude_defaults=True), sort_keys=False, allow_unicode=True)
    if out is None:
        print(text)
    else:
        await asyncio.to_thread(out.write_text, text)
        print(f"{len(suite.tasks)} tasks written to {out}", file=sys.stderr)
    return 0
