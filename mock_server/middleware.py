"""ASGI middleware: services, request ids, the journal, body limits, vendor error bodies.

Sits at Connexion's BEFORE_EXCEPTION position, so it sees every response, including the
problem+json errors Connexion builds for routing, security and validation failures, and
rewrites those into the vendor's own error shape.
"""

from __future__ import annotations

import hmac
import json
import re
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Any

from mock_server.errors import error_body

if TYPE_CHECKING:
    from mock_server.services import Services

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
VALIDATION_TITLES = {"Bad Request", "Request Body Validation Failed"}
# The methods a path allows, remembered for paths up to this long, this many at a time.
ALLOWED_MEMO_PATH_CHARS = 256
ALLOWED_MEMO_SIZE = 4096


class VendorMiddleware:
    def __init__(self, app: ASGIApp, services: Services) -> None:
        self.app = app
        self.services = services
        self._allowed: dict[str, list[str]] = {}

    def allowed_methods(self, path: str) -> list[str]:
        """Services.allowed_methods (a regex per route of the API: ~40 us a request),
        remembered per path: the routes are fixed once the app is built."""
        methods = self._allowed.get(path)
        if methods is None:
            methods = self.services.allowed_methods(path)
            if len(path) <= ALLOWED_MEMO_PATH_CHARS:
                if len(self._allowed) >= ALLOWED_MEMO_SIZE:
                    self._allowed.clear()
                self._allowed[path] = methods
        return methods

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        services = self.services
        scope["propmock"] = services
        started = time.perf_counter()
        api = services.api_for_path(scope["path"])
        request_id = services.new_request_id()
        status_seen = 0

        refusal = admin_refusal(scope, services.settings.admin_token) if api == "admin" else None
        if refusal:
            await _send_json(send, refusal[0], {"error": refusal[1]}, request_id)
            return

        # OpenAPI matches a concrete path before a templated one, but Starlette would hand
        # GET /lockboxes/generate_code (POST only) to GET /lockboxes/{lockboxId}: a 405 here.
        allowed = self.allowed_methods(scope["path"]) if api not in (None, "admin") else []
        if allowed and scope["method"] not in allowed:
            allow = (b"allow", ", ".join(allowed).encode())
            body405 = error_body(api, 405, "Method not allowed")
            await _send_json(send, 405, body405, request_id, [allow])
            services.journal.record(scope, api, 405, started, request_id)
            return

        if scope["method"] in BODY_METHODS:
            body, too_large = await _read_body(receive, services.settings.max_body_bytes)
            if too_large:
                await _send_json(
                    send, 413, error_body(api, 413, "Request body too large"), request_id
                )
                services.journal.record(scope, api, 413, started, request_id)
                return
            if body and not _header(scope, b"content-type"):
                # Connexion hands such a body to the handler as raw bytes; the APIs take JSON.
                message = "Content-Type must be application/json"
                await _send_json(send, 415, error_body(api, 415, message), request_id)
                services.journal.record(scope, api, 415, started, request_id)
                return
            scope["raw_body"] = body
            receive = _replay(body)

        pending_start: Message | None = None
        chunks: list[bytes] = []

        async def send_wrapper(message: Message) -> None:
            nonlocal status_seen, pending_start, chunks
            if message["type"] == "http.response.start":
                status_seen = message["status"]
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"
                ]
                headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
                content_type = dict(headers).get(b"content-type", b"")
                if content_type.startswith(b"application/problem+json") or status_seen == 405:
                    pending_start = message  # hold it: the body is rewritten below
                    return
                await send(message)
                return
            if pending_start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            start, pending_start = pending_start, None
            await _send_rewritten(send, start, b"".join(chunks), api, services, scope["path"])

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            services.journal.record(scope, api, status_seen, started, request_id)


def _header(scope: Scope, name: bytes) -> bytes:
    return next((v for k, v in scope.get("headers", []) if k.lower() == name), b"")


def admin_refusal(scope: Scope, admin_token: str | None) -> tuple[int, str] | None:
    """The control API answers loopback clients only, unless --admin-token is set; then it
    requires that token from everyone (compared in constant time)."""
    if admin_token:
        given = _header(scope, b"authorization").decode("latin-1")
        expected = f"Bearer {admin_token}"
        if not hmac.compare_digest(given.encode(), expected.encode()):
            return 401, "The control API requires the admin token (--admin-token)."
        return None
    client = scope.get("client") or ("", 0)
    host = str(client[0])
    # Starlette's TestClient reports the client as "testclient".
    if host.startswith("127.") or host in ("::1", "localhost", "testclient"):
        return None
    return 403, "The control API answers loopback clients only; start with --admin-token."


async def _read_body(receive: Receive, limit: int) -> tuple[bytes, bool]:
    parts: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return b"", True
        parts.append(chunk)
        if not message.get("more_body"):
            break
    return b"".join(parts), False


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive


async def _send_json(
    send: Send,
    status: int,
    body: Any,
    request_id: str,
    extra: list[tuple[bytes, bytes]] | None = None,
) -> None:
    payload = json.dumps(body).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(payload)).encode()),
        (b"x-request-id", request_id.encode()),
        *(extra or []),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


async def _send_rewritten(
    send: Send, start: Message, raw: bytes, api: str | None, services: Services, path: str
) -> None:
    status = int(start["status"])
    try:
        problem = json.loads(raw) if raw else {}
    except ValueError:
        problem = {}
    if not isinstance(problem, dict):
        problem = {}
    # Connexion appends the failing schema to validation details; the vendors send one line.
    detail = str(problem.get("detail") or problem.get("title") or "Error").split("\n")[0]
    message, details = _message_for(api, status, str(detail), str(problem.get("title", "")))
    kept = [
        (k, v)
        for k, v in start["headers"]
        if k.lower() not in (b"content-type", b"content-length", b"allow")
    ]
    if status == 405:
        allowed = services.allowed_methods(path)
        if allowed:
            kept.append((b"allow", ", ".join(allowed).encode()))
        message = "Method not allowed"
    payload = json.dumps(error_body(api, status, message, details)).encode()
    kept += [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(payload)).encode()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": kept})
    await send({"type": "http.response.body", "body": payload})


def _message_for(
    api: str | None, status: int, detail: str, title: str
) -> tuple[str, list[Any] | None]:
    """Message and details as the vendor words them (RentEngine: AJV-style details)."""
    if status == 400 and api == "rentengine":
        field = re.search(r"'([^']+)'", detail)
        kind = "query" if "query parameter" in detail.lower() else "request"
        return (
            "Invalid query parameters" if kind == "query" else "Invalid request parameters",
            [
                {
                    "keyword": "validation",
                    "dataPath": f"/{field.group(1)}" if field else "",
                    "schemaPath": "",
                    "params": {},
                    "message": detail,
                }
            ],
        )
    if status == 401:
        return ("Unauthorized" if api == "rentengine" else detail), None
    if status == 404 and title == "Not Found" and "not found" not in detail.lower():
        return "Not found", None
    return detail, None
