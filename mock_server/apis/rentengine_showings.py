"""RentEngine showings: a unit's bookable windows, and booking (prescreened) or moving one."""

# Inferred throughout (the docs give the shapes, not the rules): windows are the next seven days,
# 10:00-18:00 in the unit's timezone, in 30-minute slots, for Available units only, minus the
# slots already booked; the first three are the preferred ones.

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mock_server.apis.rentengine_common import (
    LEASING_EVENTS,
    PROSPECTS,
    TEMPLATES,
    UNITS,
    RentEngineBase,
    iso,
    not_found,
    parse_instant,
)
from mock_server.apis.rentengine_query import Query
from mock_server.errors import ApiError

SLOT = timedelta(minutes=30)


def _first_number(text: str) -> float | None:
    found = re.search(r"\d[\d,]*(\.\d+)?", text or "")
    return float(found.group(0).replace(",", "")) if found else None


class ShowingsMixin(RentEngineBase):
    def _zone(self, unit: dict[str, Any]) -> tuple[str, Any]:
        name = self.timezone_of((unit.get("address") or {}).get("state"))
        try:
            return name, ZoneInfo(name)
        except ZoneInfoNotFoundError:  # no tz database on the host: fall back to UTC
            return name, UTC

    def _booked(self, unit_id: int) -> set[str]:
        found = (
            Query(self.api, LEASING_EVENTS)
            .where("event_type", "Showing Scheduled")
            .where("context.unitId", unit_id)
            .fetch(self.store)
        )
        return {str(e["planned_date_time"]) for e in found if e.get("planned_date_time")}

    async def get_showing_availability(self, unit_id: int) -> dict[str, Any]:
        unit = self.find(UNITS, unit_id, "Unit")
        zone_name, zone = self._zone(unit)
        method = unit.get("showing_method") or "Accompanied"
        windows = []
        if unit.get("status") == "Available":
            booked = self._booked(unit["id"])
            local = self.clock.now().astimezone(zone)
            earliest = unit.get("earliest_showing_date")
            users = [u for u in self._account_users(unit["account_id"])][:1]
            for day in range(1, 8):
                date_ = (local + timedelta(days=day)).date()
                if earliest and date_.isoformat() < earliest:
                    continue
                start = datetime(date_.year, date_.month, date_.day, 10, tzinfo=zone)
                for n in range(16):
                    begin = (start + n * SLOT).astimezone(UTC)
                    if iso(begin) in booked:
                        continue
                    window: dict[str, Any] = {"start": iso(begin), "end": iso(begin + SLOT)}
                    if method == "Accompanied":
                        window["invitedUserIdsArray"] = users
                    window["showingMethodsAvailable"] = [method]
                    windows.append(window)
        return {
            "availability": {
                "unitId": unit["id"],
                "preferredShowingWindows": windows[:3],
                "availableShowingWindows": windows,
                "showingMethod": method,
                "timezoneName": zone_name,
                "timezoneAbbreviation": self.clock.now().astimezone(zone).tzname() or "UTC",
                "unitStatus": unit.get("status"),
            }
        }

    def _account_users(self, account: str) -> list[str]:
        users = self.store.list(self.api, "users")
        return [u["id"] for u in users if account in u.get("account_ids", [])]

    async def create_showing(self, body: dict[str, Any]) -> dict[str, Any]:
        """Book (or, with `rescheduleEvent`, move) a showing; Self prospects are prescreened
        first and a failure is a 400 with nothing created (observed)."""
        unit = self.find(UNITS, body["unitId"], "Unit")
        planned = iso(parse_instant(body["plannedForTime"], "plannedForTime", where="body"))
        account = unit["account_id"]
        data = body["prospectData"]
        reschedule = body.get("rescheduleEvent")
        with self.store.transaction():
            if reschedule is not None:
                event = self._showing(reschedule.get("id"), unit["id"])
                moved = {
                    **event,
                    "planned_date_time": planned,
                    "context": {
                        **(event.get("context") or {}),
                        "rescheduledFrom": event["planned_date_time"],
                    },
                }
                self.save(LEASING_EVENTS, moved, account)
                self.changed(LEASING_EVENTS, "UPDATE", moved, event)
                return {"statusText": "success"}
            if data.get("prospectType", "Self") == "Self":
                self._prescreen(unit, data)
            prospect = self._prospect_for(unit, data)
            event = {
                "id": self.ids.counter(LEASING_EVENTS, 551201),
                "created_at": self.now(),
                "event_type": "Showing Scheduled",
                "prospect": prospect["id"],
                "notes": None,
                "planned_date_time": planned,
                "source": "Automation",
                "created_by": None,
                "next_follow_up": None,
                "property_address": unit["address"]["formatted_address"],
                "context": {
                    "unitId": unit["id"],
                    "showingMethod": body.get("desiredShowingMethod") or unit.get("showing_method"),
                },
            }
            self.save(LEASING_EVENTS, event, account)
            self.changed(LEASING_EVENTS, "INSERT", event, None)
        return {"statusText": "success"}

    def _showing(self, event_id: Any, unit_id: int) -> dict[str, Any]:
        """The showing to move: a visible `Showing Scheduled` event of this unit, else 404."""
        if event_id is None:
            raise ApiError(404, "Showing to reschedule not found (rescheduleEvent has no id)")
        event = self.store.get(self.api, LEASING_EVENTS, str(event_id))
        if (
            event is None
            or event.get("event_type") != "Showing Scheduled"
            or (event.get("context") or {}).get("unitId") != unit_id
            or self.owner(LEASING_EVENTS, event["id"]) not in self.accounts()
        ):
            raise not_found("Showing", event_id)
        return event

    def _prescreen(self, unit: dict[str, Any], data: dict[str, Any]) -> None:
        template_id = unit.get("prescreen_template_id")
        template = self.store.get(self.api, TEMPLATES, template_id) if template_id else None
        rules = (template or {}).get("rules") or {}
        failures = []
        score = _first_number(data["creditScore"])
        minimum = rules.get("minimumCreditScore")
        # A range the mock cannot read is not held against the prospect (inferred).
        if minimum is not None and score is not None and score < minimum:
            failures.append(("creditScore", "minimum", minimum, f"credit score below {minimum}"))
        income, rent = _first_number(data["income"]), unit.get("target_rental_rate")
        multiple = rules.get("minimumIncomeRentMultiplier")
        if multiple and income is not None and isinstance(rent, (int, float)):
            monthly = income / 12 if "year" in data["income"].lower() else income
            if monthly < multiple * rent:
                failures.append(
                    ("income", "minimum", multiple * rent, f"income below {multiple}x rent")
                )
        if failures:
            details = [
                {
                    "keyword": "prescreening",
                    "dataPath": f".body.prospectData.{field}",
                    "schemaPath": f"#/prescreening/rules/{keyword}",
                    "params": {keyword: limit},
                    "message": message,
                }
                for field, keyword, limit, message in failures
            ]
            raise ApiError(400, "Prospect did not pass prescreening", details)

    def _prospect_for(self, unit: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
        """The account's prospect with this email or phone, else a new one (INSERT event)."""
        account = unit["account_id"]
        email = data["email"].lower()
        for prospect in self.store.list(self.api, PROSPECTS, owners=[account]):
            if (prospect.get("email") or "").lower() == email or prospect.get("phone") == data[
                "phone"
            ]:
                if prospect.get("unit_of_interest") != unit["id"]:
                    old, prospect = (
                        prospect,
                        {**prospect, "unit_of_interest": unit["id"], "updated_at": self.now()},
                    )
                    self.save(PROSPECTS, prospect, account)
                    self.changed(PROSPECTS, "UPDATE", prospect, old)
                return prospect
        now = self.now()
        prospect = {
            "id": self.ids.counter(PROSPECTS, 88401),
            "name": f"{data['firstName']} {data['lastName']}",
            "email": data["email"],
            "phone": data["phone"],
            "status": "New",
            "source": "RentEngine API",
            "unit_of_interest": unit["id"],
            "prospect_type": data.get("prospectType", "Self"),
            "created_at": now,
            "updated_at": now,
            "notes": None,
        }
        self.save(PROSPECTS, prospect, account)
        self.changed(PROSPECTS, "INSERT", prospect, None)
        return prospect
