"""RentEngine lockbox events and the lockbox installations they open and close."""

from __future__ import annotations

from typing import Any

from mock_server.apis.rentengine_common import (
    INSTALLATIONS,
    LOCKBOX_EVENTS,
    LOCKBOXES,
    UNITS,
    bound,
    optional_instant,
)
from mock_server.apis.rentengine_lockboxes import LockboxesMixin
from mock_server.errors import ApiError


class LockboxEventsMixin(LockboxesMixin):
    async def list_lockbox_events(
        self,
        serial_numbers: list[str] | None = None,
        lockbox_ids: list[str] | None = None,
        lockbox_event_ids: list[str] | None = None,
        account_id: str | None = None,
        lockbox_type: str | None = None,
        event_types: list[str] | None = None,
        created_at_from: str | None = None,
        created_at_to: str | None = None,
        unit_ids: list[int] | None = None,
        limit: int = 50,
        page_number: int = 0,
    ) -> list[dict[str, Any]]:
        start = optional_instant(created_at_from, "created_at_from")
        end = optional_instant(created_at_to, "created_at_to")
        owners = self.scope(account_id)
        boxes = None
        if serial_numbers is not None or lockbox_type is not None:
            # Events carry no serial or type of their own: filter through their lockboxes.
            found = (
                self.query(LOCKBOXES, owners)
                .where_in("serial_number", serial_numbers)
                .where("lockbox_type", lockbox_type)
                .fetch(self.store)
            )
            boxes = [b["id"] for b in found]
        query = (
            self.query(LOCKBOX_EVENTS, owners)
            .where_in("lockbox_id", boxes)
            .where_in("lockbox_id", lockbox_ids)
            .where_in("id", lockbox_event_ids)
            .where_in("event_type", event_types)
            .where_in("unit_id", None if unit_ids is None else [str(u) for u in unit_ids])
            .compare("created_at", ">=", bound(start, upper=False) if start else None)
            .compare("created_at", "<=", bound(end, upper=True) if end else None)
        )
        return self.page(query, limit, page_number)  # type: ignore[no-any-return]

    async def get_lockbox_event(self, lockbox_event_id: str) -> dict[str, Any]:
        return self.find(LOCKBOX_EVENTS, lockbox_event_id, "Lockbox event")

    async def create_lockbox_events(self, body: dict[str, Any]) -> tuple[dict[str, Any], int]:
        """Every event in order, atomically (one bad event rolls back the batch); the docs
        render the 201 as a single LockboxEvent, so the first is returned (inferred)."""
        made = []
        with self.store.transaction():
            for item in body["events"]:
                made.append(self._record_event(item))
        return made[0], 201

    def _record_event(self, item: dict[str, Any]) -> dict[str, Any]:
        box = self.find(LOCKBOXES, item["lockbox_id"], "Lockbox")
        unit = self.find(UNITS, item["unit_id"], "Unit")
        if unit["account_id"] != box["account_id"]:
            raise ApiError(
                409, f"Lockbox {box['id']} and unit {unit['id']} are in different accounts"
            )
        current = self.open_installation(box["id"])
        kind = item["event_type"]
        if kind == "Install" and current is not None:
            raise ApiError(
                409, f"Lockbox {box['id']} is already installed on unit {current['unit_id']}"
            )
        if kind == "Uninstall" and (current is None or current["unit_id"] != str(unit["id"])):
            raise ApiError(409, f"Lockbox {box['id']} is not installed on unit {unit['id']}")
        now = self.now()
        event = {
            "id": self.ids.uuid(LOCKBOX_EVENTS),
            "lockbox_id": box["id"],
            "event_type": kind,
            "unit_id": str(unit["id"]),
            "account_id": box["account_id"],
            "created_at": now,
            "metadata": {"installer_id": self.caller().get("sub")},
        }
        self.save(LOCKBOX_EVENTS, event, box["account_id"])
        self.changed(LOCKBOX_EVENTS, "INSERT", event, None)
        if kind == "Install":
            install = {
                "id": self.ids.uuid(INSTALLATIONS),
                "lockbox_id": box["id"],
                "serial_number": box["serial_number"],
                "lockbox_type": box["lockbox_type"],
                "unit_id": str(unit["id"]),
                "account_id": box["account_id"],
                "is_active": True,
                "installed_at": now,
                "uninstalled_at": None,
                "install_event_id": event["id"],
                "uninstall_event_id": None,
            }
        else:
            assert current is not None
            install = {**current, "is_active": False, "uninstalled_at": now,
                       "uninstall_event_id": event["id"]}  # fmt: skip
        self.save(INSTALLATIONS, install, box["account_id"])
        return event

    async def list_lockbox_installations(
        self,
        lockbox_ids: list[str] | None = None,
        unit_ids: list[int] | None = None,
        account_id: str | None = None,
        is_active: bool | None = None,
        limit: int = 50,
        page_number: int = 0,
    ) -> list[dict[str, Any]]:
        query = (
            self.query(INSTALLATIONS, self.scope(account_id))
            .where_in("lockbox_id", lockbox_ids)
            .where_in("unit_id", None if unit_ids is None else [str(u) for u in unit_ids])
            .where("is_active", is_active)
        )
        return self.page(query, limit, page_number)  # type: ignore[no-any-return]

    async def get_lockbox_installation(self, lockbox_installation_id: str) -> dict[str, Any]:
        return self.find(INSTALLATIONS, lockbox_installation_id, "Lockbox installation")
