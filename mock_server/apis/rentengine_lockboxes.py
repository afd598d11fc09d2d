"""RentEngine lockboxes: list, register (SentriLock), read, and one-time access codes."""

from __future__ import annotations

from datetime import date
from typing import Any

from mock_server.apis.rentengine_common import (
    INSTALLATIONS,
    LOCKBOX_EVENTS,
    LOCKBOXES,
    UNITS,
    RentEngineBase,
    bad_input,
    not_found,
)
from mock_server.errors import ApiError

INSTRUCTIONS = {
    "ACCESS": "Enter the code on the keypad, then press the key-release button.",
    "SHACKLE": "Enter the code on the keypad, then pull the shackle to release the box.",
}


class LockboxesMixin(RentEngineBase):
    async def list_lockboxes(
        self,
        serial_numbers: list[str] | None = None,
        lockbox_ids: list[str] | None = None,
        account_id: str | None = None,
        lockbox_type: str | None = None,
        limit: int = 50,
        page_number: int = 0,
    ) -> list[dict[str, Any]]:
        query = (
            self.query(LOCKBOXES, self.scope(account_id))
            .where_in("serial_number", serial_numbers)
            .where_in("id", lockbox_ids)
            .where("lockbox_type", lockbox_type)
        )
        return self.page(query, limit, page_number)  # type: ignore[no-any-return]

    async def get_lockbox(self, lockbox_id: str) -> dict[str, Any]:
        return self.find(LOCKBOXES, lockbox_id, "Lockbox")

    async def create_lockboxes(self, body: dict[str, Any]) -> tuple[list[dict[str, Any]], int]:
        """One lockbox per serial number, in request order. Serials are physical devices, so a
        serial registered anywhere already is a 409 (inferred; the spec documents it)."""
        account = self.account(body["account_id"])
        serials = list(body["serial_numbers"])
        with self.store.transaction():
            for serial in serials:
                if self.store.list(self.api, LOCKBOXES, where={"serial_number": serial}):
                    raise ApiError(409, f"Lockbox with serial number {serial} already exists")
            now = self.now()
            made = []
            for serial in serials:
                box = {
                    "id": self.ids.uuid(LOCKBOXES),
                    "lockbox_type": body["lockbox_type"],
                    "serial_number": serial,
                    "account_id": account,
                    "created_at": now,
                    "updated_at": now,
                }
                self.save(LOCKBOXES, box, account)
                self.changed(LOCKBOXES, "INSERT", box, None)
                made.append(box)
        return made, 201

    async def generate_lockbox_code(self, body: dict[str, Any]) -> dict[str, Any]:
        """A one-time code for a day, recorded as a `Generate Code` lockbox event."""
        try:
            day = date.fromisoformat(body["date"])
        except (TypeError, ValueError):
            raise bad_input("date", 'must match format "date"', params={"format": "date"},
                            where="body") from None  # fmt: skip
        box, install = self._code_target(body)
        if install is None:
            raise ApiError(409, f"Lockbox {box['id']} is not installed on a unit")
        code_type = body.get("code_type") or "ACCESS"
        # Seeded and unique per call: eight digits, as SentriLock one-day codes have.
        code = f"{int(self.ids.hex('lockbox_codes', 12), 16) % 10**8:08d}"
        with self.store.transaction():
            event = {
                "id": self.ids.uuid(LOCKBOX_EVENTS),
                "lockbox_id": box["id"],
                "event_type": "Generate Code",
                "unit_id": install["unit_id"],
                "account_id": box["account_id"],
                "created_at": self.now(),
                "metadata": {
                    "generated_by": self.caller().get("sub"),
                    "created_for": body.get("created_for"),
                    "code_type": code_type,
                    "date": day.isoformat(),
                },
            }
            self.save(LOCKBOX_EVENTS, event, box["account_id"])
            self.changed(LOCKBOX_EVENTS, "INSERT", event, None)
        return {"code": code, "lockboxType": "Sentrilock", "instructions": INSTRUCTIONS[code_type]}

    def _code_target(self, body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """The lockbox (and its open installation): by lockbox_id, else serial, else unit."""
        if "lockbox_id" in body:
            box = self.find(LOCKBOXES, body["lockbox_id"], "Lockbox")
        elif "serial_number" in body:
            found = self.store.list(
                self.api,
                LOCKBOXES,
                where={"serial_number": body["serial_number"]},
                owners=self.accounts(),
            )
            if not found:
                raise not_found("Lockbox with serial number", body["serial_number"])
            box = found[0]
        else:
            unit = self.find(UNITS, body["unit_id"], "Unit")
            open_ = self.store.list(
                self.api, INSTALLATIONS, where={"unit_id": str(unit["id"]), "is_active": True}
            )
            if not open_:
                raise not_found("Installed lockbox on unit", unit["id"])
            return self.find(LOCKBOXES, open_[0]["lockbox_id"], "Lockbox"), open_[0]
        return box, self.open_installation(box["id"])

    def open_installation(self, lockbox_id: str) -> dict[str, Any] | None:
        found = self.store.list(
            self.api, INSTALLATIONS, where={"lockbox_id": lockbox_id, "is_active": True}
        )
        return found[0] if found else None
