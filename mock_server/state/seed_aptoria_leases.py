"""Seeds an Aptoria organization's people and money: tenants, leases and rent payments."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from mock_server.apis.aptoria_ledger import (
    billed_at,
    due_date,
    first_period,
    late_at,
    money,
    new_payment,
    next_period,
    stamp,
)

if TYPE_CHECKING:
    from mock_server.state.seed_aptoria import OrgSeeder

Record = dict[str, Any]


def month_start(day: date, delta: int) -> date:
    """The first day of the month `delta` months from `day`'s."""
    year, month = divmod(day.year * 12 + day.month - 1 + delta, 12)
    return date(year, month + 1, 1)


def millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


# -- tenants and leases -------------------------------------------------------------
def people_and_leases(org: OrgSeeder) -> None:
    units, n_leases = org.rows("units"), org.n.get("leases", 0)
    occupied = [u for i, u in enumerate(units) if i % 7 != 6]
    vacant = [u for i, u in enumerate(units) if i % 7 == 6]
    if org.demo:  # the docs' tenant rents 127 Pine 1B
        occupied.sort(
            key=lambda u: u["label"] != "1B" or u["property_id"] != units[0]["property_id"]
        )
    n_active = min(n_leases, len(occupied))
    n_draft = min(max(1, n_leases // 15), n_leases - n_active) if vacant else 0
    plan: list[tuple[str, Record]] = [("active", u) for u in occupied[:n_active]]
    plan += [("draft", vacant[i % len(vacant)]) for i in range(n_draft)]
    hist = n_leases - n_active - n_draft if occupied else 0
    plan += [
        ("expired" if i % 2 else "terminated", occupied[i % len(occupied)]) for i in range(hist)
    ]
    tenants = [add_tenant(org, i) for i in range(org.n.get("tenants", 0))]
    for index, (kind, unit) in enumerate(plan):
        if not tenants:
            break
        add_lease(org, index, kind, unit, tenants[index % len(tenants)])
    for extra in tenants[len(plan) :]:  # co-tenants on active leases
        if not n_active:
            break
        lease = org.rows("leases")[tenants.index(extra) % n_active]
        lease["tenant_ids"].append(extra["id"])
        extra.update(property_id=lease["property_id"], unit_id=lease["unit_id"])


def add_tenant(org: OrgSeeder, index: int) -> Record:
    created = org.ago(org.rnd.randint(40, 1500), 16, 5)
    first, last = org.fake.first_name(), org.fake.last_name()
    slug = "".join(c for c in f"{first}.{last}".lower() if c.isalnum() or c == ".")
    tenant = {
        "id": org.ctx.ids.ulid("t", "tenants", millis(created)),
        "first_name": first,
        "last_name": last,
        "display_name": f"{first} {last[:1]}.",
        "email": f"{slug}{index}@example.com",
        "phone": org.phone(),
        "property_id": None,
        "unit_id": None,
        "status": "active",
        "created_at": stamp(created),
        "removed_at": None,
    }
    if org.demo and index == 0:
        tenant.update(org.cat["demo"]["tenant"], display_name="Maya R.")
    return org.add("tenants", tenant)


def add_lease(org: OrgSeeder, index: int, kind: str, unit: Record, tenant: Record) -> None:
    epoch_day = org.epoch.date()
    if kind == "active":
        back = 8 if org.demo and index == 0 else org.rnd.randint(1, 11)
        monthly = org.rnd.random() < 0.2 and not (org.demo and index == 0)
        start = month_start(epoch_day, -(org.rnd.randint(13, 48) if monthly else back))
        end = None if monthly else month_start(start, 12) - timedelta(days=1)
    elif kind == "draft":
        start = month_start(epoch_day, org.rnd.randint(1, 2))
        end = month_start(start, 12) - timedelta(days=1)
    else:  # an earlier tenancy of an occupied unit, ended before the epoch
        end = month_start(epoch_day, -org.rnd.randint(13, 20)) - timedelta(days=1)
        start = month_start(end, -11)
    created = datetime.combine(start - timedelta(days=22), time(14), tzinfo=UTC)
    if kind == "draft":  # drafted recently, for a start after the epoch
        created = org.ago(org.rnd.randint(1, 10), 14)
    rent = unit["market_rent_usd"] - org.rnd.randint(0, 4) * 25
    if org.demo and index == 0:
        rent = org.cat["demo"]["rent"]
    lease = {
        "id": org.ctx.ids.ulid("l", "leases", millis(created)),
        "property_id": unit["property_id"],
        "unit_id": unit["id"],
        "tenant_ids": [tenant["id"]],
        "status": kind,
        "start_date": start.isoformat(),
        "end_date": end.isoformat() if end else None,
        "monthly_rent_usd": money(rent),
        "security_deposit_usd": money(rent),
        "rent_due_day": org.rnd.choice([1, 1, 1, 5]),
        "signed_at": stamp(created + timedelta(days=2, hours=5, minutes=22, seconds=5)),
        "terminated_at": None,
        "termination_date": None,
        "termination_reason": None,
        "created_at": stamp(created),
    }
    tenant["created_at"] = min(tenant["created_at"], lease["created_at"])
    if kind == "draft":
        lease["signed_at"] = None
    elif kind == "active":
        unit["status"] = "occupied"
        tenant.update(property_id=unit["property_id"], unit_id=unit["id"])
    else:  # an earlier tenancy: its tenant moved out, so is removed from the roster
        ends = date.fromisoformat(lease["end_date"])
        if kind == "terminated":
            ends -= timedelta(days=org.rnd.randint(30, 90))
            lease.update(
                termination_date=ends.isoformat(),
                terminated_at=stamp(datetime.combine(ends, time(10), UTC)),
                termination_reason=org.rnd.choice(["tenant_notice", "mutual_agreement"]),
            )
        if tenant["unit_id"] is None and tenant["status"] == "active":
            tenant.update(
                property_id=unit["property_id"],
                unit_id=unit["id"],
                status="removed",
                removed_at=stamp(datetime.combine(ends, time(17), UTC)),
            )
    org.add("leases", lease)


# -- rent -----------------------------------------------------------------------------
def rent(org: OrgSeeder) -> None:
    active = [lease for lease in org.rows("leases") if lease["status"] == "active"]
    if not active:
        return
    depth = max(1, round(org.n.get("rent_payments", 0) / len(active)))
    wanted = max(org.n.get("payment_plans", 0) + 1, round(0.15 * len(active)))
    others = active[1:] if org.demo else active
    late_ones = [active[0]] if org.demo else []
    late_ones += org.rnd.sample(others, min(len(others), wanted - len(late_ones)))
    org.delinquent = [lease["id"] for lease in late_ones]
    for lease in active:
        day = lease["rent_due_day"]
        periods, period = [], first_period(date.fromisoformat(lease["start_date"]), day)
        while period is not None:
            due = due_date(period, day)
            if due is None or (billed_at(due) or org.epoch) > org.epoch:
                break
            periods.append((period, due))
            period = next_period(period)
        if period is not None:
            org.add(
                "rent_schedules",
                {"lease_id": lease["id"], "next_period": period},
                key=lease["id"],
            )
        unpaid = 0
        if lease["id"] in org.delinquent:
            unpaid = 2 if lease is active[0] and org.demo else org.rnd.randint(2, 3)
        kept = periods[-depth:]
        for position, (period, due) in enumerate(kept):
            add_payment(org, lease, period, due, position >= len(kept) - unpaid)


def add_payment(org: OrgSeeder, lease: Record, period: str, due: date, unpaid: bool) -> None:
    made = billed_at(due) or org.epoch
    payment = new_payment(org.ctx.ids, lease, period, due, made)
    paid_at = datetime.combine(due, time(org.rnd.randint(7, 20), org.rnd.randint(0, 59)), UTC)
    paid_at += timedelta(days=org.rnd.randint(-5, 3))
    if not unpaid and paid_at < org.epoch:
        method = org.rnd.choice(org.cat["payment_methods"])
        reference = {
            "ach": f"ACH {org.rnd.randint(1000, 9999)}-{org.rnd.randint(1000, 9999)}",
            "check": f"Check {org.rnd.randint(1001, 4999)}",
        }.get(method)
        payment.update(
            status="paid",
            days_late=max(0, (paid_at.date() - due).days),
            amount_paid_usd=payment["amount_usd"],
            paid_at=stamp(paid_at),
            method=method,
            reference=reference,
        )
    elif (late_at(due) or org.epoch) <= org.epoch:
        payment["status"] = "late"  # announced before the mock's world began
        notice = {"payment_id": payment["id"], "announced_at": stamp(late_at(due) or made)}
        org.add("rent_late_notices", notice, key=payment["id"])
    org.add("rent_payments", payment)
