"""A fake HTTP API on 127.0.0.1 for connector tests: no test ever reaches the network.

Routes map a path to replies served in turn (the last one repeats), so a route can fail
twice with 503 and then succeed. A reply is a :class:`Reply` or a function of the query
parameters returning one. Every request is logged (``api.count(path)``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def file(cls, name: str, content_type: str | None = None, status: int = 200) -> Reply:
        if content_type is None:
            content_type = "application/xml" if name.endswith(".xml") else "application/json"
        return cls(status, (FIXTURES / name).read_bytes(), content_type)


Answer = Reply | Callable[[dict[str, str]], Reply]


@dataclass
class Request:
    path: str
    query: dict[str, str]
    headers: dict[str, str]


class FakeApi:
    """A threaded HTTP server on a free port of 127.0.0.1."""

    def __init__(self) -> None:
        self.routes: dict[str, list[Answer]] = {}
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- configuration ----------------------------------------------------------------
    def route(self, path: str, *answers: Answer) -> None:
        """Serve ``answers`` in turn at ``path``; the last repeats. Replaces any route."""
        with self._lock:
            self.routes[path] = list(answers)

    def count(self, path: str) -> int:
        with self._lock:
            return sum(1 for r in self.requests if r.path == path)

    @property
    def base_url(self) -> str:
        assert self._server is not None, "server not running"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # -- life cycle ---------------------------------------------------------------------
    def start(self) -> FakeApi:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = dict(parse_qsl(parts.query, keep_blank_values=True))
                reply = api._answer(parts.path, query, dict(self.headers))
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(reply.body)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(reply.body)

            def log_message(self, format: str, *args: object) -> None:  # quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _answer(self, path: str, query: dict[str, str], headers: dict[str, str]) -> Reply:
        with self._lock:
            self.requests.append(Request(path, query, headers))
            answers = self.routes.get(path)
            if not answers:
                return Reply(404, b"Not Found", "text/plain")
            answer = answers.pop(0) if len(answers) > 1 else answers[0]
        return answer(query) if callable(answer) else answer


@contextmanager
def running() -> Iterator[FakeApi]:
    api = FakeApi().start()
    try:
        yield api
    finally:
        api.stop()


@pytest.fixture
def fake_api() -> Iterator[FakeApi]:
    """A running :class:`FakeApi`, stopped after the test."""
    with running() as api:
        yield api
