"""Agent releases (``/v1/agent/releases``, docs/releases.md): the releases side by side with what their
conversations came to, the diff of a release against the draft or the one before it, publishing the draft through
the gate (a run in the background, followed on its own page to its verdict: the release it made, or why it blocked,
having saved nothing), and the rollout: a share of new conversations, promotion, rollback."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from litestar import Controller, Response, get, post
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
from web.sessions import Session

BASE = "/v1/agent/releases"
BACK = "/console/releases"


def _suites(form: dict[str, str]) -> list[str]:
    """The suite the person pasted (YAML or JSON text), if any: the gate runs it with the draft as the candidate."""
    text = form.get("suite", "").strip()
    return [text] if text else []


def _by(session: Session) -> str:
    return str(session.agent.get("email") or session.agent.get("name") or "console")[:200]


async def _listing(user: SessionApi) -> dict[str, Any]:
    found: dict[str, Any] = await user.get(BASE)
    found["runs"] = (await user.get(f"{BASE}/gate-runs"))["items"][:10]
    return found


def _page(session: Session, found: dict[str, Any], status_code: int = 200, **extra: Any) -> Response[str]:
    context: dict[str, Any] = {"notes": "", "suite": "", "problems": []}
    context.update(extra)
    return page(
        "console/releases.html",
        status_code=status_code,
        **layout(
            session,
            section="console",
            tab="releases",
            items=found["items"],
            rollout=found["rollout"],
            runs=found["runs"],
            **context,
        ),
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
        """Start a gate run on the draft that publishes it if the gate passes (or, ``check``, only gates it), and
        follow it on its own page. A suite with problems: the page comes back (422) with each by line and field and
        the form as written; nothing runs."""
        session, form, user = await admin_form(request, store, api)
        notes, suites = form.get("notes", "").strip(), _suites(form)
        check = form.get("action") == "check"
        body = {"suites": suites} if check else {"notes": notes, "suites": suites, "by": _by(session)}
        try:
            run = await user.post(f"{BASE}/gate" if check else BASE, json_body=body)
        except ApiError as exc:
            if exc.status == 401:
                raise
            session.say("error", f"Not {'run' if check else 'published'}: {exc.detail}; nothing was saved.")
            kept = {"notes": notes, "suite": form.get("suite", ""), "problems": exc.errors}
            return _page(session, await _listing(user), exc.status, **kept)
        return Redirect(f"{BACK}/gate-runs/{run['id']}", status_code=303)

    @get("/gate-runs/{run_id:str}")
    async def gate_run(self, request: AnyRequest, run_id: str, api: Api, store: Store) -> Response[str]:
        """A gate run: its progress, then its verdict — the release it made, or why it blocked (nothing saved)."""
        session = admin(request, store)
        run = await SessionApi(api, session).get(f"{BASE}/gate-runs/{run_id}")
        return page("console/gate_run.html", **layout(session, section="console", tab="releases", run=run))

    @get("/gate-runs/{run_id:str}/status")
    async def gate_run_status(self, request: AnyRequest, run_id: str, api: Api, store: Store) -> dict[str, Any]:
        """The run's state as JSON, for the page's script to reload when the verdict is in."""
        session = admin(request, store)
        run = await SessionApi(api, session).get(f"{BASE}/gate-runs/{run_id}")
        done = run["progress"]["replayed"] + run["progress"]["suites_run"]
        total = run["progress"]["conversations"] + run["progress"]["suites"]
        return {"status": run["status"], "progress": {"done": done, "total": total}}

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
        if not share.is_finite():
            session.say("error", "The share is a number from 0 to 100 (% of new conversations).")
            return Redirect(BACK, status_code=303)
        body = {"share": float(share), "by": _by(session)}  # a JSON number, as the API takes it
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
