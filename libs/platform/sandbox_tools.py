"""Answering a replay's sandbox tool calls (``libs/events/sandbox.py``) in any service that executes tools: one
core NATS subscription in the service's queue group, each call answered by the service's own dry-run function."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable

from nats.aio.msg import Msg
from pydantic import ValidationError

from libs.events.sandbox import SandboxToolAnswer, SandboxToolCall, sandbox_queue, sandbox_tools_subject
from libs.platform.runtime import ServiceRuntime

log = logging.getLogger("deskpilot.sandbox")

DryRun = Callable[[SandboxToolCall], Awaitable[SandboxToolAnswer]]


async def serve_sandbox_tools(runtime: ServiceRuntime, dry_run: DryRun) -> None:
    """Answer sandbox tool calls for ``runtime``'s service until cancelled (run it as a background task)."""

    async def respond(msg: Msg) -> None:
        try:
            reply = await dry_run(SandboxToolCall.model_validate_json(msg.data))
        except (ValidationError, json.JSONDecodeError) as exc:
            reply = SandboxToolAnswer(status="failed", kind="invalid_arguments", message=f"bad sandbox call: {exc}")
        except Exception:
            log.exception("%s: a sandbox tool call failed", runtime.name)
            reply = SandboxToolAnswer(status="failed", kind="transient", message="the dry run failed")
        await msg.respond(reply.model_dump_json().encode())

    sub = await runtime.nc.subscribe(sandbox_tools_subject(runtime.name), queue=sandbox_queue(runtime.name), cb=respond)
    try:
        await asyncio.Event().wait()
    finally:
        with contextlib.suppress(Exception):
            await sub.unsubscribe()
