"""The control API (/_propmock): APIs, credentials, reset, journal, clock, snapshots, limits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from connexion.context import request

from mock_server.errors import ApiError
from mock_server.services import Services
from mock_server.state.seed import demo_credentials, reset


class AdminHandlers:
    def __init__(self, services: Services) -> None:
        self.services = services

    # -- server -------------------------------------------------------------------------
    async def list_apis(self) -> list[dict[str, Any]]:
        root = str(request.base_url).rstrip("/")
        demo = demo_credentials(self.services)
        out = []
        for api in self.services.settings.apis:
            base = root + self.services.base_path(api)
            out.append(
                {
                    "name": api,
                    "base_url": base,
                    "openapi_url": base + "/openapi.json",
                    "docs_url": base + "/ui/",
                    "credentials": [c for c in demo if c["api"] == api],
                }
            )
        return out

    async def reset_state(self, body: dict[str, Any] | None = None) -> dict[str, Any]:
        body = body or {}
        try:
            reset(self.services, seed=body.get("seed"), size=body.get("size"))
        except ValueError as exc:
            raise ApiError(400, str(exc)) from exc
        return {"seed": self.services.settings.seed, "size": self.services.settings.size}

    async def export_snapshot(self) -> dict[str, Any]:
        return self.services.store.snapshot()

    async def import_snapshot(self, body: dict[str, Any]) -> dict[str, Any]:
        try:
            self.services.store.restore(body)
        except (ValueError, TypeError, Exception) as exc:  # sqlite errors: a bad snapshot, a 400
            raise ApiError(400, f"Snapshot rejected: {exc}") from exc
        return {"imported": sum(len(rows) for rows in body.values())}

    # -- credentials --------------------------------------------------------------------
    async def list_credentials(self, api: str | None = None) -> list[dict[str, Any]]:
        return self.services.auth.list(api)

    async def issue_credential(self, body: dict[str, Any]) -> tuple[dict[str, Any], int]:
        api = body["api"]
        demo = next((c for c in demo_credentials(self.services) if c["api"] == api), None)
        subject = body.get("subject") or (demo or {}).get("subject") or "demo"
        claims = {
            k: v
            for k, v in (demo or {}).items()
            if k not in ("api", "token", "token_id", "subject", "label")
        }
        if "scopes" in body:
            claims["scopes"] = body["scopes"]
        if "role" in body:
            claims["role"] = body["role"]
        issued = self.services.auth.issue(api, subject, claims, body.get("label", ""))
        return issued, 201

    async def revoke_credential(self, token_id: str) -> tuple[None, int]:
        if not self.services.auth.revoke(token_id):
            raise ApiError(404, f"Credential {token_id} not found")
        return None, 204

    # -- journal ------------------------------------------------------------------------
    async def list_journal(
        self,
        api: str | None = None,
        method: str | None = None,
        status: int | None = None,
        path_contains: str | None = None,
        limit: int = 100,
    ) -> list[dict[str, Any]]:
        return self.services.journal.entries(api, method, status, path_contains, limit)

    async def clear_journal(self) -> dict[str, int]:
        return {"cleared": self.services.journal.clear()}

    # -- clock --------------------------------------------------------------------------
    async def get_clock(self) -> dict[str, Any]:
        return self.services.clock.state()

    async def freeze_clock(self, body: dict[str, Any] | None = None) -> dict[str, Any]:
        at = (body or {}).get("at")
        when = datetime.fromisoformat(at.replace("Z", "+00:00")).timestamp() if at else None
        self.services.clock.freeze(when)
        return self.services.clock.state()

    async def unfreeze_clock(self) -> dict[str, Any]:
        self.services.clock.unfreeze()
        return self.services.clock.state()

    async def advance_clock(self, body: dict[str, Any]) -> dict[str, Any]:
        self.services.clock.advance(float(body["seconds"]))
        return self.services.clock.state()

    # -- rate limits --------------------------------------------------------------------
    async def get_rate_limits(self) -> dict[str, Any]:
        return self.services.limiter.config()

    async def update_rate_limits(self, body: dict[str, Any]) -> dict[str, Any]:
        return self.services.limiter.set_config(body)

    async def reset_rate_limits(self, body: dict[str, Any] | None = None) -> dict[str, Any]:
        self.services.limiter.reset(config=bool((body or {}).get("config")))
        return self.services.limiter.config()
