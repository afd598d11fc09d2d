"""Webhook endpoints as the vendors' portals configure them: URL, filters, secret or key, faults."""

from __future__ import annotations

import json
from typing import Any

from mock_server.state.clock import Clock
from mock_server.state.ids import IdFactory
from mock_server.state.store import Store
from mock_server.webhooks.outbox import create_tables
from mock_server.webhooks.signing import active_secrets

SCHEMA = """
CREATE TABLE IF NOT EXISTS webhook_endpoints (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, api TEXT NOT NULL,
    enabled INTEGER NOT NULL, data TEXT NOT NULL
);
"""

APIS = ("aptoria", "rentengine")
# The tables with an `x-webhooks` entry in specs/rentengine.yaml.
RENTENGINE_TABLES = (
    "units",
    "prospects",
    "leasing_events",
    "lockbox_events",
    "lockboxes",
    "rental_application_groups",
)
RENTENGINE_TYPES = ("INSERT", "UPDATE", "DELETE")
DEFAULT_FAULTS: dict[str, Any] = {"duplicate": 0, "delay_seconds": 0, "reorder": False}
# Fields a caller may set; the rest (id, counters, secrets history, stamps) are the mock's.
EDITABLE = {
    "url",
    "description",
    "events",
    "organization_id",
    "tables",
    "types",
    "secret",
    "api_key",
    "api_key_header",
    "retries",
    "faults",
    "enabled",
}


class Endpoints:
    def __init__(self, store: Store, clock: Clock, ids: IdFactory) -> None:
        self.store = store
        self.clock = clock
        self.ids = ids
        create_tables(store, SCHEMA)

    # -- reads --------------------------------------------------------------------------
    def get(self, endpoint_id: str) -> dict[str, Any] | None:
        rows = self.store.execute("SELECT data FROM webhook_endpoints WHERE id=?", (endpoint_id,))
        return json.loads(rows[0][0]) if rows else None

    def all(self, api: str | None = None) -> list[dict[str, Any]]:
        sql = (
            "SELECT data FROM webhook_endpoints" + (" WHERE api=?" if api else "") + " ORDER BY seq"
        )
        return [json.loads(r[0]) for r in self.store.execute(sql, (api,) if api else ())]

    def matching(self, api: str, name: str, payload: dict[str, Any]) -> list[dict[str, Any]]:
        """Enabled endpoints subscribed to this event. Disabled endpoints get nothing queued
        (as Stripe: events that happen while an endpoint is disabled are not sent later)."""
        out = []
        for ep in self.all(api):
            if not ep["enabled"]:
                continue
            if api == "aptoria":
                if ep.get("events") and "*" not in ep["events"] and name not in ep["events"]:
                    continue
                org = ep.get("organization_id")
                if org and payload.get("organization_id") != org:
                    continue
            else:
                table, _, op = name.rpartition(".")
                if ep.get("tables") and table not in ep["tables"]:
                    continue
                if ep.get("types") and op not in ep["types"]:
                    continue
            out.append(ep)
        return out

    def signing_secrets(self, ep: dict[str, Any], now: float) -> list[str]:
        previous = [(p["secret"], p["expires_at"]) for p in ep.get("previous_secrets", [])]
        return active_secrets(ep["secret"], previous, now)

    # -- writes -------------------------------------------------------------------------
    def create(self, fields: dict[str, Any]) -> dict[str, Any]:
        api = fields.get("api")
        if api not in APIS:
            raise ValueError(f"api must be one of {', '.join(APIS)}")
        now = self.clock.iso()
        ep: dict[str, Any] = {
            "id": self.ids.ulid("we", "webhook_endpoints", int(self.clock.time() * 1000)),
            "api": api,
            "url": "",
            "description": "",
            "enabled": True,
            "disabled_reason": None,
            "consecutive_failures": 0,
            "faults": dict(DEFAULT_FAULTS),
            "created_at": now,
        }
        if api == "aptoria":
            ep.update(
                events=["*"],
                organization_id=None,
                previous_secrets=[],
                secret="whsec_" + self.ids.secret("webhook_secret", 32),
            )
        else:
            ep.update(
                tables=list(RENTENGINE_TABLES),
                types=list(RENTENGINE_TYPES),
                api_key=self.ids.secret("webhook_api_key", 40),
                api_key_header="X-API-Key",
                retries=None,
            )
        self._apply(ep, {k: v for k, v in fields.items() if k != "api"})
        with self.store.transaction():
            self.store.execute(
                "INSERT INTO webhook_endpoints (id, api, enabled, data) VALUES (?,?,?,?)",
                (ep["id"], api, int(ep["enabled"]), json.dumps(ep)),
            )
        return ep

    def update(self, endpoint_id: str, changes: dict[str, Any]) -> dict[str, Any] | None:
        with self.store.transaction():
            ep = self.get(endpoint_id)
            if ep is None:
                return None
            self._apply(ep, changes)
            self.save(ep)
        return ep

    def save(self, ep: dict[str, Any]) -> None:
        ep["updated_at"] = self.clock.iso()
        self.store.execute(
            "UPDATE webhook_endpoints SET enabled=?, data=? WHERE id=?",
            (int(ep["enabled"]), json.dumps(ep), ep["id"]),
        )

    def delete(self, endpoint_id: str) -> bool:
        with self.store.transaction():
            found = self.get(endpoint_id) is not None
            self.store.execute("DELETE FROM webhook_endpoints WHERE id=?", (endpoint_id,))
        return found

    def set_enabled(
        self, endpoint_id: str, enabled: bool, reason: str | None = None
    ) -> dict[str, Any] | None:
        with self.store.transaction():
            ep = self.get(endpoint_id)
            if ep is None:
                return None
            ep["enabled"] = enabled
            ep["disabled_reason"] = None if enabled else (reason or "disabled by the control API")
            if enabled:
                ep["consecutive_failures"] = 0  # a manual re-enable starts the count afresh
            self.save(ep)
        return ep

    def rotate(
        self, endpoint_id: str, overlap: float, new_secret: str | None = None
    ) -> dict[str, Any] | None:
        """Aptoria: a new signing secret, the old one still signing for `overlap` seconds.
        RentEngine: a new API key (a header carries one key, so there is no overlap)."""
        with self.store.transaction():
            ep = self.get(endpoint_id)
            if ep is None:
                return None
            now = self.clock.time()
            if ep["api"] == "aptoria":
                kept = [p for p in ep.get("previous_secrets", []) if p["expires_at"] > now]
                if overlap > 0:
                    kept.insert(0, {"secret": ep["secret"], "expires_at": now + overlap})
                ep["previous_secrets"] = kept
                ep["secret"] = new_secret or "whsec_" + self.ids.secret("webhook_secret", 32)
            else:
                ep["api_key"] = new_secret or self.ids.secret("webhook_api_key", 40)
            self.save(ep)
        return ep

    def _apply(self, ep: dict[str, Any], changes: dict[str, Any]) -> None:
        unknown = set(changes) - EDITABLE
        if unknown:
            raise ValueError(f"unknown endpoint fields: {sorted(unknown)}")
        api_only = {
            "aptoria": {"events", "organization_id", "secret"},
            "rentengine": {"tables", "types", "api_key", "api_key_header", "retries"},
        }
        other = api_only["rentengine" if ep["api"] == "aptoria" else "aptoria"]
        wrong = set(changes) & other
        if wrong:
            raise ValueError(f"fields {sorted(wrong)} do not apply to {ep['api']} endpoints")
        for key, value in changes.items():
            if key == "faults":
                ep["faults"] = {**ep["faults"], **(value or {})}
            elif key == "enabled":
                ep["enabled"] = bool(value)
                ep["disabled_reason"] = None if value else "disabled by the control API"
            else:
                ep[key] = value
        if ep["api"] == "rentengine":
            bad = set(ep.get("tables") or []) - set(RENTENGINE_TABLES)
            if bad:
                raise ValueError(f"unknown tables: {sorted(bad)}")
        if not str(ep["url"]).startswith(("http://", "https://")):
            raise ValueError("url must be an http(s) URL")
