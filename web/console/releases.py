"""Agent releases (``/v1/agent/releases``, docs/releases.md): the releases side by side with what their
conversations came to, the diff of a release against the draft or the one before it, publishing the draft through
the gate (its verdict shown; a blocked publish says why and saves nothing), and the rollout: a share of new
conversations, promotion, rollback."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from litestar import Controller, Response, get, post
from litestar.response import Redirect

from web.api import ApiError
from web.auth import SessionApi, layout
from web.console.common import AnyRequest, Api, Store, act, admin, admin_form
from web.pages import page
from web.sessions import Session

BASE = "/v1/agent/releases"
BACK = "/console/releases"


def _suites(form: dict[str, str]) -> list[str]:
    """The suite the person pasted (YAML or JSON text), if any: the gate runs it with the draft as the candidate."""
    text = form.get("suite", "").strip()
    return [text] if text else []


def _by(session: Session) -> str:
    return str(session.agent.get("email") or session.agent.get("name") or "console")[:200]


def _reasons(exc: ApiError) -> list[str]:
    """The gate's reasons from a blocked publish (422: one ``errors`` entry per reason); none for other refusals."""
    return [e.get("message", "") for e in exc.errors if e.get("field") == "gate" and e.get("message")]


async def _listing(user: SessionApi) -> dict[str, Any]:
    found: dict[str, Any] = await user.get(BASE)
    return found


def _page(session: Session, found: dict[str, Any], status_code: int = 200, **extra: Any) -> Response[str]:
    context: dict[str, Any] = {"notes": "", "suite": "", "gate": None, "blocked": None, "checked": False}
    context.update(extra)
    return page(
        "console/releases.html",
        status_code=status_code,
        **layout(session, section="console", tab="releases", items=found["items"], rollout=found["rollout"], **context),
    )


class ReleasesController(Controller):
    path = BACK

    @get("/")
    async def releases(self, request: AnyRequest, api: Api, store: Store) -> Response[str]:
        """Every release with its role, share and figures; what serves new conversations; the publish form."""
        session = admin(request, store)
        return _page(session, await _listing(SessionApi(api, session)))

    @post("/publish")
    async def publish(self, request: AnyRequest, api: Api, store: Store) -> Response[Any]:
        """Publish the draft through the gate (or only run the gate, ``check``). Blocked: the page comes back (422)
        with the gate's reasons and the form as written; nothing is saved."""
        session, form, user = await admin_form(request, store, api)
        notes, suites = form.get("notes", "").strip(), _suites(form)
        kept: dict[str, Any] = {"notes": notes, "suite": form.get("suite", "")}
        if form.get("action") == "check":
            try:
                result = await user.post(f"{BASE}/gate", json_body={"suites": suites})
            except ApiError as exc:
                if exc.status == 401:
                    raise
                session.say("error", f"The gate could not run: {exc.detail}")
                return _page(session, await _listing(user), exc.status, **kept)
            verdict = "would block a publish" if result["gate"]["blocked"] else "would let the draft through"
            session.say("error" if result["gate"]["blocked"] else "ok", f"Gate checked: it {verdict}; nothing saved.")
            return _page(session, await _listing(user), gate=result["gate"], checked=True, **kept)
        try:
            published = await user.post(BASE, json_body={"notes": notes, "suites": suites, "by": _by(session)})
        except ApiError as exc:
            if exc.status == 401:
                raise
            reasons = _reasons(exc)
            why = "the gate blocked the draft" if reasons else exc.detail or f"refused ({exc.status})"
            session.say("error", f"Not published: {why}; nothing was saved.")
            return _page(session, await _listing(user), exc.status, blocked=reasons or None, **kept)
        release = published["release"]
        serves = "serves every new conversation" if release["role"] == "stable" else "serves none until rolled out"
        session.say("ok", f"Release {release['number']} published; it {serves}.")
        return Redirect(f"{BACK}/{release['number']}", status_code=303)

    @get("/{number:int}")
    async def release(self, request: AnyRequest, number: int, api: Api, store: Store) -> Response[str]:
        """One release: its gate report, its configuration, and its diff against the release before it."""
        session = admin(request, store)
        user = SessionApi(api, session)
        shown = await user.get(f"{BASE}/{number}")
        diff = await user.get(f"{BASE}/{number - 1}/diff/{number}") if number > 1 else None
        return page(
            "console/release.html",
            **layout(session, section="console", tab="releases", release=shown, diff=diff, gate=shown["gate"]),
        )

    @get("/diff")
    async def diff(self, request: AnyRequest, api: Api, store: Store) -> Response[str]:
        """What changed from ``a`` to ``b`` (release numbers or ``draft``): words by line, other fields old → new."""
        session = admin(request, store)
        a = request.query_params.get("a") or "1"
        b = request.query_params.get("b") or "draft"
        shown = await SessionApi(api, session).get(f"{BASE}/{a}/diff/{b}")
        return page("console/release_diff.html", **layout(session, section="console", tab="releases", diff=shown))

    @post("/{number:int}/rollout")
    async def rollout(self, request: AnyRequest, number: int, api: Api, store: Store) -> Redirect:
        session, form, user = await admin_form(request, store, api)
        try:
            share = Decimal(form.get("share", "").strip().rstrip("%") or "x")
        except InvalidOperation:
            session.say("error", "The share is a number from 0 to 100 (% of new conversations).")
            return Redirect(BACK, status_code=303)
        body = {"share": str(share), "by": _by(session)}
        call = user.post(f"{BASE}/{number}/rollout", json_body=body)
        return await act(session, BACK, f"Release {number} now takes {share} % of new conversations.", call)

    @post("/{number:int}/promote")
    async def promote(self, request: AnyRequest, number: int, api: Api, store: Store) -> Redirect:
        session, _, user = await admin_form(request, store, api)
        call = user.post(f"{BASE}/{number}/promote", json_body={"by": _by(session)})
        return await act(session, BACK, f"Release {number} is stable: it serves every new conversation.", call)

    @post("/rollback")
    async def rollback(self, request: AnyRequest, api: Api, store: Store) -> Redirect:
        """Stop the rollout (no ``to``), or make an earlier release stable again, at once."""
        session, form, user = await admin_form(request, store, api)
        to = form.get("to", "").strip()
        body: dict[str, Any] = {"by": _by(session)} | ({"to": int(to)} if to.isdigit() else {})
        done = f"Rolled back: release {to} serves new conversations." if "to" in body else "Rollout stopped."
        return await act(session, BACK, done, user.post(f"{BASE}/rollback", json_body=body))
