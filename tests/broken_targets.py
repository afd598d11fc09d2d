"""Deliberately broken targets: the mock with one fault, served on a free loopback port."""

# Each fault is an ASGI wrapper that corrupts certain requests or responses, or a change to this
# one app instance (its Auth, its Limiter), or a patch of webhook signing. Every broken mock runs
# in its own process (`python -m tests.broken_targets FAULT PORT`), so faults never meet and
# the product code is untouched: every fault lives here and dies with its server.

from __future__ import annotations

import base64
import contextlib
import json
import logging
import os
import subprocess
import sys
import tempfile
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
import uvicorn

from contract_tests.paging import paged_operations
from mock_server.app import create_app
from mock_server.settings import Settings
from mock_server.testing import free_port, stop_process, wait_until_up
from mock_server.webhooks import wire

Scope = dict[str, Any]
App = Callable[..., Awaitable[None]]
RE = "/rentengine/api/public/v1/"
REPO = Path(__file__).resolve().parent.parent


async def capture(app: App, scope: Scope) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """Run the inner app on a body-less request; return its status, headers and body."""
    out: dict[str, Any] = {"body": b""}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            out["status"], out["headers"] = message["status"], list(message.get("headers", []))
        else:
            out["body"] += message.get("body", b"")

    await app(scope, receive, send)
    return out["status"], out["headers"], out["body"]


async def respond(send: Any, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    kept = [(k, v) for k, v in headers if k.lower() != b"content-length"]
    kept.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": kept})
    await send({"type": "http.response.body", "body": body})


def with_query(scope: Scope, **changes: int) -> Scope:
    """A copy of the scope (the inner app rewrites the one it gets), query changed if asked."""
    query_string = scope["query_string"]
    if changes:
        query = dict(parse_qsl(query_string.decode(), keep_blank_values=True))
        query.update({k: str(v) for k, v in changes.items()})
        query_string = urlencode(query).encode()
    copied = {**scope, "query_string": query_string, "headers": [*scope["headers"]]}
    copied["state"] = dict(scope.get("state") or {})
    if "extensions" in scope:
        copied["extensions"] = {
            k: dict(v) if isinstance(v, dict) else v for k, v in scope["extensions"].items()
        }
    return copied


def page_of(scope: Scope) -> tuple[int, int] | None:
    """(page_number, limit) of a RentEngine list request past the first page."""
    if scope["method"] != "GET" or not scope["path"].startswith(RE):
        return None
    query = dict(parse_qsl(scope["query_string"].decode()))
    try:
        number, limit = int(query.get("page_number", 0)), int(query.get("limit", 50))
    except ValueError:
        return None
    return (number, limit) if number > 0 and 1 <= limit <= 100 else None


async def shifted_pages(app: App, scope: Scope, receive: Any, send: Any, late: bool) -> None:
    """Page n > 0 starts one item late (item n*limit is never listed) or one item early
    (the previous page's last item is listed again)."""
    found = page_of(scope)
    if found is None:
        return await app(scope, receive, send)
    number, limit = found
    status, headers, body = await capture(app, with_query(scope))
    other = await capture(app, with_query(scope, page_number=number + (1 if late else -1)))
    items, more = json.loads(body or b"null"), json.loads(other[2] or b"null")
    if status != 200 or not isinstance(items, list) or not isinstance(more, list):
        return await respond(send, status, headers, body)
    # Items [n*limit + 1, ...) or [n*limit - 1, ...) instead of [n*limit, ...).
    page = (items + more)[1 : limit + 1] if late else (more + items)[limit - 1 : 2 * limit - 1]
    await respond(send, status, headers, json.dumps(page).encode())


async def default_limit_25(app: App, scope: Scope, receive: Any, send: Any) -> None:
    """RentEngine lists without `limit` give 25 items, not the documented 50."""
    query = dict(parse_qsl(scope["query_string"].decode(), keep_blank_values=True))
    lists = {RE.rstrip("/") + op.path for op in paged_operations()}
    if scope["method"] == "GET" and scope["path"] in lists and "limit" not in query:
        scope = {**scope, "query_string": urlencode({**query, "limit": "25"}).encode()}
    await app(scope, receive, send)


async def no_retry_after(app: App, scope: Scope, receive: Any, send: Any) -> None:
    async def strip(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start" and message["status"] == 429:
            message["headers"] = [
                (k, v) for k, v in message["headers"] if k.lower() != b"retry-after"
            ]
        await send(message)

    await app(scope, receive, strip if scope["path"].startswith("/aptoria/") else send)


async def any_scheme(app: App, scope: Scope, receive: Any, send: Any) -> None:
    """KeyNest takes the token whatever the scheme: `Token t`, `Basic b64(t:)`, a bare `t`."""
    headers = []
    for name, value in scope["headers"]:
        text = value.decode("latin-1")
        if name == b"authorization" and scope["path"].startswith("/keynest/"):
            scheme, _, rest = text.partition(" ")
            if scheme == "Basic":
                rest = base64.b64decode(rest).decode().rstrip(":")
            elif not rest:
                rest = scheme
            text = f"Bearer {rest or scheme}" if scheme != "Bearer" else text
        headers.append((name, text.encode("latin-1")))
    await app({**scope, "headers": headers}, receive, send)


def rewrite(match: Callable[[Scope, int], bool], change: Callable[[Any], Any]) -> Any:
    """A fault that rewrites JSON bodies of matching responses (content type kept)."""

    async def fault(app: App, scope: Scope, receive: Any, send: Any) -> None:
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def hold(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                body = b"".join(chunks)
                if match(scope, start["status"]):
                    body = json.dumps(change(json.loads(body))).encode()
                await respond(send, start["status"], start["headers"], body)

        await app(scope, receive, hold)

    return fault


FLAT_404 = rewrite(
    lambda s, status: status == 404 and s["path"].startswith("/keynest/"),
    lambda body: {"error": body["error"]["message"]},
)
DASHBOARD = rewrite(
    lambda s, status: status == 200 and s["path"] == "/aptoria/api/dashboard",
    lambda body: {k: v for k, v in body.items() if k != "occupancy_rate"},
)

ASGI_FAULTS: dict[str, Any] = {
    "page-starts-late": lambda a, s, r, w: shifted_pages(a, s, r, w, late=True),
    "page-repeats-item": lambda a, s, r, w: shifted_pages(a, s, r, w, late=False),
    "no-retry-after": no_retry_after,
    "default-limit-25": default_limit_25,
    "any-auth-scheme": any_scheme,
    "flat-error-body": FLAT_404,
    "dashboard-drift": DASHBOARD,
}


class FaultWrapper:
    def __init__(self, app: App, fault: Any) -> None:
        self.app, self.fault = app, fault

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or self.fault is None:
            return await self.app(scope, receive, send)
        await self.fault(self.app, scope, receive, send)


def break_app(app: Any, fault: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The faults that change this app instance or patch signing while the server runs."""
    services = app.services
    if fault == "revoked-key-works":  # revoking an Aptoria key answers 204 and does nothing
        revoke = services.auth.revoke

        def no_revoke(token_id: str) -> bool:
            if any(c["token_id"] == token_id for c in services.auth.list("aptoria")):
                return True
            return bool(revoke(token_id))

        monkeypatch.setattr(services.auth, "revoke", no_revoke)
    elif fault == "scopes-ignored":
        services.auth.aptoria_scopes.clear()
    elif fault == "quota-off-by-one":  # 61 a minute
        services.limiter.base["aptoria"]["rules"][0]["limit"] = 61
    elif fault in ("wrong-hmac", "stale-signature"):
        sign = wire.aptoria_header

        def broken(body: bytes, t: int, secrets: list[str]) -> str:
            if fault == "wrong-hmac":
                return sign(body, t, ["whsec_not_the_endpoint_secret"])
            return sign(body, t - 600, secrets)  # a valid HMAC over a 10-minute-old t

        monkeypatch.setattr(wire, "aptoria_header", broken)


def serve(fault: str, port: int) -> None:
    """The broken mock in this process until it is stopped (see `broken_mock`)."""
    logging.getLogger("connexion").disabled = True  # its request logs are noise here
    app = create_app(Settings(port=port))
    break_app(app, fault, pytest.MonkeyPatch())
    wrapped = FaultWrapper(app, ASGI_FAULTS.get(fault))
    uvicorn.run(wrapped, host="127.0.0.1", port=port, log_level="error", lifespan="on")


@contextlib.contextmanager
def broken_mock(fault: str) -> Iterator[str]:
    """The mock with `fault`, in its own process (faults never share one), on
    127.0.0.1:<free port>; yields its root URL."""
    port = free_port()
    root = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.broken_targets", fault, str(port)],
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        try:
            wait_until_up(root + "/_propmock/clock", 60, process)
            yield root
        finally:
            stop_process(process)


if __name__ == "__main__":
    serve(sys.argv[1], int(sys.argv[2]))
