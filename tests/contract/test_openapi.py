"""The public API's one OpenAPI document: committed, current, complete about security and errors, and served by
the web front end wherever the platform runs. Like docs/events.md, the committed ``docs/openapi.json`` must be what
the code generates."""

from __future__ import annotations

import functools
import json
import re
from typing import Any, cast

import httpx2
import jsonschema
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from deskpilot.contract import DOCUMENT, render
from deskpilot.gateway import route
from libs.platform.documents import DOCUMENT_FORMATS
from libs.platform.edge import Refused, screen_json
from web.app import create_app
from web.config import WebSettings
from web.reference import REFERENCE_CSP

METHODS = ("get", "put", "post", "patch", "delete")


@functools.cache
def generated() -> str:
    return render()


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def test_the_committed_document_is_what_the_code_generates() -> None:
    assert DOCUMENT.exists(), "generate it: .venv/bin/python -m deskpilot.contract"
    assert DOCUMENT.read_text() == generated(), "regenerate with: .venv/bin/python -m deskpilot.contract"


def test_every_operation_says_how_it_is_authenticated_and_how_it_fails() -> None:
    document = json.loads(generated())
    assert document["openapi"] == "3.1.0"
    assert set(document["components"]["securitySchemes"]) == {"apiKey", "humanAgentKey", "widgetKey", "operatorKey"}
    found = operations(document)
    assert len(found) > 80
    for path, method, operation in found:
        where = f"{method.upper()} {path}"
        assert "security" in operation, where
        responses = operation["responses"]
        assert responses["400"] == {"$ref": "#/components/responses/bad_request"}, where
        assert {"413", "429", "503"} <= set(responses), f"{where}: the gateway's own refusals"
        if operation["security"]:
            assert {"401", "403"} <= set(responses), where
        if "{" in path:
            assert "404" in responses, where
        for status, response in responses.items():
            if int(status) >= 400:
                assert response["$ref"].startswith("#/components/responses/"), where
    problem = document["components"]["responses"]["not_found"]["content"]["application/problem+json"]
    assert problem["schema"] == {"$ref": "#/components/schemas/Problem"}
    for code in ("rate_limited", "unavailable"):
        assert "Retry-After" in document["components"]["responses"][code]["headers"], code
    schemes = {f"{m.upper()} {p}": [next(iter(s)) for s in o["security"]] for p, m, o in found if p.startswith("/v1/")}
    assert schemes["POST /v1/conversations"] == ["apiKey"]
    assert schemes["GET /v1/conversations/{conversation_id}"] == ["apiKey", "humanAgentKey"]
    assert schemes["POST /v1/conversations/chat/{conversation_id}/messages"] == ["widgetKey"]
    operator = [where for where in schemes if where.split()[1].startswith("/v1/operator/")]
    assert len(operator) == 4
    assert all(schemes[where] == ["operatorKey"] for where in operator), "only the operator's key"


def _walk(value: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            out.append(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return out


def test_money_is_a_decimal_string_and_request_bodies_are_closed() -> None:
    document = json.loads(generated())
    schemas = document["components"]["schemas"]
    for name, schema in schemas.items():
        for field, spec in schema.get("properties", {}).items():
            if field.endswith("_usd") and "type" in spec:
                assert spec["type"] == "string", f"{name}.{field}: {spec}"
    assert schemas["PostMessage"]["additionalProperties"] is False
    assert schemas["StartConversation"]["additionalProperties"] is False
    for node in _walk(document["paths"]):
        if node.get("type") == "object" and "properties" in node and "additionalProperties" not in node:
            pytest.fail(f"an inline object schema without additionalProperties: {node}")


def _request_schemas(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Every schema a JSON request body reaches, through its references (JsonValue aside: tested on its own). The
    edge screens JSON; a file sent as the body (an import) is bytes, whatever they hold."""
    schemas = document["components"]["schemas"]
    seen, found = {"JsonValue"}, []
    bodies = [op["requestBody"]["content"] for _, _, op in operations(document) if "requestBody" in op]
    stack = [body["application/json"] for body in bodies if "application/json" in body]
    while stack:
        for node in _walk(stack.pop()):
            name = str(node.get("$ref", "")).rsplit("/", 1)[-1]
            if name and name not in seen:
                seen.add(name)
                stack.append(schemas[name])
            found.append(node)
    return found


def test_no_text_of_a_request_body_is_documented_as_taking_a_nul() -> None:
    """The edge refuses a NUL in any text of a body (400): every string of a request body says so with its pattern,
    one with a ``format`` (a URL, a password) or a pattern of its own included; a document of one of our formats
    (a procedure, a suite) by its format: a YAML stream holds no NUL."""
    documents = 0
    for node in _request_schemas(json.loads(generated())):
        if node.get("format") in DOCUMENT_FORMATS:
            documents += 1
            assert "pattern" not in node, node  # the format's generator drives; a pattern would be drawn from instead
            continue
        if node.get("type") == "string" and not {"enum", "const"} & node.keys():
            assert "pattern" in node, node
            assert not re.search(node["pattern"], "a\u0000b"), node
    assert documents >= 4  # a procedure's source, a simulation's suite, a publish's and a gate's suites
    with pytest.raises(yaml.YAMLError):
        yaml.safe_load("name: a\u0000b")


FREE_FORM = [
    ({"steps": [1, {"say": "hi"}], "max": 2**63 - 1, "min": -(2**63), "ratio": 1.5, "on": True, "off": None}, True),
    ({"steps": [{"say": "hi\u0000"}]}, False),  # a NUL deep down
    ({"a\u0000": 1}, False),  # a NUL in a key
    ({"steps": [[2**63]]}, False),  # an integer beyond 64 bits deep down
    ({"steps": {"n": -(2**63) - 1}}, False),
]


@pytest.mark.parametrize(("body", "accepted"), FREE_FORM)
def test_a_free_form_object_is_documented_as_the_edge_screens_it(body: dict[str, Any], accepted: bool) -> None:
    """Free-form JSON of a request body (a tool's input schema, in a candidate or a draft) says what the edge refuses at
    any depth: the document's schema and the edge agree on each body."""
    document = json.loads(generated())
    document_field = document["components"]["schemas"]["ToolSpec"]["properties"]["input_schema"]
    assert document_field["additionalProperties"] == {"$ref": "#/components/schemas/JsonValue"}
    validator = jsonschema.Draft202012Validator({**document, **document_field})
    assert validator.is_valid(body) is accepted
    raw = json.dumps({"input_schema": body}).encode()
    if accepted:
        screen_json(raw)
    else:
        with pytest.raises(Refused) as refused:
            screen_json(raw)
        assert refused.value.status == 400


async def test_the_web_front_end_serves_the_document_and_a_reference_page_and_every_edge_routes_them_there() -> None:
    transport = httpx2.ASGITransport(app=cast(Any, create_app(WebSettings.model_validate({}))))
    async with httpx2.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as web:
        document = await web.get("/openapi.json")
        assert (document.status_code, document.headers["content-type"]) == (200, "application/json")
        assert document.content == DOCUMENT.read_bytes()
        page = await web.get("/reference")
        assert (page.status_code, page.headers["content-type"]) == (200, "text/html; charset=utf-8")
        assert 'data-url="/openapi.json"' in page.text
        assert page.headers.get_list("content-security-policy") == [REFERENCE_CSP]  # its own, not the pages' strict one
    for path in ("/openapi.json", "/reference"):  # deskpilot up's gateway; nginx and the ingress are checked alike
        assert route(path, {"web": "http://web"}) == "web"
    # (tests/deploy/test_manifests.py: docker-compose's nginx and the Kubernetes ingress route as the gateway does)


async def test_an_installation_without_the_document_answers_404() -> None:
    settings = WebSettings(
        DESKPILOT_WEB_SECURE_COOKIES=False, DESKPILOT_WEB_OPENAPI_DOCUMENT="/nonexistent/openapi.json"
    )
    transport = httpx2.ASGITransport(app=cast(Any, create_app(settings)))
    async with httpx2.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as web:
        assert (await web.get("/openapi.json")).status_code == 404


NOT_IDEMPOTENT = {
    "POST /v1/tickets/sessions": "a sign-in: no key yet, so no tenant to keep an Idempotency-Key for; each answers a "
    "new sign-in key, which no store should keep for replay",
    "POST /v1/tickets/sso/authorizations": "no key yet (the sign-in's first step): no tenant to keep keys for",
    "POST /v1/tickets/sso/sessions": "no key yet; its state works once, so a retry cannot sign in twice",
    "POST /v1/conversations/chat": "anonymous visitors of a site share its public widget key: a replayed answer "
    "would hand one visitor another's chat token",
    "POST /v1/conversations/chat/{conversation_id}/csat": "the customer's one rating per ticket: a retry is "
    "refused 409, never counted twice",
}
"""The POSTs that answer 201/202 without an ``Idempotency-Key``, each with its reason."""


def test_every_creating_post_documents_the_idempotency_key() -> None:
    """Issue 20: every creating POST accepts ``Idempotency-Key``, in the contract. Walks the committed document."""
    document = json.loads(DOCUMENT.read_text())
    creating = {
        f"POST {path}": operation
        for path, method, operation in operations(document)
        if method == "post" and {"201", "202"} & set(operation["responses"])
    }
    assert set(NOT_IDEMPOTENT) <= set(creating), "an exemption for a route that is gone or no longer creates"
    missing = [
        where
        for where, operation in creating.items()
        if where not in NOT_IDEMPOTENT
        and not any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in operation.get("parameters", []))
    ]
    assert missing == [], "document Idempotency-Key on these (the edge takes it on every authenticated POST)"
    assert len(creating) - len(NOT_IDEMPOTENT) >= 20  # 24 today: the walk found them


def _body_nodes(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Every schema node of the request bodies (the component schemas that request bodies name, and their own)."""
    bodies = [op["requestBody"] for _, _, op in operations(document) if "requestBody" in op]
    names = {ref.rsplit("/", 1)[1] for node in _walk(bodies) if isinstance(ref := node.get("$ref"), str)}
    schemas = document["components"]["schemas"]
    seen: set[str] = set()
    while names - seen:  # follow the references of the request schemas
        name = (names - seen).pop()
        seen.add(name)
        names |= {r.rsplit("/", 1)[1] for node in _walk(schemas[name]) if isinstance(r := node.get("$ref"), str)}
    return _walk(bodies) + [node for name in seen for node in _walk(schemas[name])]


def _body_patterns(document: dict[str, Any]) -> set[str]:
    """The patterns of request bodies' strings and of their maps' keys."""
    nodes = _body_nodes(document)
    refused = {id(n) for node in nodes if "not" in node for n in _walk(node["not"])}  # what a value must NOT match
    keys = {id(node["propertyNames"]) for node in nodes if isinstance(node.get("propertyNames"), dict)}
    texts = [n for n in nodes if (n.get("type") == "string" or id(n) in keys) and "pattern" in n]
    return {node["pattern"] for node in texts if id(node) not in refused}


def test_every_map_of_a_body_states_its_keys_pattern() -> None:
    """A map's keys are text the edge screens too (SSO's role_values took a key with a NUL: 400, ST202)."""
    maps = [n for n in _body_nodes(json.loads(generated())) if isinstance(n.get("additionalProperties"), dict)]
    assert len(maps) > 5
    for node in maps:
        assert "pattern" in node.get("propertyNames", {}), node


@settings(max_examples=10, deadline=None, derandomize=True)
@given(data=st.data())
def test_no_body_pattern_allows_a_nul_which_the_edge_refuses(data: st.DataObject) -> None:
    """The edge answers 400 to a NUL in any text of a body: a pattern that lets one through promises a request the
    API refuses (ST202 on POST /v1/tickets/sso/authorizations, whose redirect_uri was '^https?://[^\\s]+$')."""
    patterns = _patterns()
    assert len(patterns) > 10
    for pattern in patterns:
        sample = data.draw(st.from_regex(pattern, fullmatch=True), label=pattern)
        at = data.draw(st.integers(0, len(sample)), label="at")
        assert not re.search(pattern, sample[:at] + "\x00" + sample[at:]), pattern


@functools.cache
def _patterns() -> list[str]:
    return sorted(_body_patterns(json.loads(generated())))
