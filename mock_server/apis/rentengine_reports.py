"""RentEngine reporting: unit funnel, leads by marketing source, applications report."""

# Every count is computed from the records the other endpoints create, so a showing booked
# through `/showings/create` shows up in the funnel.

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from mock_server.apis.rentengine_common import (
    APPLICATIONS,
    CALLS,
    LEASING_EVENTS,
    MESSAGES,
    PROSPECTS,
    UNITS,
    RentEngineBase,
    bad_input,
    bound,
    iso,
    optional_instant,
    parse_instant,
    shift,
)
from mock_server.apis.rentengine_comps import CompsMixin

CLOSED = {"Not Interested", "Withdrawn", "Moved In", "Blocklist Prospect", "Ghosting",
          "Prescreen Rejected", "Unit of Interest Unavailable"}  # fmt: skip
OFF_MARKET = {"Leased", "Archived", "Withdrawn", "Expired"}


def _within(stamp: str | None, start: str, end: str) -> bool:
    return stamp is not None and start <= stamp <= end


class ReportsMixin(CompsMixin, RentEngineBase):
    async def get_unit_leasing_performance(
        self, unit_id: int, start: str, end: str
    ) -> dict[str, Any]:
        unit = self.find(UNITS, unit_id, "Unit")
        low = bound(parse_instant(start, "start"), upper=False)
        high = bound(parse_instant(end, "end"), upper=True)
        now = self.now()
        prospects = self.query(PROSPECTS, self.accounts()).where("unit_of_interest", unit["id"])
        people = {p["id"]: p for p in prospects.fetch(self.store)}
        ids = list(people)
        events = (
            self.query(LEASING_EVENTS, self.accounts()).where_in("prospect", ids).fetch(self.store)
        )
        in_period = [e for e in events if _within(e["created_at"], low, high)]

        def count(kind: str) -> int:
            return sum(1 for e in in_period if e["event_type"] == kind)

        groups = (
            self.query(APPLICATIONS, self.accounts()).where("unit_id", unit["id"]).fetch(self.store)
        )
        texts = (
            self.query(MESSAGES, self.accounts())
            .where_in("prospect_id", ids)
            .where("direction", "outbound")
        )
        calls = self.query(CALLS, self.accounts()).where_in("prospect_id", ids)
        listed = datetime.fromisoformat(unit["created_at"])
        upto = min(parse_instant(end, "end"), self.clock.now())
        on_market = unit.get("status") == "Available"
        days = max(0, (upto - listed).days) if on_market else None
        status = unit.get("status")
        health = (
            ("Healthy" if (days or 0) <= 30 else "At-risk") if on_market
            else "Off-Market" if status in OFF_MARKET
            else "On Hold" if status == "On Hold"
            else "Unknown"
        )  # fmt: skip
        return {
            "unit_id": unit["id"],
            "days_on_market": days,
            "property_health": health,
            "benchmark_leads_since_last_price_change": sum(
                1 for p in people.values() if p["created_at"] >= unit["updated_at"]
            ),
            "new_prospects": sum(1 for p in people.values() if _within(p["created_at"], low, high)),
            "showings_scheduled": count("Showing Scheduled"),
            "showings_completed": count("Showing Complete"),
            "applications_requested": sum(1 for g in groups if _within(g["created_at"], low, high)),
            "applications_submitted": sum(
                1 for g in groups if _within(g["submitted_at"], low, high)
            ),
            "active_prospects": sum(1 for p in people.values() if p["status"] not in CLOSED),
            "upcoming_showings": sum(
                1
                for e in events
                if e["event_type"] == "Showing Scheduled" and (e["planned_date_time"] or "") > now
            ),  # fmt: skip
            "outbound_texts": sum(
                1 for m in texts.fetch(self.store) if _within(m["created_at"], low, high)
            ),
            "total_calls": sum(
                1 for c in calls.fetch(self.store) if _within(c["created_at"], low, high)
            ),
            "showing_feedback": [
                {
                    "prospect_id": e["prospect"],
                    "prospect_name": people[e["prospect"]].get("name"),
                    "created_at": e["created_at"],
                    "feedback": e.get("notes"),
                }
                for e in in_period
                if e["event_type"] == "Showing Complete"
            ],
        }

    async def list_marketing_sources(
        self,
        account_ids: list[str],
        start: str | None = None,
        end: str | None = None,
        limit: int = 50,
        page_number: int = 0,
    ) -> dict[str, Any]:
        """Default period: the 30 days up to `end` (or from `start`, or up to now; inferred).
        A span over 32 days is a 400 (observed)."""
        first = optional_instant(start, "start")
        last = optional_instant(end, "end")
        if first and last and last - first > timedelta(days=32):
            raise bad_input("end", "the period may not exceed 32 days", "maximum", {"days": 32})
        last = last or (shift(first, timedelta(days=30)) if first else self.clock.now())
        first = first or shift(last, timedelta(days=-30))
        low, high = bound(first, upper=False), bound(last, upper=True)
        owners = self.scope(among=account_ids)
        leads = [
            p
            for p in self.query(PROSPECTS, owners).fetch(self.store)
            if _within(p["created_at"], low, high)
        ]
        ids = [p["id"] for p in leads]
        events = self.query(LEASING_EVENTS, owners).where_in("prospect", ids).fetch(self.store)
        groups = self.query(APPLICATIONS, owners).where_in("prospect_id", ids).fetch(self.store)
        now = iso(self.clock.now())
        rows = []
        keys = {s["display"]: s["key"] for s in self.places["sources"]}
        for source in sorted({p["source"] or "Unknown" for p in leads}):
            mine = {p["id"] for p in leads if (p["source"] or "Unknown") == source}
            evs = [e for e in events if e["prospect"] in mine]
            apps = [g for g in groups if g["prospect_id"] in mine]
            rows.append(
                {
                    "source_key": keys.get(
                        source, source.lower().replace(" ", "_").replace(".", "_")
                    ),
                    "source_display": source,
                    "leads": len(mine),
                    "showings_scheduled": sum(
                        1 for e in evs if e["event_type"] == "Showing Scheduled"
                    ),
                    "showings_completed": sum(
                        1 for e in evs if e["event_type"] == "Showing Complete"
                    ),
                    "upcoming_showings": sum(
                        1
                        for e in evs
                        if e["event_type"] == "Showing Scheduled"
                        and (e["planned_date_time"] or "") > now
                    ),  # fmt: skip
                    "applications_requested": len(apps),
                    "applications_submitted": sum(1 for g in apps if g["submitted_at"]),
                    "apps_approved": sum(1 for g in apps if g["status"] == "Approved"),
                    "rejected_prescreens": sum(
                        1 for p in leads if p["id"] in mine and p["status"] == "Prescreen Rejected"
                    ),
                }
            )
        rows.sort(key=lambda r: (-r["leads"], r["source_key"]))
        offset = limit * page_number
        return self.envelope(rows[offset : offset + limit + 1], limit, page_number)

    async def list_application_reports(
        self,
        start: str | None = None,
        end: str | None = None,
        account_ids: list[str] | None = None,
        limit: int = 50,
        page_number: int = 0,
    ) -> dict[str, Any]:
        """Groups created in the period; a bare-date `end` covers that whole day (inferred)."""
        query = self.query(APPLICATIONS, self.scope(among=account_ids))
        if start is not None:
            query.compare(
                "created_at", ">=", bound(parse_instant(start, "start", dates=True), False)
            )
        if end is not None:
            last = parse_instant(end, "end", dates=True)
            if len(end.strip()) == 10:
                last = shift(last, timedelta(days=1, milliseconds=-1))
            query.compare("created_at", "<=", bound(last, upper=True))
        rows = []
        for group in query.fetch(self.store, limit + 1, limit * page_number):
            lead = self.store.get(self.api, PROSPECTS, group["prospect_id"]) or {}
            unit = self.store.get(self.api, UNITS, group["unit_id"]) or {}
            rows.append(
                {
                    "application_group_id": group["id"],
                    "lead_applicant": lead.get("name"),
                    "address": (unit.get("address") or {}).get("formatted_address"),
                    "unit_id": group["unit_id"],
                    "status": group["status"],
                    "submitted_at": group["submitted_at"],
                    "created_at": group["created_at"],
                }
            )
        return self.envelope(rows, limit, page_number)
