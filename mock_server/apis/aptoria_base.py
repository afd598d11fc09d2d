"""What every Aptoria handler mixin shares: the caller's organization, lookups, pages, parsing."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from mock_server.apis.aptoria_ledger import emit_late_rent, stamp
from mock_server.apis.base import ApiHandlers
from mock_server.errors import ApiError

Record = dict[str, Any]
# RFC 3339 date-time (the spec's `format: date-time`); Python's fromisoformat alone is looser.
_RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"
)
WHAT = {
    "properties": "Property",
    "units": "Unit",
    "vendors": "Vendor",
    "tenants": "Tenant",
    "leases": "Lease",
    "applications": "Application",
    "inspections": "Inspection",
    "work_orders": "Work order",
    "expenses": "Expense",
    "rent_payments": "Rent payment",
    "payment_plans": "Payment plan",
}


def parse_date(value: str, field: str) -> date:
    """A `YYYY-MM-DD` that names a real day; the spec documents 400 for 2026-02-30."""
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ApiError(400, f"'{field}' is not a valid date: {value!r}") from None


def parse_stamp(value: str, field: str) -> str:
    """An RFC 3339 date-time, normalised to Aptoria's UTC `...Z` form when it can be.

    Inferred: the docs say timestamps are UTC, so an offset is converted. A leap second is
    read as :59, and a value Python cannot represent in UTC (year 1 with a +offset) is kept
    as sent rather than refused, since it is a valid date-time."""
    match = _RFC3339.match(value or "")
    if not match:
        raise ApiError(400, f"'{field}' is not an RFC 3339 date-time: {value!r}")
    year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
    offset = match.group(8).upper()
    try:
        if second > 60 or (offset != "Z" and int(offset[4:6]) > 59):
            raise ValueError(value)
        zone = UTC
        if offset != "Z":
            sign = 1 if offset[0] == "+" else -1
            zone = timezone(sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6])))
        naive = datetime(year, month, day, hour, minute, min(second, 59))
        moment = naive.replace(tzinfo=zone).astimezone(UTC)
    except OverflowError:
        return value
    except ValueError:
        raise ApiError(400, f"'{field}' is not a valid date-time: {value!r}") from None
    return stamp(moment)


def optional_body(body: object) -> dict[str, Any]:
    """The body of an operation whose body is optional: Connexion hands over `b""` (not None)
    when none was sent; the spec says a missing body means `{}`."""
    return body if isinstance(body, dict) else {}


def to_datetime(value: str | None) -> datetime | None:
    """A stored Aptoria stamp back to a datetime (None if absent or not representable)."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


class AptoriaBase(ApiHandlers):
    """Every record is owned by one organization (the store's `owner`); a key sees only its own."""

    api = "aptoria"

    # -- the caller ---------------------------------------------------------------------
    def org(self) -> str:
        """The key's organization: its subject (`org_...`), as the demo keys are issued."""
        info = self.caller()
        return str(info.get("sub") or info.get("organization_id") or "")

    def now(self) -> str:
        return stamp(self.clock.now())

    def today(self) -> date:
        return self.clock.now().date()

    def sync(self) -> datetime:
        """Bring billing, late rent and lease expiry up to the clock before reading them;
        returns the clock reading they were brought to (one read of the clock's store row
        instead of one here and another for `today()`)."""
        now = self.clock.now()
        emit_late_rent(self.services, now)
        return now

    # -- records ------------------------------------------------------------------------
    def find(self, kind: str, id: str, status: str | None = None) -> Record:
        """A record of the caller's organization, else the vendor's 404 (never another org's)."""
        record = self.store.get(self.api, kind, id)
        if (
            record is None
            or self.store.owner_of(self.api, kind, id) != self.org()
            or (status is not None and record.get("status") != status)
        ):
            raise ApiError(404, f"{WHAT[kind]} {id} not found.")
        return record

    def rows(self, kind: str, **where: Any) -> list[Record]:
        """The organization's records of `kind`, filtered on the fields given (None = any)."""
        wanted = {k: v for k, v in where.items() if v is not None}
        return self.store.list(self.api, kind, where=wanted, owners=[self.org()])

    def save(self, kind: str, record: Record) -> Record:
        return self.store.put(self.api, kind, record["id"], record, owner=self.org())

    def new_id(self, prefix: str, kind: str) -> str:
        return self.ids.ulid(prefix, kind, self.millis())

    def unit_in(self, property_id: str | None, unit_id: str | None) -> Record | None:
        """Body ids: 404 for an unknown property or unit, and for a unit of another property
        (not a 400: the body matches its schema, so the unit is just not found there)."""
        if property_id is not None:
            self.find("properties", property_id)
        if unit_id is None:
            return None
        unit = self.find("units", unit_id)
        if property_id is not None and unit["property_id"] != property_id:
            raise ApiError(404, f"Unit {unit_id} is not in property {property_id}.")
        return unit

    def publish(self, event: str, payload: Record) -> None:
        """Emit one of the 13 documented events (the envelope less `delivered_at`)."""
        self.emit(event, {"event": event, "organization_id": self.org(), "payload": payload})

    @staticmethod
    def page(
        records: Iterable[Record],
        limit: int,
        offset: int,
        key: Callable[[Record], Any],
        reverse: bool = False,
    ) -> Record:
        """`{rows, limit, offset, total_count}` over records sorted by `key` (then id)."""
        ordered = sorted(records, key=lambda r: (key(r), r["id"]), reverse=reverse)
        return {
            "rows": ordered[offset : offset + limit],
            "limit": limit,
            "offset": offset,
            "total_count": len(ordered),
        }
