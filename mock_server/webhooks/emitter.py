"""The emitter: handlers hand it events; it logs them and fans them out into the outbox, atomically.

Everything happens in one store transaction (nested inside the handler's own, if any), so an
event the API acknowledged always has its deliveries queued: nothing acknowledged is lost.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mock_server.state.clock import Clock
from mock_server.state.ids import IdFactory
from mock_server.state.store import Store
from mock_server.webhooks.endpoints import Endpoints
from mock_server.webhooks.outbox import Outbox, create_tables
from mock_server.webhooks.retention import Retention, prune

if TYPE_CHECKING:
    from mock_server.webhooks.schemas import PayloadValidator

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, api TEXT NOT NULL, name TEXT NOT NULL,
    payload TEXT NOT NULL, created_at TEXT NOT NULL, event_id TEXT
);
"""

# A tick runs before every delivery pass (every ~50 ms in the server, and in each
# deliver_due() call), e.g. Aptoria's `rent.late` scan. It gets the app's Services.
Tick = Callable[[Any], Any]


def dumps(obj: Any) -> str:
    """The exact body bytes sent (as text): compact, non-ASCII kept raw, so receivers that
    re-serialise before verifying fail as they would against the real senders."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


class Emitter:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        seed: int = 1,
        validate: bool = False,
        retention: Retention | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.seed = seed
        # With validation on (the test setting), a payload that drifts from the spec's
        # x-webhooks schema fails at the emitting handler instead of at a receiver.
        self.validator: PayloadValidator | None = None
        if validate:
            # Imported here: it pulls in Connexion, which `propmock trigger` does not need.
            from mock_server.webhooks.schemas import PayloadValidator

            self.validator = PayloadValidator()
        create_tables(store, SCHEMA)
        self.ids = IdFactory(store, seed, "webhooks")
        self.endpoints = Endpoints(store, clock, self.ids)
        self.outbox = Outbox(store)
        self.ticks: list[Tick] = []
        self.retention = retention or Retention()

    def register_tick(self, tick: Tick) -> None:
        """Run `tick(services)` before each delivery pass. It runs in every worker process,
        so make it idempotent: check-and-mark in one store transaction (BEGIN IMMEDIATE
        serialises workers), then emit inside that same transaction."""
        self.ticks.append(tick)

    def emit(self, api: str, name: str, payload: dict[str, Any]) -> int:
        """Record an event and queue one delivery per matching endpoint; returns the event seq.

        RentEngine: `name` is `<table>.<INSERT|UPDATE|DELETE>`, `payload` the whole Supabase body.
        Aptoria: `name` is the event (`rent.paid`), `payload` the envelope without `delivered_at`
        (stamped at each attempt).
        """
        _check(api, name, payload)
        if self.validator is not None:
            self.validator.check(api, name, payload)
        with self.store.transaction():
            now = self.clock.time()
            event_id = (
                self.ids.ulid("evt", "webhook_events", int(now * 1000))
                if api == "aptoria"
                else None
            )
            self.store.execute(
                "INSERT INTO events (api, name, payload, created_at, event_id) VALUES (?,?,?,?,?)",
                (api, name, dumps(payload), self.clock.iso(), event_id),
            )
            seq = int(self.store.execute("SELECT last_insert_rowid()")[0][0])
            for ep in self.endpoints.matching(api, name, payload):
                self.enqueue(ep, seq, name, dumps(payload), event_id)
        # The seq is shared by every worker, so exactly one of them prunes every `every` events.
        every = self.retention.every
        if every and seq % every == 0:
            self.prune()
        return seq

    def prune(self) -> dict[str, int]:
        """Trim the event log and the finished outbox to `self.retention` (pending stays)."""
        return prune(self.store, self.retention)

    def enqueue(
        self,
        ep: dict[str, Any],
        event_seq: int | None,
        name: str,
        body: str,
        message_id: str | None = None,
        replay_of: str | None = None,
        faults: bool = True,
    ) -> list[str]:
        """Queue `body` for one endpoint (plus the duplicates its fault knobs ask for)."""
        now = self.clock.time()
        if message_id is None:
            # QStash makes one message per destination; Aptoria's event id is shared.
            message_id = self.ids.alnum("msg", "webhook_messages", 28)
        knobs = ep.get("faults") or {}
        copies = 1 + (int(knobs.get("duplicate") or 0) if faults else 0)
        due = now + (float(knobs.get("delay_seconds") or 0) if faults else 0.0)
        made = []
        with self.store.transaction():
            for _ in range(copies):
                delivery_id = self.ids.ulid("dlv", "webhook_deliveries", int(now * 1000))
                self.outbox.add(
                    delivery_id,
                    ep["api"],
                    ep["id"],
                    event_seq,
                    name,
                    message_id,
                    body,
                    due,
                    now,
                    replay_of,
                )
                made.append(delivery_id)
        return made

    def events(self, api: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        rows = self.store.execute(
            "SELECT seq, api, name, payload, created_at, event_id FROM events"
            + (" WHERE api=?" if api else "")
            + " ORDER BY seq DESC LIMIT ?",
            ((api, limit) if api else (limit,)),
        )
        return [
            {
                "seq": r[0],
                "api": r[1],
                "name": r[2],
                "payload": json.loads(r[3]),
                "created_at": r[4],
                "event_id": r[5],
            }
            for r in reversed(rows)
        ]


def _check(api: str, name: str, payload: dict[str, Any]) -> None:
    """Fail loudly at the emitting handler when the contract's shape is broken."""
    if not isinstance(payload, dict):
        raise ValueError("webhook payload must be a dict")
    if api == "rentengine":
        table, _, op = name.rpartition(".")
        if payload.get("table") != table or payload.get("type") != op:
            raise ValueError(f"RentEngine event {name!r} must carry table={table!r}, type={op!r}")
    elif api == "aptoria":
        if payload.get("event") != name or "payload" not in payload:
            raise ValueError(f"Aptoria event {name!r} must be an envelope with event and payload")
    # Other APIs (KeyNest documents no webhooks) are only logged: no endpoint can match them.
