"""What every RentEngine handler mixin shares: the caller's accounts, reads, paging, events."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any

import yaml

from mock_server.apis.base import ApiHandlers
from mock_server.apis.rentengine_query import Query, ResponseRows
from mock_server.errors import ApiError
from mock_server.settings import data_dir

API = "rentengine"
# Store kinds. Accounts and users are internal (no operation lists them): a token sees the
# accounts of the user who created it, looked up at request time.
ACCOUNTS, USERS = "accounts", "users"
UNITS, PROSPECTS, LEASING_EVENTS = "units", "prospects", "leasing_events"
LOCKBOXES, LOCKBOX_EVENTS, INSTALLATIONS = "lockboxes", "lockbox_events", "lockbox_installations"
MULTIFAMILY, FLOORPLANS = "multifamily_properties", "floorplans"
SUBTEAMS, TEMPLATES = "subteams", "prescreening_templates"
CALLS, MESSAGES = "calls", "messages"
APPLICATIONS, COMPS = "rental_application_groups", "comps"

# The `units` row of a webhook (UnitRecord): only these columns, numbers as the docs' strings.
UNIT_ROW_FIELDS = (
    "id",
    "account_id",
    "status",
    "address",
    "property_type",
    "highlighted_amenities",
    "bedrooms",
    "bathrooms",
    "sqft",
    "furnished",
    "renovated",
    "num_parking_spots",
    "laundry",
    "target_rental_rate",
    "is_occupied",
    "earliest_move_in_date",
    "allow_cooperating_brokers",
    "desired_lease_duration_months",
    "pets_allowed",
    "pet_restrictions",
    "hoa_app_required",
    "hoa_app_fee",
    "hoa_application_url",
    "key_access",
    "created_at",
    "updated_at",
)
UNIT_ROW_STRINGS = {"bedrooms", "bathrooms", "sqft", "num_parking_spots", "target_rental_rate"}
UNIT_ROW_NOT_NULL = {"id", "account_id", "status", "property_type", "highlighted_amenities"}


def load_places() -> dict[str, Any]:
    """fixtures/rentengine/places.yaml: markets, state timezones, lead sources."""
    path = data_dir("fixtures") / "rentengine" / "places.yaml"
    return yaml.safe_load(path.read_text())  # type: ignore[no-any-return]


# -- time ---------------------------------------------------------------------------------------
def iso(moment: datetime) -> str:
    """RentEngine's stamp form: UTC, milliseconds, `Z` (`2025-03-03T17:45:12.004Z`)."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


_INSTANT = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?"
    r"([Zz]|[+-]\d{2}:?\d{2})?)?$"
)


def parse_instant(value: str, name: str, where: str = "query", dates: bool = False) -> datetime:
    """An RFC 3339 date-time (or, with `dates`, also a bare date, at midnight UTC) as an aware
    UTC datetime; 400 in the vendor's shape when it is not one. Years past datetime's range
    clamp to its ends, so every well-formed stamp compares (year 0000, leap seconds)."""
    wanted = "date" if dates else "date-time"
    found = _INSTANT.match(str(value).strip())
    if not found or (found.group(4) is None and not dates):
        raise bad_input(name, f'must match format "{wanted}"', "format", {"format": wanted}, where)
    year, month, day, hour, minute, second, fraction, offset = found.groups()
    try:
        moment = datetime(
            max(1, int(year)),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            min(59, int(second or 0)),
            int((fraction or "0")[:6].ljust(6, "0")),
        )
    except ValueError:
        raise bad_input(
            name, f'must match format "{wanted}"', "format", {"format": wanted}, where
        ) from None
    shift = timedelta()
    if offset and offset not in "Zz":
        digits = offset[1:].replace(":", "")
        shift = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        shift = -shift if offset[0] == "-" else shift
    try:
        return (moment - shift).replace(tzinfo=UTC)
    except OverflowError:
        return (datetime.min if shift > timedelta() else datetime.max).replace(tzinfo=UTC)


def shift(moment: datetime, delta: timedelta) -> datetime:
    """`moment + delta`, clamped to datetime's range (a period's default end from year 9999)."""
    try:
        return moment + delta
    except OverflowError:
        return (datetime.max if delta > timedelta() else datetime.min).replace(tzinfo=UTC)


def optional_instant(value: str | None, name: str) -> datetime | None:
    """`parse_instant` for an optional parameter: absent is None, present (even "") is parsed."""
    return None if value is None else parse_instant(value, name)


def bound(moment: datetime, upper: bool) -> str:
    """`moment` as a stored-stamp string for an inclusive comparison (stamps keep milliseconds)."""
    millis = moment.timestamp() * 1000
    whole = math.floor(millis) if upper else math.ceil(millis)
    try:
        return iso(datetime.fromtimestamp(whole / 1000, tz=UTC))
    except (OverflowError, ValueError, OSError):
        return "9999-12-31T23:59:59.999Z" if moment.year > 5000 else "0001-01-01T00:00:00.000Z"


def number_text(value: Any) -> Any:
    """2150 -> "2150", 1.5 -> "1.5": the string form the docs give the unit row's numbers."""
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def unit_row(unit: dict[str, Any] | None) -> dict[str, Any] | None:
    """The `units` database row a webhook carries: the address record's id, numbers as strings."""
    if unit is None:
        return None
    row: dict[str, Any] = {}
    for field in UNIT_ROW_FIELDS:
        value = unit.get(field)
        if field == "address":
            value = (value or {}).get("id") if isinstance(value, dict) else value
        elif field in UNIT_ROW_STRINGS:
            value = number_text(value)
        if value is None and field in UNIT_ROW_NOT_NULL:
            continue
        row[field] = value
    return row


# -- errors -------------------------------------------------------------------------------------
def bad_input(
    name: str,
    message: str,
    keyword: str = "format",
    params: dict[str, Any] | None = None,
    where: str = "query",
) -> ApiError:
    """A 400 with one AJV-style detail, as the vendor words schema failures."""
    title = "Invalid query parameters" if where == "query" else "Invalid request parameters"
    detail = {
        "keyword": keyword,
        "dataPath": f".{where}.{name}",
        "schemaPath": f"#/properties/{where}/properties/{name}/{keyword}",
        "params": params or {},
        "message": message,
    }
    return ApiError(400, title, [detail])


def not_found(what: str, id: object) -> ApiError:
    return ApiError(404, f"{what} {id} not found")


class RentEngineBase(ApiHandlers):
    """Records are stored with owner = their account id; a token sees its user's accounts."""

    api = API

    @cached_property
    def places(self) -> dict[str, Any]:
        return load_places()

    # -- the caller ------------------------------------------------------------------------------
    def accounts(self) -> list[str]:
        """The accounts of the token's user (read per request: access follows the user)."""
        user = self.store.get(API, USERS, str(self.caller().get("sub", "")))
        return [str(a) for a in (user or {}).get("account_ids", [])]

    def scope(self, account: str | None = None, among: list[str] | None = None) -> list[str]:
        """The caller's accounts, narrowed by an account filter. An account the token cannot
        see narrows to nothing: an empty list, never a hint that the account exists."""
        mine = self.accounts()
        if account is not None:
            mine = [a for a in mine if a == account]
        if among is not None:
            mine = [a for a in mine if a in set(among)]
        return mine

    def account(self, account_id: str) -> str:
        """An account named in a body or path: 404 unless the token can see it."""
        if account_id not in self.accounts():
            raise not_found("Account", account_id)
        return account_id

    def find(self, kind: str, id: object, what: str) -> dict[str, Any]:
        """The record; 404 when it does not exist or is in an account the token can't see."""
        record = self.store.get(API, kind, str(id))
        if record is None or self.store.owner_of(API, kind, str(id)) not in self.accounts():
            raise not_found(what, id)
        return record

    def owner(self, kind: str, id: object) -> str:
        return str(self.store.owner_of(API, kind, str(id)))

    def save(self, kind: str, record: dict[str, Any], owner: str) -> dict[str, Any]:
        return self.store.put(API, kind, record["id"], record, owner=owner)

    # -- lists -----------------------------------------------------------------------------------
    def query(self, kind: str, owners: list[str]) -> Query:
        return Query(API, kind).owned_by(owners)

    def page(self, query: Query, limit: int, page_number: int, newest_first: bool = False) -> Any:
        """One page of a bare-array list, as the response body's items (see ResponseRows):
        `limit` records from record `limit * page_number`."""
        rows = query.fetch_stored(self.store, limit, limit * page_number, newest_first)
        encoder = self._response_rows.get(query.kind)
        if encoder is None:
            encoder = self._response_rows[query.kind] = ResponseRows()
        return encoder(rows)

    def page_records(self, query: Query, limit: int, page_number: int) -> list[dict[str, Any]]:
        """One page of records, decoded (for handlers that reshape them)."""
        return query.fetch(self.store, limit, limit * page_number)

    @cached_property
    def _response_rows(self) -> dict[str, ResponseRows]:
        return {}

    def envelope(self, items: list[Any], limit: int, page_number: int) -> dict[str, Any]:
        """`{data, page}` from `items` = up to `limit + 1` rows starting at this page."""
        more = len(items) > limit
        return {
            "data": items[:limit],
            "page": {
                "limit": limit,
                "page_number": page_number,
                "has_more": more,
                "next_page_number": page_number + 1 if more else None,
            },
        }

    # -- time ------------------------------------------------------------------------------------
    def now(self) -> str:
        return iso(self.clock.now())

    def timezone_of(self, state: str | None) -> str:
        for zone, states in self.places["timezones"].items():
            if state and state.upper() in states:
                return str(zone)
        return "America/Chicago"  # inferred default: RentEngine's home market (Texas)

    @staticmethod
    def days(n: float) -> timedelta:
        return timedelta(days=n)

    # -- webhooks --------------------------------------------------------------------------------
    def changed(
        self, table: str, kind: str, record: dict[str, Any] | None, old: dict[str, Any] | None
    ) -> None:
        """Emit the Supabase-style change event the developer portal's webhooks deliver."""
        if table == UNITS:
            record, old = unit_row(record), unit_row(old)
        payload = {
            "type": kind,
            "table": table,
            "schema": "public",
            "record": record,
            "old_record": old,
        }
        self.emit(f"{table}.{kind}", payload)
