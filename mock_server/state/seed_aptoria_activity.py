"""Seeds an Aptoria organization's upkeep and pipeline: plans, work orders, expenses, and more."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from mock_server.apis.aptoria_ledger import money, stamp

if TYPE_CHECKING:
    from mock_server.state.seed_aptoria import OrgSeeder

Record = dict[str, Any]


def seed_activity(org: OrgSeeder) -> None:
    plans(org)
    work_orders(org)
    expenses(org)
    applications(org)
    inspections(org)


def ulid(org: OrgSeeder, prefix: str, kind: str, moment: datetime) -> str:
    return org.ctx.ids.ulid(prefix, kind, int(moment.timestamp() * 1000))


def plans(org: OrgSeeder) -> None:
    """Payment plans for delinquent leases (never the demo tenant's: the prioritizer offers one)."""
    late: dict[str, list[Record]] = {}
    for payment in org.rows("rent_payments"):
        if payment["status"] == "late":
            late.setdefault(payment["lease_id"], []).append(payment)
    skip = org.delinquent[:1] if org.demo else []
    leases = [lid for lid in org.delinquent if lid in late and lid not in skip]
    by_id = {lease["id"]: lease for lease in org.rows("leases")}
    for index, lease_id in enumerate(leases[: org.n.get("payment_plans", 0)]):
        owed = late[lease_id]
        total = money(sum(p["amount_usd"] for p in owed))
        parts = org.rnd.choice([2, 3])
        share = money(int(total * 100 / parts) / 100)
        first_due = org.epoch + timedelta(days=org.rnd.randint(3, 10))
        installments: list[dict[str, Any]] = [
            {
                "due_date": (first_due + timedelta(days=14 * i)).date().isoformat(),
                "amount_usd": share if i < parts - 1 else money(total - share * (parts - 1)),
            }
            for i in range(parts)
        ]
        proposed = org.ago(org.rnd.randint(1, 10), 15, 42)
        org.add(
            "payment_plans",
            {
                "id": ulid(org, "pp", "payment_plans", proposed),
                "lease_id": lease_id,
                "tenant_id": by_id[lease_id]["tenant_ids"][0],
                "payment_ids": [p["id"] for p in owed],
                "status": ("proposed", "accepted", "declined")[index % 3],
                "total_amount_usd": money(sum(i["amount_usd"] for i in installments)),
                "installments": installments,
                "note": org.rnd.choice(org.cat["plan_notes"]),
                "proposed_at": stamp(proposed),
            },
        )


def work_orders(org: OrgSeeder) -> None:
    units, vendors = org.rows("units"), org.rows("vendors")
    if not units:
        return
    residents = {t["unit_id"]: t["id"] for t in org.rows("tenants") if t["status"] == "active"}
    trades = list(org.cat["work_orders"])
    for index in range(org.n.get("work_orders", 0)):
        age = org.rnd.randint(0, 300)
        created = org.ago(age, org.rnd.randint(8, 18), org.rnd.randint(0, 59))
        unit = org.rnd.choice(units)
        category = org.rnd.choice(trades)
        title = org.rnd.choice(org.cat["work_orders"][category])
        status = (
            org.rnd.choice(["open", "scheduled", "in_progress", "completed"])
            if age <= 30
            else org.rnd.choice(["completed"] * 4 + ["cancelled"])
        )
        if org.demo and index == 0:  # the spec's example: a leak in 127 Pine 1B, reported by Maya
            unit = next(u for u in units if u["label"] == "1B")
            demo = org.cat["demo"]["work_order"]
            category, title, status = demo["category"], demo["title"], "scheduled"
            created = org.ago(7, 9, 12)
        trade_vendors = [v for v in vendors if v["trade"] == category] or vendors
        vendor = org.rnd.choice(trade_vendors) if trade_vendors and status != "open" else None
        scheduled = created + timedelta(days=org.rnd.randint(1, 3), hours=3)
        done = scheduled + timedelta(hours=org.rnd.randint(1, 30))
        common_area = org.rnd.random() < 0.2 and index > 0
        order = {
            "id": ulid(org, "wo", "work_orders", created),
            "property_id": unit["property_id"],
            "unit_id": None if common_area else unit["id"],
            "title": title,
            "description": org.cat["demo"]["work_order"]["description"]
            if index == 0 and org.demo
            else f"{title}. Reported {created.date().isoformat()}.",
            "category": category,
            "priority": org.rnd.choice(["low", "normal", "normal", "high", "emergency"]),
            "status": status,
            "vendor_id": vendor["id"] if vendor else None,
            "reported_by_tenant_id": None if common_area else residents.get(unit["id"]),
            "scheduled_for": None if status == "open" else stamp(scheduled),
            "cost_usd": money(org.rnd.randint(8, 90) * 10) if status == "completed" else None,
            "completion_notes": (
                org.rnd.choice(org.cat["completion_notes"]) if status == "completed" else None
            ),
            "completed_at": stamp(done) if status == "completed" else None,
            "created_at": stamp(created),
            "updated_at": stamp(min(done if status == "completed" else created, org.epoch)),
        }
        if org.demo and index == 0:
            order["priority"] = org.cat["demo"]["work_order"]["priority"]
        org.add("work_orders", order)


def expenses(org: OrgSeeder) -> None:
    props, units = org.rows("properties"), org.rows("units")
    if not props:
        return
    kinds = list(org.cat["expenses"])
    for index in range(org.n.get("expenses", 0)):
        category = org.rnd.choice(kinds)
        labels, low, high = org.cat["expenses"][category]
        prop = org.rnd.choice(props)
        in_unit = [u for u in units if u["property_id"] == prop["id"]]
        unit = org.rnd.choice(in_unit) if in_unit and org.rnd.random() < 0.15 else None
        paid = org.ago(org.rnd.randint(0, 364), org.rnd.randint(9, 19), org.rnd.randint(0, 59))
        record = {
            "category_id": category,
            "label": org.rnd.choice(labels),
            "amount_usd": money(org.rnd.randint(low * 100, high * 100) / 100),
            "vendor": org.fake.company() if org.rnd.random() < 0.7 else None,
        }
        if org.demo and index == 0:  # the docs' "Post an expense" example
            prop, unit = props[0], None
            demo = dict(org.cat["demo"]["expense"])
            paid = org.ago(demo.pop("days_before_epoch"), 18, 3) + timedelta(seconds=11)
            record = demo
        org.add(
            "expenses",
            {
                "id": ulid(org, "exp", "expenses", paid),
                "property_id": prop["id"],
                "unit_id": unit["id"] if unit else None,
                **record,
                "paid_on": paid.date().isoformat(),
                "created_at": stamp(paid),
            },
        )


def applications(org: OrgSeeder) -> None:
    units = org.rows("units")
    vacant = [u for u in units if u["status"] == "vacant"] or units
    for _ in range(org.n.get("applications", 0) if units else 0):
        unit = org.rnd.choice(vacant if org.rnd.random() < 0.7 else units)
        submitted = org.ago(org.rnd.randint(1, 45), org.rnd.randint(8, 22), org.rnd.randint(0, 59))
        first, last = org.fake.first_name(), org.fake.last_name()
        status = org.rnd.choice(["submitted", "submitted", "approved", "denied"])
        decided = min(submitted + timedelta(days=org.rnd.randint(1, 5)), org.epoch)
        org.add(
            "applications",
            {
                "id": ulid(org, "app", "applications", submitted),
                "property_id": unit["property_id"],
                "unit_id": unit["id"],
                "applicant": {
                    "first_name": first,
                    "last_name": last,
                    "phone": org.phone(),
                    "email": "".join(
                        c for c in f"{first}.{last}".lower() if c.isalnum() or c == "."
                    )
                    + "@example.com",
                },
                "desired_move_in": (org.epoch + timedelta(days=org.rnd.randint(10, 75)))
                .date()
                .isoformat(),
                "monthly_income_usd": money(org.rnd.randint(50, 180) * 50),
                "household_size": org.rnd.randint(1, 4),
                "notes": org.rnd.choice(org.cat["application_notes"]),
                "status": status,
                "submitted_at": stamp(submitted),
                "decided_at": None if status == "submitted" else stamp(decided),
                "decision_note": (
                    org.rnd.choice(org.cat["decision_notes"]) if status != "submitted" else None
                ),
                "denial_reason": (
                    org.rnd.choice(["insufficient_income", "rental_history", "credit_history"])
                    if status == "denied"
                    else None
                ),
            },
        )


def inspections(org: OrgSeeder) -> None:
    units = org.rows("units")
    for _ in range(org.n.get("inspections", 0) if units else 0):
        unit = org.rnd.choice(units)
        done = org.rnd.random() < 0.6
        days = -org.rnd.randint(1, 200) if done else org.rnd.randint(1, 30)
        scheduled = datetime.combine((org.epoch + timedelta(days=days)).date(), time(15), UTC)
        created = min(scheduled - timedelta(days=org.rnd.randint(5, 20)), org.ago(1, 13, 45))
        finished = scheduled + timedelta(minutes=org.rnd.randint(30, 90), seconds=31)
        org.add(
            "inspections",
            {
                "id": ulid(org, "insp", "inspections", created),
                "property_id": unit["property_id"],
                "unit_id": unit["id"] if org.rnd.random() < 0.7 else None,
                "inspection_type": org.rnd.choice(
                    ["move_in", "move_out", "routine", "routine", "safety"]
                ),
                "status": "completed" if done else "scheduled",
                "scheduled_for": stamp(scheduled),
                "inspector_name": org.fake.name(),
                "result": org.rnd.choice(["pass", "pass", "needs_repairs", "fail"])
                if done
                else None,
                "notes": org.rnd.choice(org.cat["inspection_notes"]) if done else None,
                "completed_at": stamp(finished) if done else None,
                "created_at": stamp(created),
            },
        )
