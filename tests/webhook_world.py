"""A store, a frozen clock, an emitter and a deliverer: webhook delivery driven by the test."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import httpx

from mock_server.state.clock import Clock
from mock_server.state.store import Store
from mock_server.webhooks.config import load_config, save_config
from mock_server.webhooks.deliverer import Deliverer
from mock_server.webhooks.emitter import Emitter

T0 = 1_780_000_000.0  # 2026-05-28T20:26:40Z


@dataclass
class World:
    store: Store
    clock: Clock
    emitter: Emitter
    deliverer: Deliverer

    @classmethod
    def make(
        cls,
        path: str | None = None,
        seed: int = 1,
        transport: httpx.AsyncBaseTransport | None = None,
        validate: bool = True,
    ) -> World:
        store = Store(path)
        clock = Clock(store)
        if clock.state()["frozen"] is False:
            clock.freeze(T0)
        emitter = Emitter(store, clock, seed, validate=validate)
        return cls(store, clock, emitter, Deliverer(emitter, transport=transport))

    def configure(self, **changes: Any) -> None:
        save_config(self.store, load_config(self.store).updated(changes))

    def endpoint(self, api: str, url: str, **fields: Any) -> dict[str, Any]:
        return self.emitter.endpoints.create({"api": api, "url": url, **fields})

    def deliver_due(self) -> list[dict[str, Any]]:
        return asyncio.run(self.deliverer.deliver_due())

    def drive(self, rounds: int = 100) -> list[dict[str, Any]]:
        """Deliver what is due, jump the clock to the next due attempt, repeat until idle."""
        attempts: list[dict[str, Any]] = []
        for _ in range(rounds):
            attempts += self.deliver_due()
            due = self.emitter.outbox.next_due_at()
            if due is None:
                break
            self.clock.freeze(max(due, self.clock.time()))
        return attempts

    def deliveries(self, **filters: Any) -> list[dict[str, Any]]:
        return self.emitter.outbox.find(filters, 10000)


def rent_paid(amount: float = 1825, org: str = "org_01HM9S346Q3D25VT4F5V37E3S3") -> dict[str, Any]:
    return {
        "event": "rent.paid",
        "organization_id": org,
        "payload": {
            "payment_id": "p_01HFBF5KZNWJ47TAN9ZT24MNPZ",
            "lease_id": "l_01HBGJ09TQM83XSSSS6YS3C4DW",
            "amount_usd": amount,
            "period_label": "2026-05",
            "paid_at": "2026-05-25T15:42:14Z",
        },
    }


def unit_change(op: str = "INSERT", unit_id: int = 3318) -> dict[str, Any]:
    row = {"id": unit_id, "bedrooms": "3", "target_rental_rate": "2150"}
    return {
        "type": op,
        "table": "units",
        "schema": "public",
        "record": None if op == "DELETE" else row,
        "old_record": None if op == "INSERT" else row,
    }
