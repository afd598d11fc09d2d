"""Aptoria's rent clock: billing periods, late marking, `rent.late` events and lease expiry."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from mock_server.state.ids import IdFactory

if TYPE_CHECKING:
    from mock_server.services import Services
    from mock_server.state.store import Store

API = "aptoria"
# Inferred: the vendor bills each period 30 days before it is due and runs its late-rent job
# daily at 06:00 UTC (the spec's examples: created 2026-03-02T06:00 for 2026-04-01, and
# rent.late marked 2026-04-02T06:00 for the same due date).
BILL_LEAD = timedelta(days=30)
BATCH_TIME = time(6, 0, tzinfo=UTC)
MAX_PERIODS_PER_PASS = 36  # a clock jumped years ahead bills in chunks, never in one huge pass
WAKE_KEY = "aptoria:rent_clock_wake"  # meta: the next instant anything can change (a fast skip)


def stamp(moment: datetime) -> str:
    """Aptoria's timestamp form: UTC, whole seconds, `Z` (as in every documented example)."""
    utc = moment.astimezone(UTC)
    return f"{utc.date().isoformat()}T{utc.strftime('%H:%M:%S')}Z"  # %Y is unpadded below 1000


def money(value: float) -> float | int:
    """Dollars rounded to cents; whole amounts stay integers (`1825`, as the docs print them)."""
    cents = round(float(value), 2)
    return int(cents) if cents == int(cents) else cents


def period_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def next_period(period: str) -> str | None:
    year, month = int(period[:4]), int(period[5:7])
    year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return f"{year:04d}-{month:02d}" if year <= 9999 else None


def due_date(period: str, due_day: int) -> date | None:
    """The due date of `period` (`YYYY-MM`), or None when no such calendar date exists."""
    try:
        return date(int(period[:4]), int(period[5:7]), due_day)
    except ValueError:
        return None


def billed_at(due: date) -> datetime | None:
    try:
        return datetime.combine(due - BILL_LEAD, BATCH_TIME)
    except OverflowError:
        return None


def late_at(due: date) -> datetime | None:
    try:
        return datetime.combine(due + timedelta(days=1), BATCH_TIME)
    except OverflowError:
        return None


def first_period(start: date, due_day: int) -> str | None:
    """The first period whose due date falls on or after `start` (rent is not prorated)."""
    period: str | None = period_of(start)
    while period is not None:
        due = due_date(period, due_day)
        if due is not None and due >= start:
            return period
        period = next_period(period)
    return None


def lease_end(lease: dict[str, Any]) -> date | None:
    """The last day rent can be due: the termination date of a terminated lease, else end_date."""
    raw = lease.get("termination_date") or lease.get("end_date")
    return date.fromisoformat(raw) if raw else None


def days_late(payment: dict[str, Any], today: date) -> int:
    """`late`: days past due as of today; `paid`: as stored at payment; `due`: 0."""
    if payment["status"] != "late":
        return int(payment.get("days_late") or 0)
    return max(0, (today - date.fromisoformat(payment["due_date"])).days)


def present(payment: dict[str, Any], today: date) -> dict[str, Any]:
    """A payment as the API shows it now (days_late moves with the clock while it is late)."""
    return {**payment, "days_late": days_late(payment, today)}


def new_payment(
    ids: IdFactory, lease: dict[str, Any], period: str, due: date, created: datetime
) -> dict[str, Any]:
    """An open rent payment for one period of a lease (status `due`)."""
    return {
        "id": ids.ulid("p", "rent_payments", int(created.timestamp() * 1000)),
        "lease_id": lease["id"],
        "tenant_id": lease["tenant_ids"][0],
        "property_id": lease["property_id"],
        "unit_id": lease["unit_id"],
        "period_label": period,
        "amount_usd": lease["monthly_rent_usd"],
        "due_date": due.isoformat(),
        "status": "due",
        "days_late": 0,
        "amount_paid_usd": None,
        "paid_at": None,
        "method": None,
        "reference": None,
        "created_at": stamp(created),
    }


def schedule_billing(store: Store, org: str, lease: dict[str, Any], period: str | None) -> None:
    """Bill `lease` from `period` on (rent_schedules is internal: one row per billed lease)."""
    if period is None:
        return
    row = {"lease_id": lease["id"], "next_period": period}
    store.put(API, "rent_schedules", lease["id"], row, owner=org)
    wake_now(store)


def wake_now(store: Store) -> None:
    """Something changed that the rent clock must look at on its next call."""
    store.set_meta(WAKE_KEY, "0")


def emit_late_rent(services: Services, now: datetime | None = None) -> int:
    """Bring the rent ledger up to the clock; returns how many `rent.late` events it emitted.

    In order: expire leases past their end date, bill the periods that came due for billing,
    then mark every `due` payment past its due date `late` and emit `rent.late` once per
    payment (announced ids are remembered in the store). Safe to call often and from several
    worker processes: a meta value remembers when anything can next change, and the work runs
    in one store transaction (BEGIN IMMEDIATE serialises the workers). `now`: a clock reading
    the caller already took (the clock is a store read)."""
    store, now = services.store, now or services.clock.now()
    wake = store.get_meta(WAKE_KEY)
    if wake is not None and now.timestamp() < float(wake):
        return 0
    ids = IdFactory(store, services.settings.seed, API)
    emitted, wakes = 0, [float("inf")]
    with store.transaction():
        for org in store.list(API, "organizations"):
            owners = [org["id"]]
            _expire_leases(store, owners, now, wakes)
            _bill(store, ids, owners, now, wakes)
            emitted += _mark_late(services, org["id"], now, wakes)
        store.set_meta(WAKE_KEY, repr(min(wakes)))
    return emitted


def _expire_leases(store: Store, owners: list[str], now: datetime, wakes: list[float]) -> None:
    """An active lease whose end_date has passed is `expired`; its unit turns vacant unless
    another active lease holds it."""
    active = store.list(API, "leases", where={"status": "active"}, owners=owners)
    ended = []
    for lease in active:
        ends = date.fromisoformat(lease["end_date"]) if lease["end_date"] else None
        if ends is not None and ends < now.date():
            ended.append(lease)
        elif ends is not None and ends.year < 9999:
            expiry = datetime.combine(ends + timedelta(days=1), time(0, tzinfo=UTC))
            wakes.append(expiry.timestamp())
    gone = {lease["id"] for lease in ended}
    held = {lease["unit_id"] for lease in active if lease["id"] not in gone}
    for lease in ended:
        store.put(API, "leases", lease["id"], {**lease, "status": "expired"}, owner=owners[0])
    for unit_id in sorted({lease["unit_id"] for lease in ended} - held):
        unit = store.get(API, "units", unit_id)
        if unit is not None and unit["status"] != "vacant":
            store.put(API, "units", unit_id, {**unit, "status": "vacant"}, owner=owners[0])


def refresh_unit_status(store: Store, org: str, unit_id: str) -> None:
    """A unit is occupied while it has an active lease (inferred)."""
    unit = store.get(API, "units", unit_id)
    if unit is None:
        return
    active = store.list(API, "leases", where={"unit_id": unit_id, "status": "active"}, limit=1)
    status = "occupied" if active else "vacant"
    if unit["status"] != status:
        store.put(API, "units", unit_id, {**unit, "status": status}, owner=org)


def _bill(
    store: Store, ids: IdFactory, owners: list[str], now: datetime, wakes: list[float]
) -> None:
    billed = {
        (p["lease_id"], p["period_label"]) for p in store.list(API, "rent_payments", owners=owners)
    }
    for row in store.list(API, "rent_schedules", owners=owners):
        lease = store.get(API, "leases", row["lease_id"])
        if lease is None or lease["status"] == "draft":
            store.delete(API, "rent_schedules", row["lease_id"])
            continue
        end, period = lease_end(lease), row["next_period"]
        for _ in range(MAX_PERIODS_PER_PASS):
            due = due_date(period, lease["rent_due_day"]) if period else None
            bill = billed_at(due) if due else None
            if period is None or due is None or bill is None or (end and due > end):
                store.delete(API, "rent_schedules", lease["id"])
                break
            if bill > now:
                wakes.append(bill.timestamp())
                if period != row["next_period"]:
                    moved = {**row, "next_period": period}
                    store.put(API, "rent_schedules", lease["id"], moved, owner=owners[0])
                break
            if (lease["id"], period) not in billed:  # a payment recorded ahead is not billed
                payment = new_payment(ids, lease, period, due, bill)
                store.put(API, "rent_payments", payment["id"], payment, owner=owners[0])
            period = next_period(period)
        else:
            wakes.append(0.0)  # more periods to bill: come back on the next call
            store.put(
                API, "rent_schedules", lease["id"], {**row, "next_period": period}, owner=owners[0]
            )


def _mark_late(services: Services, org: str, now: datetime, wakes: list[float]) -> int:
    store, emitted = services.store, 0
    for payment in store.list(API, "rent_payments", where={"status": "due"}, owners=[org]):
        due = date.fromisoformat(payment["due_date"])
        turns_late = late_at(due)
        if turns_late is None or turns_late > now:
            if turns_late is not None:
                wakes.append(turns_late.timestamp())
            continue
        late = {**payment, "status": "late"}
        store.put(API, "rent_payments", payment["id"], late, owner=org)
        if store.get(API, "rent_late_notices", payment["id"]) is not None:
            continue
        store.put(
            API,
            "rent_late_notices",
            payment["id"],
            {"payment_id": payment["id"], "announced_at": stamp(now)},
            owner=org,
        )
        services.emitter.emit(
            API,
            "rent.late",
            {
                "event": "rent.late",
                "organization_id": org,
                "payload": {
                    "payment_id": payment["id"],
                    "lease_id": payment["lease_id"],
                    "tenant_id": payment["tenant_id"],
                    "amount_usd": payment["amount_usd"],
                    "period_label": payment["period_label"],
                    "due_date": payment["due_date"],
                    "days_late": days_late(late, now.date()),
                    "marked_late_at": stamp(now),
                },
            },
        )
        emitted += 1
    return emitted
