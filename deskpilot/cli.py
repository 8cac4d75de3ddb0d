"""The ``deskpilot`` command.

    deskpilot up [--port 8000] [--data-dir .deskpilot]   the whole platform on one machine
    deskpilot serve <service> [--port N]                  one service process (what Kubernetes runs); ``web``: the
                                                          web front end (widget, inbox, console); ``gateway``:
                                                          the edge with up's limits (DESKPILOT_GATEWAY_UPSTREAMS)
    deskpilot tenants create NAME                         a new tenant; prints its id and API key
    deskpilot replay <conversation-id>                    rebuild a transcript from the log; compare with the view
    deskpilot replay <id>... --against CANDIDATE [--json] replay conversations against a candidate; diff the actions
    deskpilot replay --last N --tenant T --against C      … the tenant's last N resolved conversations
    deskpilot simulate SUITE [--against C] [--trials K]   run a simulation suite; exit 1 when a task fails
    deskpilot suites from-conversations <id>...           a simulation suite from recorded conversations
    deskpilot billing rebuild [--tenant T] [--check]      recompute the ledger from the log; compare with the live one
    deskpilot projections rebuild [SERVICE] [--check]     rebuild every read model from the log; compare row by row
    deskpilot backup DIR | restore DIR                    the event log's streams and the database; restore into an
                                                          empty installation
    deskpilot integrations rotate-keys                    re-wrap tenant vault keys with the newest master key
    deskpilot dead-letters list|show|redrive [--consumer C] [--id ID]   parked messages; apply them again, once
    deskpilot analytics-credentials TENANT [--out FILE]   a read-only NATS credential for one tenant's events
    deskpilot analytics-credentials list | revoke ID      the credentials issued; revoke one (the server refuses it)
    deskpilot nats-config DIR                             nkeys and auth.conf for a NATS server run elsewhere
    deskpilot nats-move-streams STORE_DIR                 an old JetStream store's streams to the account LOG

``NATS_URL`` and ``DATABASE_URL`` select the servers; without them, commands other than ``up`` use those of the
platform that ``up`` is running from the same data dir.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import logging
import os
import sys
from pathlib import Path

from deskpilot import backup, dead_letters_cli, nats_cli, privacy_cli, projections_cli, releases_cli
from deskpilot.supervisor import DEV_VAULT_KEY_FILE, SERVICES, VAULT_MASTER_KEYS, WEB, database_unfit
from libs.events import EventLog
from libs.platform import nats_auth
from libs.platform.selfcheck import EXIT_DATABASE_UNFIT
from libs.platform.settings import ServiceSettings
from libs.platform.telemetry import configure_tracing, shutdown_tracing

GATEWAY = "gateway"
DEFAULT_DATA_DIR = Path(os.environ.get("DESKPILOT_DATA_DIR", ".deskpilot"))


def _master_keys(data_dir: Path) -> None:
    """Commands that read or write the log seal and open personal data: without ``DESKPILOT_VAULT_MASTER_KEYS``
    they use the development key ``deskpilot up`` keeps in ``data_dir``, as its services do."""
    dev_file = data_dir / DEV_VAULT_KEY_FILE
    if not os.environ.get(VAULT_MASTER_KEYS) and dev_file.exists():
        os.environ[VAULT_MASTER_KEYS] = dev_file.read_text().strip()


def _url(name: str, data_dir: Path) -> str:
    """``NATS_URL`` / ``DATABASE_URL`` from the environment, else from the platform ``up`` runs in ``data_dir``
    (whose NATS requires the operator's credential, which ``up`` keeps in that data dir)."""
    value = os.environ.get(name, "")
    runtime = data_dir / "runtime.json"
    if not value and runtime.exists():
        recorded = json.loads(runtime.read_text())
        value = recorded[name.lower()]
        if name == "NATS_URL" and recorded.get("nats_credentials_dir"):  # that server's, whatever else is set
            os.environ[nats_auth.CREDENTIALS_DIR] = recorded["nats_credentials_dir"]
    if not value:
        raise SystemExit(f"set {name}, or start the platform with 'deskpilot up --data-dir {data_dir}' first")
    return value


def serve_gateway(host: str, port: int) -> int:
    """``deskpilot up``'s gateway alone: rate limits per API key, widget key and address, size limits, headers."""
    import uvicorn

    from deskpilot.gateway_limits import GatewaySettings, edge_gateway
    from deskpilot.http_server import Server

    settings = GatewaySettings()
    try:
        gateway = edge_gateway(settings)
    except ValueError as exc:
        print(f"deskpilot serve gateway: {exc}", file=sys.stderr, flush=True)
        return 2
    # behind the Ingress controller: the client address is the one it puts in X-Forwarded-For (FORWARDED_ALLOW_IPS)
    ws_max = settings.max_ws_frame_bytes
    config = uvicorn.Config(gateway, host=host, port=port, log_level="warning", access_log=False, ws_max_size=ws_max)
    server = Server(config)  # uvicorn's, waking once a second when idle (deskpilot/http_server.py)
    server.run()
    return 0 if server.started else 3


def serve(service: str, host: str, port: int) -> int:
    import uvicorn

    from deskpilot.http_server import Server

    level = os.environ.get("DESKPILOT_LOG_LEVEL", "INFO").upper()
    logging.basicConfig(level=level, format=f"%(asctime)s %(levelname)s {service} %(name)s: %(message)s")
    # The HTTP client logs every request URL at INFO; provider URLs can carry secrets (an OAuth code, a token).
    logging.getLogger("httpx2").setLevel(max(logging.WARNING, logging.getLogger().level))
    if service not in (WEB, GATEWAY):
        settings = ServiceSettings()
        unfit = database_unfit(settings.database_owner_url or settings.database_url)
        if unfit:
            print(f"deskpilot serve {service}: {unfit}", file=sys.stderr, flush=True)
            return EXIT_DATABASE_UNFIT
    if service == GATEWAY:
        return serve_gateway(host, port)
    module = importlib.import_module("web.app" if service == WEB else f"services.{service}.app")
    configure_tracing(service)  # only when OTEL_EXPORTER_OTLP_* asks for it
    app = module.create_app()
    try:
        # A client's WebSocket frame above this closes the socket with 1009 (message too big) before it is buffered.
        ws_max = int(os.environ.get("DESKPILOT_MAX_WS_FRAME_BYTES", str(128 * 1024)))
        config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False, ws_max_size=ws_max)
        server = Server(config)  # uvicorn's, waking once a second when idle (deskpilot/http_server.py)
        server.run()
        if not server.started:  # as uvicorn.run: a server that could not start exits 3
            return 3
    finally:
        shutdown_tracing()
    return 0


def _provision_role() -> int:
    from deskpilot.database_roles import provision_role

    owner, service = os.environ.get("DATABASE_OWNER_URL"), os.environ.get("DATABASE_URL")
    if not owner or not service:
        print("set DATABASE_OWNER_URL (the owner) and DATABASE_URL (the services' role)", file=sys.stderr)
        return 2
    try:
        role = asyncio.run(provision_role(owner, service))
    except ValueError as exc:
        print(f"deskpilot database provision-role: {exc}", file=sys.stderr)
        return 2
    print(f"role {role}: login; no superuser, no BYPASSRLS, owns nothing (migrations grant it the tables' use)")
    return 0


async def _create_tenant(name: str, data_dir: Path) -> None:
    from deskpilot.tenants import create_tenant

    nc = await nats_auth.connect(_url("NATS_URL", data_dir))
    try:
        log = EventLog(nc)
        await log.ensure_streams(int(os.environ.get("DESKPILOT_STREAM_REPLICAS", "1")))
        tenant = await create_tenant(log, name)
    finally:
        await nc.close()
    print(f"tenant id: {tenant.tenant_id}")
    print(f"api key: {tenant.api_key}")
    print("Keep the key: only its digest is stored.")


async def _replay(conversation_id: str, data_dir: Path) -> int:
    from services.conversation import ops

    nc = await nats_auth.connect(_url("NATS_URL", data_dir))
    try:
        tenant_id = await ops.tenant_of(nc, conversation_id)
        if tenant_id is None:
            print(f"no conversation {conversation_id} in the event log")
            return 1
        try:
            report = await ops.replay(nc, _url("DATABASE_URL", data_dir), tenant_id, conversation_id)
        except ops.ConversationNotFound:
            print(f"conversation {conversation_id} is in the event log but not in the stored view (yet)")
            return 2
    finally:
        await nc.close()
    print(f"conversation {conversation_id} (tenant {tenant_id}): {report.events} events, version {report.version}")
    for entry in report.transcript:
        print(f"  [{entry.position}] {entry.role}: {entry.text}")
    if report.matches:
        print(f"replay matches the stored view ({report.stored_entries} transcript entries)")
        return 0
    print("replay DIFFERS from the stored view:")
    for line in report.differences:
        print(f"  - {line}")
    return 2


async def _billing_rebuild(tenant_id: str | None, check: bool, data_dir: Path) -> int:
    from decimal import Decimal

    from services.billing import ops

    nc = await nats_auth.connect(_url("NATS_URL", data_dir))
    try:
        report = await ops.rebuild(nc, _url("DATABASE_URL", data_dir), tenant_id)
    finally:
        await nc.close()
    rebuilt = report.rebuilt
    total = sum((e.cost_usd for e in rebuilt.entries.values()), start=Decimal(0))
    scope = f"tenant {tenant_id}" if tenant_id else "all tenants"
    print(f"rebuilt {scope} from {report.events} events ({report.skipped} undecodable skipped):")
    print(f"  {len(rebuilt.entries)} ledger entries, total ${total}, {len(rebuilt.turns)} turns")
    print(f"  {len(rebuilt.meters)} metered conversations, {len(rebuilt.active)} conversation-months active")
    if report.matches:
        print("rebuild matches the live ledger exactly")
        return 0
    print(f"rebuild DIFFERS from the live ledger ({len(report.differences)} differences shown):")
    for line in report.differences:
        print(f"  - {line}")
    return 1 if check else 0


async def _rotate_vault_keys(data_dir: Path) -> int:
    from services.integrations import ops

    keys = os.environ.get(VAULT_MASTER_KEYS, "")
    dev_file = data_dir / DEV_VAULT_KEY_FILE
    if not keys and dev_file.exists():
        keys = dev_file.read_text().strip()
    if not keys:
        print(f"set {VAULT_MASTER_KEYS} (newest key first, keep the older ones listed until this finishes)")
        return 2
    report = await ops.rotate_keys(_url("DATABASE_URL", data_dir), keys)
    print(f"re-wrapped {report.rewrapped} tenant data keys under master key {report.current_version}")
    if report.failed:
        print(f"{len(report.failed)} tenants' data keys unwrap with no configured master key, left unchanged:")
        for tenant_id in report.failed:
            print(f"  - {tenant_id}")
        return 1
    return 0


def _sandbox_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``replay``, ``simulate`` and ``suites`` (docs/replay.md, docs/simulation.md)."""
    p_replay = sub.add_parser(
        "replay", help="rebuild a conversation from its event log, or replay conversations against a candidate"
    )
    p_replay.add_argument("conversation_ids", nargs="*", metavar="conversation_id")
    p_replay.add_argument("--against", help="a candidate file (YAML/JSON) or provider[/model], e.g. offline")
    p_replay.add_argument("--last", type=int, help="with --against: the tenant's last N resolved conversations")
    p_replay.add_argument("--tenant", help="the tenant (default: the first conversation's)")
    p_replay.add_argument("--json", action="store_true", help="print the diff as JSON")
    p_replay.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)

    p_sim = sub.add_parser("simulate", help="run a simulation suite in the sandbox (no server needed)")
    p_sim.add_argument("suite", type=Path)
    p_sim.add_argument("--against", help="a candidate file (YAML/JSON) or provider[/model]")
    p_sim.add_argument("--trials", type=int, default=1, help="runs of each task (pass^1 … pass^K)")
    p_sim.add_argument("--report", type=Path, help="where to write the JSON report (default: <suite>.report.json)")
    p_sim.add_argument("--json", action="store_true", help="print the report as JSON")

    p_suites = sub.add_parser("suites", help="simulation suites")
    suites_sub = p_suites.add_subparsers(dest="action", required=True)
    p_from = suites_sub.add_parser("from-conversations", help="a suite whose tasks are recorded conversations")
    p_from.add_argument("conversation_ids", nargs="+", metavar="conversation_id")
    p_from.add_argument("--name", default="from-production")
    p_from.add_argument("--out", type=Path, help="write the suite here (default: stdout)")
    p_from.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)


def _sandbox_command(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from services.agent import ops as agent_ops

    if args.command == "simulate":
        if args.trials < 1:
            parser.error("--trials must be at least 1")
        return asyncio.run(agent_ops.simulate(args.suite, args.against, args.trials, args.report, args.json))
    urls = (_url("NATS_URL", args.data_dir), _url("DATABASE_URL", args.data_dir))
    if args.command == "suites":
        return asyncio.run(agent_ops.suite_from(urls, args.conversation_ids, args.name, args.out))
    if args.against is None:
        if len(args.conversation_ids) != 1:
            parser.error("replay without --against rebuilds exactly one conversation")
        return asyncio.run(_replay(args.conversation_ids[0], args.data_dir))
    if not args.conversation_ids and args.last is None:
        parser.error("replay --against needs conversation ids or --last N")
    ids, against = args.conversation_ids, args.against
    return asyncio.run(agent_ops.replay_against(urls, ids, against, args.tenant, args.last, args.json))


OPERATOR_COMMANDS = {"privacy": privacy_cli, "projections": projections_cli, "backup": backup, "restore": backup}
"""Commands kept in modules of their own: ``add_parsers(sub, data_dir)`` and ``run(args, nats_url, database_url)``."""


def _operations_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``billing``, ``integrations``, ``dead-letters`` and the commands of ``OPERATOR_COMMANDS``."""
    p_billing = sub.add_parser("billing", help="billing operations")
    billing_sub = p_billing.add_subparsers(dest="action", required=True)
    p_rebuild = billing_sub.add_parser("rebuild", help="recompute the ledger and meters from the event log")
    p_rebuild.add_argument("--tenant", default=None, help="only this tenant (default: all)")
    p_rebuild.add_argument("--check", action="store_true", help="exit with status 1 if the live ledger differs")
    p_rebuild.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)

    p_integrations = sub.add_parser("integrations", help="integrations operations")
    integrations_sub = p_integrations.add_subparsers(dest="action", required=True)
    p_rotate = integrations_sub.add_parser(
        "rotate-keys", help="re-wrap every tenant's vault data key with the newest master key (no downtime)"
    )
    p_rotate.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)

    for commands in dict.fromkeys(OPERATOR_COMMANDS.values()):  # a module may add several commands
        commands.add_parsers(sub, DEFAULT_DATA_DIR)
    dead_letters_cli.add_parsers(sub, DEFAULT_DATA_DIR)
    releases_cli.add_parsers(sub)
    nats_cli.add_parsers(sub, DEFAULT_DATA_DIR)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="deskpilot", description="Deskpilot AI customer-support platform")
    sub = parser.add_subparsers(dest="command", required=True)

    p_up = sub.add_parser("up", help="run the whole platform on this machine")
    p_up.add_argument("--host", default=os.environ.get("DESKPILOT_HTTP_HOST", "127.0.0.1"))
    p_up.add_argument("--port", type=int, default=int(os.environ.get("DESKPILOT_HTTP_PORT", "8000")))
    p_up.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)

    p_serve = sub.add_parser("serve", help="run one service, or the web front end")
    p_serve.add_argument("service", choices=(*SERVICES, WEB, GATEWAY))
    p_serve.add_argument("--host", default=os.environ.get("DESKPILOT_HTTP_HOST", "0.0.0.0"))
    p_serve.add_argument("--port", type=int, default=int(os.environ.get("DESKPILOT_HTTP_PORT", "8000")))

    p_db = sub.add_parser("database", help="database roles")
    p_db.add_subparsers(dest="action", required=True).add_parser(
        "provision-role",
        help="create or update DATABASE_URL's role (login; no superuser, no BYPASSRLS, owns nothing) with "
        "DATABASE_OWNER_URL's connection: the services' role of docker-compose and Kubernetes",
    )
    p_ten = sub.add_parser("tenants", help="manage tenants")
    ten_sub = p_ten.add_subparsers(dest="action", required=True)
    p_create = ten_sub.add_parser("create", help="create a tenant and print its API key")
    p_create.add_argument("name")
    p_create.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)

    _sandbox_parsers(sub)

    _operations_parsers(sub)

    args = parser.parse_args(argv)
    if args.command not in ("up", "serve") and hasattr(args, "data_dir"):
        _master_keys(args.data_dir)
    if args.command == "up":
        from deskpilot.supervisor import up

        return up(args.host, args.port, args.data_dir)
    if args.command == "serve":
        return serve(args.service, args.host, args.port)
    if args.command == "database":
        return _provision_role()
    if args.command == "tenants":
        asyncio.run(_create_tenant(args.name, args.data_dir))
        return 0
    if args.command in ("replay", "simulate", "suites"):
        return _sandbox_command(parser, args)
    if args.command == "billing":
        return asyncio.run(_billing_rebuild(args.tenant, args.check, args.data_dir))
    if args.command == "integrations":
        return asyncio.run(_rotate_vault_keys(args.data_dir))
    if args.command in OPERATOR_COMMANDS:
        urls = (_url("NATS_URL", args.data_dir), _url("DATABASE_URL", args.data_dir))
        code: int = OPERATOR_COMMANDS[args.command].run(args, *urls)
        return code
    if args.command == "releases" or args.command in nats_cli.COMMANDS:
        return releases_cli.run(args) if args.command == "releases" else nats_cli.run(args)
    if args.command == "dead-letters":
        return dead_letters_cli.run(args, _url("NATS_URL", args.data_dir))
    parser.error(f"unknown command {args.command}")
    return 2


if __name__ == "__main__":
    sys.exit(main())
