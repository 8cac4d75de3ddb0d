"""A read-only analytics consumer of Deskpilot's event stream (see docs/analytics.md).

    deskpilot analytics-credentials TENANT --out acme.json      # the operator issues a credential
    NATS_URL=nats://127.0.0.1:4222 python examples/analytics_consumer.py --credentials acme.json

With a credential (``--credentials``) it receives one tenant's events from the consumer the operator made for it
(the credential may do nothing else; delivery at most once). Without one (a server that requires no
authentication), ``--durable`` names its own consumer and ``--subject`` what it reads, acknowledged after handling.

It creates (or resumes) its *own* durable pull consumer on stream ``DP_EVENTS``: delivery starts at the beginning
of the log (``DeliverPolicy.ALL``) and every message is acknowledged explicitly after it was handled, so a restart
resumes where it stopped and nothing is lost. It never publishes, never acks into a service's consumer (their
names are ``<service>-<subscription>`` and are refused here), and never edits the stream: the services cannot
notice it. It depends on nats-py only; the event shapes are in docs/asyncapi.yaml.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from collections import Counter
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import nats
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

STREAM = "DP_EVENTS"
# Durable names the services use: an analytics consumer must never share one (it would steal their messages).
SERVICE_PREFIXES = ("conversation-", "agent-", "integrations-", "knowledge-", "ticketing-", "billing-")

Handler = Callable[[dict[str, Any]], Awaitable[None]]


def check_durable(name: str) -> str:
    if not name or name.startswith(SERVICE_PREFIXES):
        raise ValueError(f"{name!r} is a service's consumer name; choose your own, e.g. 'analytics-<team>'")
    return name


async def consume(
    nats_url: str,
    durable: str,
    handle: Handler,
    *,
    subject: str = "dp.>",
    max_messages: int | None = None,
    idle_stop_s: float | None = None,
    credentials: dict[str, str] | None = None,
) -> int:
    """Deliver every event matching ``subject`` to ``handle`` (a decoded JSON envelope), acking each one after.

    ``credentials`` (the file ``deskpilot analytics-credentials`` writes) replace ``durable`` and ``subject``.
    Stops after ``max_messages``, or after ``idle_stop_s`` seconds without a new event; runs forever otherwise.
    Returns how many events it handled.
    """
    if credentials is not None:
        return await consume_delivered(nats_url, credentials, handle, max_messages, idle_stop_s)
    check_durable(durable)
    nc = await nats.connect(nats_url)
    handled = 0
    try:
        js = nc.jetstream()
        config = ConsumerConfig(
            durable_name=durable,
            deliver_policy=DeliverPolicy.ALL,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=60,
            max_ack_pending=1000,
            filter_subject=subject,
        )
        sub = await js.pull_subscribe(subject, durable=durable, stream=STREAM, config=config)
        idle = 0.0
        while max_messages is None or handled < max_messages:
            want = 100 if max_messages is None else min(100, max_messages - handled)
            try:
                msgs = await sub.fetch(batch=want, timeout=1.0)
            except (TimeoutError, NatsTimeoutError):
                idle += 1.0
                if idle_stop_s is not None and idle >= idle_stop_s:
                    break
                continue
            idle = 0.0
            for msg in msgs:
                await handle(json.loads(msg.data))
                await msg.ack()  # only after handling: a crash before this redelivers, never loses
                handled += 1
    finally:
        await nc.close()
    return handled


async def consume_delivered(
    nats_url: str, credentials: dict[str, str], handle: Handler, max_messages: int | None, idle_stop_s: float | None
) -> int:
    """With a credential: the operator made a consumer that pushes the tenant's events to ``deliver_subject``; the
    credential may subscribe there and do nothing else (no JetStream API, no acknowledgement: at most once)."""
    nc = await nats.connect(nats_url, nkeys_seed_str=credentials["nkey_seed"])
    handled = 0
    try:
        sub = await nc.subscribe(credentials["deliver_subject"])
        idle = 0.0
        while max_messages is None or handled < max_messages:
            try:
                msg = await sub.next_msg(timeout=1.0)
            except (TimeoutError, NatsTimeoutError):
                idle += 1.0
                if idle_stop_s is not None and idle >= idle_stop_s:
                    break
                continue
            idle = 0.0
            await handle(json.loads(msg.data))
            handled += 1
    finally:
        await nc.close()
    return handled


class CostTally:
    """An example analysis: events per type, and model spend per tenant (exact decimals, as on the wire)."""

    def __init__(self) -> None:
        self.types: Counter[str] = Counter()
        self.spend: dict[str, Decimal] = {}
        self.seen: set[str] = set()

    async def __call__(self, event: dict[str, Any]) -> None:
        # Redelivery happens (at-least-once): the event id makes the tally idempotent.
        if event["id"] in self.seen:
            return
        self.seen.add(event["id"])
        self.types[event["type"]] += 1
        if event["type"] == "llm.called":
            tenant = event["tenant_id"]
            self.spend[tenant] = self.spend.get(tenant, Decimal(0)) + Decimal(event["payload"]["cost_usd"])


async def main(args: argparse.Namespace, credentials: dict[str, str] | None) -> None:
    tally = CostTally()
    count = await consume(
        os.environ.get("NATS_URL", "nats://127.0.0.1:4222"),
        args.durable,
        tally,
        subject=args.subject,
        idle_stop_s=args.idle_stop,
        credentials=credentials,
    )
    print(f"{count} events")
    for event_type, n in tally.types.most_common():
        print(f"  {event_type}: {n}")
    for tenant, usd in sorted(tally.spend.items()):
        print(f"  model spend of {tenant}: ${usd}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--credentials", help="the credential file of 'deskpilot analytics-credentials TENANT'")
    parser.add_argument("--durable", default="analytics-example")
    parser.add_argument("--subject", default="dp.>")
    parser.add_argument("--idle-stop", type=float, default=None, help="stop after this many idle seconds")
    args = parser.parse_args()
    asyncio.run(main(args, json.loads(Path(args.credentials).read_text()) if args.credentials else None))
