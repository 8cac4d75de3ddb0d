"""A real HTTP server on loopback for the knowledge tests: a small website to crawl, or a fake of OpenAI's
embeddings API speaking its wire format."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

Route = tuple[int, str, bytes]  # status, content type, body


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class LocalServer:
    url: str
    requests: list[Recorded] = field(default_factory=list)

    def paths(self, method: str = "GET") -> list[str]:
        return [r.path for r in self.requests if r.method == method]


@contextmanager
def serve(respond: Callable[[Recorded], Route]) -> Iterator[LocalServer]:
    """Serve ``respond(request) -> (status, content type, body)`` on 127.0.0.1 until the block ends."""
    state = LocalServer(url="")

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            headers = {k.lower(): v for k, v in self.headers.items()}
            request = Recorded(self.command, self.path, headers, self.rfile.read(length))
            state.requests.append(request)
            status, content_type, body = respond(request)
            self.send_response(status)
            self.send_header("content-type", content_type)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = _handle
        do_POST = _handle

        def log_message(self, *_args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def site(pages: dict[str, str | Route]) -> Callable[[Recorded], Route]:
    """A website from a (mutable) dict of path → HTML (or a full route); anything else is 404."""

    def respond(request: Recorded) -> Route:
        page = pages.get(urlsplit(request.path).path)
        if page is None:
            return 404, "text/plain", b"not found"
        if isinstance(page, tuple):
            return page
        content_type = "application/xml" if request.path.endswith(".xml") else "text/plain"
        if page.lstrip().startswith("<"):
            content_type = content_type if request.path.endswith(".xml") else "text/html; charset=utf-8"
        return 200, content_type, page.encode()

    return respond


def fake_openai_embeddings(embed: Callable[[list[str]], list[list[float]]]) -> Callable[[Recorded], Route]:
    """``POST /v1/embeddings`` as OpenAI answers it; requires a Bearer key."""

    def respond(request: Recorded) -> Route:
        if request.method != "POST" or request.path != "/v1/embeddings":
            return 404, "application/json", b'{"error": {"message": "not found"}}'
        if not request.headers.get("authorization", "").startswith("Bearer "):
            return 401, "application/json", b'{"error": {"message": "no key", "type": "invalid_request_error"}}'
        body = json.loads(request.body)
        inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
        vectors = embed(inputs)
        data = [{"object": "embedding", "index": i, "embedding": v} for i, v in enumerate(vectors)]
        answer = {
            "object": "list",
            "data": list(reversed(data)),  # the API does not promise order; clients must use "index"
            "model": body["model"],
            "usage": {"prompt_tokens": 3 * len(inputs), "total_tokens": 3 * len(inputs)},
        }
        return 200, "application/json", json.dumps(answer).encode()

    return respond
