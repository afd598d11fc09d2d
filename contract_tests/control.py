"""A small client for a propmock's control API (/_propmock): only the mock has one."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx


class ControlError(RuntimeError):
    """The control API refused a call the suite needs (a bug in the suite or the mock)."""


class Control:
    def __init__(self, root: str, timeout: float = 10.0, token: str | None = None) -> None:
        self.root = root.rstrip("/")
        self.base = self.root + "/_propmock"
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.client = httpx.Client(timeout=timeout, trust_env=False, headers=headers)

    def close(self) -> None:
        self.client.close()

    def _call(self, method: str, path: str, expect: int = 200, **kw: Any) -> Any:
        response = self.client.request(method, self.base + path, **kw)
        if response.status_code != expect:
            raise ControlError(
                f"{method} {self.base}{path} answered {response.status_code}: {response.text[:300]}"
            )
        return response.json() if response.content else None

    # -- APIs and credentials -------------------------------------------------------------
    def apis(self) -> list[dict[str, Any]]:
        return self._call("GET", "/apis")  # type: ignore[no-any-return]

    def issue(self, api: str, **fields: Any) -> dict[str, Any]:
        body = {"api": api, "label": "propmock-contract", **fields}
        return self._call("POST", "/credentials", 201, json=body)  # type: ignore[no-any-return]

    def revoke(self, token_id: str) -> None:
        self._call("DELETE", f"/credentials/{token_id}", 204)

    # -- clock ----------------------------------------------------------------------------
    def clock(self) -> float:
        return float(self._call("GET", "/clock")["epoch"])

    def freeze(self) -> float:
        return float(self._call("POST", "/clock/freeze", json={})["epoch"])

    def advance(self, seconds: float) -> float:
        return float(self._call("POST", "/clock/advance", json={"seconds": seconds})["epoch"])

    def unfreeze(self) -> None:
        self._call("POST", "/clock/unfreeze")

    def restore_clock(self) -> None:
        """Back to wall time: what the suite moved, it puts back (new tokens are stamped with
        the mock's clock, and some verifiers compare those stamps with wall time)."""
        now = datetime.now(UTC).isoformat()
        self._call("POST", "/clock/freeze", json={"at": now})
        self._call("POST", "/clock/unfreeze")

    # -- rate limits ----------------------------------------------------------------------
    def rate_limits(self) -> dict[str, Any]:
        return self._call("GET", "/rate-limits")  # type: ignore[no-any-return]

    def patch_rate_limits(self, change: dict[str, Any]) -> dict[str, Any]:
        return self._call("PATCH", "/rate-limits", json=change)  # type: ignore[no-any-return]

    def reset_rate_limits(self, config: bool = False) -> None:
        self._call("POST", "/rate-limits/reset", json={"config": config})

    # -- webhooks -------------------------------------------------------------------------
    def create_endpoint(self, api: str, url: str, **fields: Any) -> dict[str, Any]:
        body = {"api": api, "url": url, "description": "propmock-contract", **fields}
        return self._call("POST", "/webhooks/endpoints", 201, json=body)  # type: ignore[no-any-return]

    def delete_endpoint(self, endpoint_id: str) -> None:
        self._call("DELETE", f"/webhooks/endpoints/{endpoint_id}", 204)

    def trigger(self, api: str, event: str, **fields: Any) -> dict[str, Any]:
        body = {"api": api, "event": event, **fields}
        return self._call("POST", "/webhooks/trigger", 201, json=body)  # type: ignore[no-any-return]

    def deliver_due(self) -> dict[str, Any]:
        return self._call("POST", "/webhooks/deliver-due")  # type: ignore[no-any-return]

    def deliveries(self, **query: Any) -> list[dict[str, Any]]:
        return self._call("GET", "/webhooks/deliveries", params=query)  # type: ignore[no-any-return]

    def replay(self, delivery_id: str) -> dict[str, Any]:
        path = f"/webhooks/deliveries/{delivery_id}/replay"
        return self._call("POST", path, 201)  # type: ignore[no-any-return]

    def webhook_config(self) -> dict[str, Any]:
        return self._call("GET", "/webhooks/config")  # type: ignore[no-any-return]
