"""Applies the limiter to authenticated requests; answers 429 in the vendor's shape.

Sits at Connexion's BEFORE_VALIDATION position: after routing and security, so the quota is
per credential (an unknown key gets its 401, and never spends anybody's quota) and per
operation (the Aptoria AI helpers have their own quotas), and before validation, so invalid
requests count too, as they do on a real API.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from mock_server.errors import error_body
from mock_server.middleware import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from mock_server.services import Services


def too_many_message(api: str, seconds: int) -> str:
    if api == "aptoria":  # the documented wording, em dash included
        return f"Rate limit exceeded \u2014 try again in {seconds} seconds."
    return f"Too many requests; retry after {seconds} seconds."


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, services: Services) -> None:
        self.app = app
        self.services = services

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extensions: dict[str, Any] = scope.get("extensions", {})
        token_info = extensions.get("connexion_context", {}).get("token_info") or {}
        operation_id = extensions.get("connexion_routing", {}).get("operation_id") or ""
        api = self.services.api_for_path(scope["path"])
        token_id = token_info.get("token_id")
        limiter = self.services.limiter
        rules = limiter.rules_for(api, token_id, operation_id) if api and token_id else None
        if not rules or not api:
            await self.app(scope, receive, send)
            return
        decision = limiter.hit(f"{api}|{token_id}", rules)
        limit_header = (b"x-ratelimit-limit", str(decision.limit).encode())
        if not decision.allowed:
            body = json.dumps(error_body(api, 429, too_many_message(api, decision.retry_after)))
            headers = [
                (b"content-type", b"application/json"),
                (b"retry-after", str(decision.retry_after).encode()),
            ]
            if api == "rentengine":
                headers.append(limit_header)
            await send({"type": "http.response.start", "status": 429, "headers": headers})
            await send({"type": "http.response.body", "body": body.encode()})
            return
        if api != "rentengine":
            await self.app(scope, receive, send)
            return

        async def send_with_limit(message: Message) -> None:
            # RentEngine reports its quota on every response (observed).
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), limit_header]
            await send(message)

        await self.app(scope, receive, send_with_limit)
