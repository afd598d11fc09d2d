"""The per-app bundle of collaborators handed to handlers, middleware and the control API."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any

from mock_server.auth import Auth
from mock_server.journal import Journal
from mock_server.ratelimit import Limiter
from mock_server.settings import ADMIN_BASE, Settings
from mock_server.state.clock import Clock
from mock_server.state.ids import CROCKFORD
from mock_server.state.store import Store
from mock_server.webhooks.emitter import Emitter

HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


@dataclass
class Services:
    settings: Settings
    store: Store
    clock: Clock
    auth: Auth
    emitter: Emitter
    journal: Journal
    limiter: Limiter
    specs: dict[str, dict[str, Any]] = field(default_factory=dict)
    _mounts: list[tuple[str, str]] = field(default_factory=list)
    _routes: dict[str, list[tuple[re.Pattern[str], list[str]]]] = field(default_factory=dict)

    def mount(self, api: str, base_path: str, spec: dict[str, Any]) -> None:
        """Register where `api` is served and the methods each of its paths allows."""
        self.specs.setdefault(api, spec)
        self._mounts.append((base_path, api))
        self._mounts.sort(key=lambda m: len(m[0]), reverse=True)
        routes = self._routes.setdefault(api, [])  # an API may be mounted in several parts
        for template, item in spec.get("paths", {}).items():
            pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(base_path + template))
            methods = [m for m in HTTP_METHODS if m.lower() in item]
            if "GET" in methods and "HEAD" not in methods:
                methods.insert(1, "HEAD")
            routes.append((re.compile(pattern + "$"), methods))

    def api_for_path(self, path: str) -> str | None:
        if path == ADMIN_BASE or path.startswith(ADMIN_BASE + "/"):
            return "admin"
        for base, api in self._mounts:
            if not base or path == base or path.startswith(base + "/"):
                return api
        return None

    def base_path(self, api: str) -> str:
        return next(base for base, name in self._mounts if name == api)

    def allowed_methods(self, path: str) -> list[str]:
        api = self.api_for_path(path)
        methods: list[str] = []
        matches = [(p, allowed) for p, allowed in self._routes.get(api or "", []) if p.match(path)]
        # OpenAPI matches a concrete path before a templated one (`/lockboxes/generate_code`
        # before `/lockboxes/{lockboxId}`): only the least-templated matches name the resource.
        fewest = min((p.pattern.count("[^/]+") for p, _ in matches), default=0)
        for pattern, allowed in matches:
            if pattern.pattern.count("[^/]+") == fewest:
                methods += [m for m in allowed if m not in methods]
        return methods

    @staticmethod
    def new_request_id() -> str:
        value = int.from_bytes(os.urandom(16), "big")
        return "req_" + "".join(CROCKFORD[(value >> (5 * i)) & 31] for i in range(26))
