"""RentEngine prospects: the prospect list and reads, their calls and messages, leasing events."""

from __future__ import annotations

from typing import Any

from mock_server.apis.rentengine_common import (
    CALLS,
    LEASING_EVENTS,
    MESSAGES,
    PROSPECTS,
    UNITS,
    USERS,
    RentEngineBase,
    bound,
    not_found,
    optional_instant,
)
from mock_server.errors import ApiError


class ProspectsMixin(RentEngineBase):
    async def list_prospects(
        self,
        created_after: str | None = None,
        created_before: str | None = None,
        limit: int = 50,
        page_number: int = 0,
    ) -> list[dict[str, Any]]:
        """`created_after` is inclusive (observed); `created_before` is exclusive."""
        after = optional_instant(created_after, "created_after")
        before = optional_instant(created_before, "created_before")
        query = (
            self.query(PROSPECTS, self.accounts())
            .compare("created_at", ">=", bound(after, upper=False) if after else None)
            .compare("created_at", "<", bound(before, upper=False) if before else None)
        )
        return self.page(query, limit, page_number)  # type: ignore[no-any-return]

    async def get_prospect(self, prospect_id: int) -> dict[str, Any]:
        return self.find(PROSPECTS, prospect_id, "Prospect")

    async def list_calls(
        self,
        account_ids: list[str],
        prospect_id: int | None = None,
        phone: str | None = None,
        limit: int = 50,
        page_number: int = 0,
    ) -> dict[str, Any]:
        return self._conversation(CALLS, account_ids, prospect_id, phone, limit, page_number)

    async def list_messages(
        self,
        account_ids: list[str],
        prospect_id: int | None = None,
        phone: str | None = None,
        limit: int = 50,
        page_number: int = 0,
    ) -> dict[str, Any]:
        return self._conversation(MESSAGES, account_ids, prospect_id, phone, limit, page_number)

    def _conversation(
        self,
        kind: str,
        account_ids: list[str],
        prospect_id: int | None,
        phone: str | None,
        limit: int,
        page_number: int,
    ) -> dict[str, Any]:
        if prospect_id is None and phone is None:
            # Observed: the vendor wants a prospect, by id or by phone number.
            raise ApiError(
                400,
                "Invalid query parameters",
                [
                    {
                        "keyword": "anyOf",
                        "dataPath": ".query",
                        "schemaPath": "#/properties/query/anyOf",
                        "params": {},
                        "message": "must have required property 'prospect_id' or 'phone'",
                    }
                ],
            )
        query = self.query(kind, self.scope(among=account_ids)).where("prospect_id", prospect_id)
        if phone is not None:
            # Messages carry no number of their own: match the prospects that have it.
            found = self.query(PROSPECTS, self.scope(among=account_ids)).where("phone", phone)
            query.where_in("prospect_id", [p["id"] for p in found.fetch(self.store)])
        rows = query.fetch(self.store, limit + 1, limit * page_number)
        return self.envelope(rows, limit, page_number)

    async def list_leasing_events(
        self,
        prospect_ids: list[int] | None = None,
        event_types: list[str] | None = None,
        created_after: str | None = None,
        created_before: str | None = None,
        limit: int = 50,
        page_number: int = 0,
    ) -> list[dict[str, Any]]:
        """Newest first (inferred), i.e. reverse insertion order: still a stable walk."""
        after = optional_instant(created_after, "created_after")
        before = optional_instant(created_before, "created_before")
        query = (
            self.query(LEASING_EVENTS, self.accounts())
            .where_in("prospect", prospect_ids)
            .where_in("event_type", event_types)
            .compare("created_at", ">=", bound(after, upper=False) if after else None)
            .compare("created_at", "<", bound(before, upper=False) if before else None)
        )
        return self.page(query, limit, page_number, newest_first=True)  # type: ignore[no-any-return]

    async def get_leasing_event(self, leasing_event_id: int) -> dict[str, Any]:
        return self.find(LEASING_EVENTS, leasing_event_id, "Leasing event")

    async def create_leasing_events(self, body: dict[str, Any]) -> tuple[dict[str, Any], int]:
        """One `Assign to User` event per call (documented). The users assigned must have
        access to the prospect's account (inferred), else 404."""
        item = body["events"][0]
        prospect = self.find(PROSPECTS, item["prospect_id"], "Prospect")
        account = self.owner(PROSPECTS, prospect["id"])
        context = item.get("context") or {}
        for user_id in context.get("assignedToUserIds", []):
            user = self.store.get(self.api, USERS, user_id)
            if user is None or account not in user.get("account_ids", []):
                raise not_found("User", user_id)
        unit = prospect.get("unit_of_interest")
        unit_record = self.store.get(self.api, UNITS, unit) if unit else None
        with self.store.transaction():
            event = {
                "id": self.ids.counter(LEASING_EVENTS, 551201),
                "created_at": self.now(),
                "event_type": item["event_type"],
                "prospect": prospect["id"],
                "notes": item.get("notes"),
                "planned_date_time": None,
                "source": item.get("source"),
                "created_by": self.caller().get("sub"),
                "next_follow_up": None,
                "property_address": (unit_record or {}).get("address", {}).get("formatted_address"),
                "context": context,
            }
            self.save(LEASING_EVENTS, event, account)
            self.changed(LEASING_EVENTS, "INSERT", event, None)
        return event, 201
