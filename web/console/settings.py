"""Integrations (connect, dry run, disconnect, MCP servers, the audit log with filters and CSV) and policies
(limits and cost caps, approval rules per tool, the tools' risk classes, the model, SLA targets, the plan)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, MediaType, Response, get, post
from litestar.response import Redirect

from web.api import ApiError
from web.auth import SessionApi, act, layout
from web.console.common import (
    AnyRequest,
    Api,
    Store,
    admin,
    admin_form,
)
from web.pages import page
from web.transcript import readable, shortened

AUDIT_FILTERS = ("conversation_id", "end_user", "since", "until")


def _audit_params(request: AnyRequest) -> dict[str, str]:
    return {k: v for k in AUDIT_FILTERS if (v := (request.query_params.get(k) or "").strip())}


class IntegrationsController(Controller):
    path = "/console/integrations"

    @get("/")
    async def integrations(self, request: AnyRequest, api: Api, store: Store) -> Response[str]:
        session = admin(request, store)
        user = SessionApi(api, session)
        filters = _audit_params(request)
        return page(
            "console/integrations.html",
            **layout(
                session,
                section="console",
                tab="integrations",
                integrations=(await user.get("/v1/integrations"))["items"],
                mcp=(await user.get("/v1/integrations/mcp"))["items"],
                audit=(await user.get("/v1/integrations/audit", params=filters | {"limit": 100}))["items"],
                filters=filters,
                readable=lambda v: shortened(readable(v), 12),
            ),
        )

    @get("/callback")
    async def oauth_return(self, request: AnyRequest, api: Api) -> Response[str]:
        """Where a provider can send the browser back after consent (set ``DESKPILOT_OAUTH_REDIRECT_URL`` to this
        page): the provider's answer goes on to the API's own callback, which checks its single-use state; this
        page says how it went. No session is needed (and the browser, coming from another site, sends none)."""
        try:
            connected = await api.get("/v1/integrations/oauth/callback", params=dict(request.query_params.items()))
        except ApiError as exc:
            return page("console/connected.html", status_code=exc.status, connected=None, detail=exc.detail)
        return page("console/connected.html", connected=connected, detail=None)

    @get("/audit.csv")
    async def audit_csv(self, request: AnyRequest, api: Api, store: Store) -> Response[bytes]:
        """The audit log with the page's filters, as the API exports it."""
        session = admin(request, store)
        response = await api.request(
            "GET", "/v1/integrations/audit.csv", key=session.api_key, params=_audit_params(request)
        )
        return Response(
            response.content,
            media_type="text/csv",
            headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
        )

    @post("/{name:str}/connect")
    async def connect(self, request: AnyRequest, name: str, api: Api, store: Store) -> Response[Any]:
        """OAuth: a page that sends the browser on to the provider's consent page (a form may only post to this
        site, CSP form-action, so the provider is reached by a navigation of its own); an API-key integration is
        connected with the key from the form."""
        session, form, user = await admin_form(request, store, api)
        body: dict[str, Any] = {"user_id": str(session.agent.get("email") or session.agent["agent_id"])}
        if form.get("api_key"):
            body["api_key"] = form["api_key"]
        params = {k.removeprefix("param_"): v for k, v in form.items() if k.startswith("param_") and v}
        if params:
            body["params"] = params
        try:
            started = await user.post(f"/v1/integrations/{name}/connect", json_body=body)
        except ApiError as exc:
            if exc.status == 401:
                raise
            session.say("error", f"{name}: {exc.detail}")
            return Redirect("/console/integrations", status_code=303)
        if "authorization_url" in started:
            return page(
                "console/to_provider.html",
                **layout(session, section="console", tab="integrations", name=name, url=started["authorization_url"]),
            )
        session.say("ok", f"{name} is connected.")
        return Redirect("/console/integrations", status_code=303)

    @post("/{name:str}/mode")
    async def mode(self, request: AnyRequest, name: str, api: Api, store: Store) -> Redirect:
        session, form, user = await admin_form(request, store, api)
        mode = "dry_run" if form.get("mode") == "dry_run" else "live"
        target = (
            f"/v1/integrations/mcp/{name.removeprefix('mcp:')}/mode"
            if name.startswith("mcp:")
            else (f"/v1/integrations/{name}/mode")
        )
        call = user.call("PUT", target, json_body={"mode": mode})
        words = "dry run: write actions are recorded, not executed" if mode == "dry_run" else "live"
        return await act(session, "/console/integrations", f"{name} is now {words}.", call)

    @post("/{name:str}/disconnect")
    async def disconnect(self, request: AnyRequest, name: str, api: Api, store: Store) -> Redirect:
        session, _, user = await admin_form(request, store, api)
        target = (
            f"/v1/integrations/mcp/{name.removeprefix('mcp:')}"
            if name.startswith("mcp:")
            else (f"/v1/integrations/{name}")
        )
        return await act(session, "/console/integrations", f"{name} disconnected.", user.call("DELETE", target))

    @post("/{name:str}/test")
    async def test_connection(self, request: AnyRequest, name: str, api: Api, store: Store) -> Redirect:
        """One harmless read at the provider with the stored credentials; the answer comes back as the page's news."""
        session, _, user = await admin_form(request, store, api)
        target = (
            f"/v1/integrations/mcp/{name.removeprefix('mcp:')}/test"
            if name.startswith("mcp:")
            else f"/v1/integrations/{name}/test"
        )
        try:
            tested = await user.post(target)
        except ApiError as exc:
            if exc.status == 401:
                raise
            session.say("error", f"{name}: {exc.detail or exc.status}")
        else:
            took = f" ({tested['latency_ms']:.0f} ms)" if tested["ok"] else ""
            words = "works" if tested["ok"] else f"does not work ({tested['outcome'].replace('_', ' ')})"
            session.say("ok" if tested["ok"] else "error", f"{name} {words}: {tested['detail']}{took}")
        return Redirect("/console/integrations", status_code=303)

    @post("/mcp")
    async def register_mcp(self, request: AnyRequest, api: Api, store: Store) -> Redirect:
        session, form, user = await admin_form(request, store, api)
        body = {"name": form.get("name", "").strip(), "transport": "http", "url": form.get("url", "").strip()}

        def told(saved: dict[str, Any]) -> tuple[str, str]:
            if problem := saved.get("problem"):  # saved, but it offers no tools until a refresh reaches it
                return (
                    "error",
                    f"MCP server {body['name']} saved, not connected: {problem}. “List tools again” once it answers.",
                )
            return "ok", f"MCP server {body['name']} connected."

        return await act(session, "/console/integrations", told, user.post("/v1/integrations/mcp", json_body=body))

    @post("/mcp/{server:str}/refresh")
    async def refresh_mcp(self, request: AnyRequest, server: str, api: Api, store: Store) -> Redirect:
        session, _, user = await admin_form(request, store, api)
        call = user.post(f"/v1/integrations/mcp/{server}/refresh")
        return await act(session, "/console/integrations", f"{server}: tools listed again.", call)


# The policy form's limits; the API checks each (whole numbers, except the cost cap and seconds per turn).
LIMIT_FIELDS = (
    "tool_calls_per_turn",
    "tool_calls_per_conversation",
    "model_calls_per_turn",
    "tokens_per_conversation",
    "identical_tool_calls",
    "consecutive_tool_failures",
    "cost_per_conversation_usd",
    "turn_seconds",
)


def read_approval_rules(text: str) -> tuple[list[dict[str, str]], str]:
    """The form's approval rules, one a line (``tool`` or ``tool argument above``), and the first line that is
    neither (empty when all are)."""
    rules = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 1:
            rules.append({"tool": parts[0]})
        elif len(parts) == 3:
            rules.append({"tool": parts[0], "argument": parts[1], "above": parts[2]})
        elif parts:
            return [], line.strip()
    return rules, ""


class PoliciesController(Controller):
    path = "/console/policies"

    @get("/")
    async def policies(self, request: AnyRequest, api: Api, store: Store) -> Response[str]:
        session = admin(request, store)
        user = SessionApi(api, session)
        return page(
            "console/policies.html",
            **layout(
                session,
                section="console",
                tab="policies",
                policy=await user.get("/v1/agent/policy"),
                catalog=await user.get("/v1/agent/tools"),
                models=await user.get("/v1/agent/models"),
                sla=(await user.get("/v1/tickets/sla-policy"))["items"],
                plan=await user.get("/v1/billing/plan"),
            ),
        )

    @post("/agent")
    async def save_agent_policy(self, request: AnyRequest, api: Api, store: Store) -> Redirect:
        """Limits, cost cap and approval rules (one per line: ``tool`` or ``tool argument above``). A figure goes
        to the API as typed, so one it cannot take is refused with its reason rather than quietly kept as it was."""
        session, form, user = await admin_form(request, store, api)
        rules, wrong = read_approval_rules(form.get("approval_rules", ""))
        if wrong:
            session.say("error", f"Policy not saved: “{wrong}” is not an approval rule (tool, or tool argument above).")
            return Redirect("/console/policies", status_code=303)
        current = await user.get("/v1/agent/policy")
        limits = dict(current["limits"])
        for name in LIMIT_FIELDS:
            typed = form.get(name, "").strip()
            if typed:
                limits[name] = int(typed) if typed.isdigit() else typed
        policy = current | {
            "persona": form.get("persona", ""),
            "instructions": form.get("instructions", ""),
            "limits": limits,
            "approval_rules": rules,
        }
        call = user.call("PUT", "/v1/agent/policy", json_body=policy)
        return await act(session, "/console/policies", "Agent policy saved.", call, refused="Policy not saved")

    @post("/model")
    async def save_model(self, request: AnyRequest, api: Api, store: Store) -> Redirect:
        """The tenant's provider and model (``provider|model``; empty: the operator's), among those configured."""
        session, form, user = await admin_form(request, store, api)
        provider, _, model = form.get("model_choice", "").partition("|")
        model = model or form.get("custom_model", "").strip()
        current = await user.get("/v1/agent/policy")
        chosen = {"provider": provider, "model": model or None} if provider else None
        call = user.call("PUT", "/v1/agent/policy", json_body=current | {"model": chosen})
        words = f"{provider}/{model or 'its default model'}" if provider else "the operator's model"
        return await act(session, "/console/policies", f"The agent now runs on {words}.", call)

    @post("/sla/{priority:str}")
    async def save_sla(self, request: AnyRequest, priority: str, api: Api, store: Store) -> Redirect:
        session, form, user = await admin_form(request, store, api)
        body = {
            "first_response_seconds": int(float(form.get("first_response_minutes") or 0) * 60),
            "resolution_seconds": int(float(form.get("resolution_hours") or 0) * 3600),
        }
        call = user.call("PUT", f"/v1/tickets/sla-policy/{priority}", json_body=body)
        return await act(session, "/console/policies", f"SLA targets for {priority} saved.", call)

    @post("/plan")
    async def save_plan(self, request: AnyRequest, api: Api, store: Store) -> Redirect:
        session, form, user = await admin_form(request, store, api)
        body = {"plan": form.get("plan", "free"), "over_limit_behaviour": form.get("over_limit_behaviour", "handoff")}
        call = user.call("PUT", "/v1/billing/plan", json_body=body)
        return await act(session, "/console/policies", "Plan saved.", call)


def json_response(value: Any) -> Response[Any]:
    return Response(value, media_type=MediaType.JSON)
