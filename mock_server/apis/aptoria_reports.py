"""Aptoria reports computed from the state: dashboard, A/R aging and the two AI helpers."""

from __future__ import annotations

from typing import Any

from mock_server.apis.aptoria_base import AptoriaBase, Record, optional_body, to_datetime
from mock_server.apis.aptoria_ledger import days_late, money, period_of

BUCKETS = (("0-30", 30), ("31-60", 60), ("61-90", 90), ("90+", None))
OPEN_WORK = ("open", "scheduled", "in_progress")


def fmt_usd(amount: float) -> str:
    return f"${amount:,.0f}" if amount == int(amount) else f"${amount:,.2f}"


def bucket_of(days: int) -> str:
    for name, top in BUCKETS:
        if top is None or days <= top:
            return name
    raise AssertionError("the last bucket has no top")


class ReportHandlers(AptoriaBase):
    def late_payments(self, property_id: str | None = None) -> list[tuple[Record, Record]]:
        """Unpaid rent past due as of the clock, most days late first: (A/R aging row, payment).

        Built for GET /api/ar-aging, the hot read of this API: only the names of the tenants,
        properties and units are read (not their whole records), and rows are built once in
        their public shape (the payment carries the lease and tenant ids the AI helper needs)."""
        today, found = self.sync().date(), []
        tenants = self.names("tenants", "display_name")  # removed ones too: history
        props = self.names("properties", "name")
        units = self.names("units", "label")
        for payment in self.rows("rent_payments", status="late", property_id=property_id):
            row = {
                "payment_id": payment["id"],
                "tenant_name": tenants.get(payment["tenant_id"]) or "Unknown",
                "property_name": props.get(payment["property_id"]) or "Unknown",
                "unit_label": units.get(payment["unit_id"]) or "Unknown",
                "amount": payment["amount_usd"],
                "due_date": payment["due_date"],
                "days_late": days_late(payment, today),
            }
            found.append((row, payment))
        found.sort(key=lambda f: (-f[0]["days_late"], f[0]["due_date"], f[0]["payment_id"]))
        return found

    def names(self, kind: str, field: str) -> dict[str, Any]:
        """id -> one top-level field of each of the organization's records of `kind`, read in
        SQL (json_extract) rather than by decoding every record."""
        rows = self.store.execute(
            f"SELECT id, json_extract(data, '$.\"{field}\"') FROM records"
            " WHERE api=? AND kind=? AND owner=?",
            (self.api, kind, self.org()),
        )
        return dict(rows)

    def aging(self, property_id: str | None = None) -> list[Record]:
        """The A/R aging rows with the payment's `_lease_id` and `_tenant_id` (internal)."""
        return [
            {**row, "_lease_id": payment["lease_id"], "_tenant_id": payment["tenant_id"]}
            for row, payment in self.late_payments(property_id)
        ]

    @staticmethod
    def totals(rows: list[Record]) -> Record:
        totals: Record = {name: 0.0 for name, _ in BUCKETS}
        for row in rows:
            totals[bucket_of(row["days_late"])] += row["amount"]
        totals["total"] = sum(row["amount"] for row in rows)
        return {name: money(value) for name, value in totals.items()}

    async def get_ar_aging(self, property_id: str | None = None) -> Record:
        rows = [row for row, _ in self.late_payments(property_id)]
        return {"rows": rows, "totals": self.totals(rows)}

    async def get_dashboard(self) -> Record:
        rows = [row for row, _ in self.late_payments()]
        now = self.clock.now()
        period, today = period_of(now.date()), now.date().isoformat()
        units = self.rows("units")
        occupied = sum(1 for u in units if u["status"] == "occupied")
        billed = self.rows("rent_payments", period_label=period)
        paid = [p for p in billed if p["status"] == "paid"]
        spent = [
            e["amount_usd"]
            for e in self.rows("expenses")
            if e["paid_on"].startswith(period) and e["paid_on"] <= today
        ]
        return {
            "organization_id": self.org(),
            "as_of": self.now(),
            "period_label": period,
            "properties_count": len(self.rows("properties")),
            "units_count": len(units),
            "occupied_units": occupied,
            "occupancy_rate": round(occupied / len(units), 4) if units else 0,
            "rent_expected_usd": money(sum(p["amount_usd"] for p in billed)),
            "rent_collected_usd": money(sum(p["amount_paid_usd"] or 0 for p in paid)),
            "rent_outstanding_usd": self.totals(rows)["total"],
            "delinquent_payments": len(rows),
            "open_work_orders": sum(
                1 for w in self.rows("work_orders") if w["status"] in OPEN_WORK
            ),
            "expenses_mtd_usd": money(sum(spent)),
        }

    # -- AI helpers: deterministic templates over the state (no model, no network) ------------
    async def ai_vendor_summary(self, body: dict[str, Any]) -> Record:
        vendor = self.find("vendors", body["vendor_id"])
        orders = self.rows("work_orders", vendor_id=vendor["id"])
        done = [w for w in orders if w["status"] == "completed"]
        still_open = [w for w in orders if w["status"] in OPEN_WORK]
        costs = [w["cost_usd"] for w in done if w["cost_usd"] is not None]
        durations = []
        for order in done:
            start, end = to_datetime(order["created_at"]), to_datetime(order["completed_at"])
            if start and end:
                durations.append(max(0.0, (end - start).total_seconds() / 86400))
        spend = money(sum(costs))
        average = money(sum(costs) / len(costs)) if costs else None
        speed = round(sum(durations) / len(durations), 1) if durations else None
        text = f"{vendor['name']} completed {len(done)} of {len(orders)} work orders"
        text += f", typically within {speed} days" if speed is not None else ""
        text += f", at an average of {fmt_usd(average)}." if average is not None else "."
        text += {0: " No job is open.", 1: " One job is still open."}.get(
            len(still_open), f" {len(still_open)} jobs are still open."
        )
        return {
            "vendor_id": vendor["id"],
            "vendor_name": vendor["name"],
            "summary": text,
            "work_orders_total": len(orders),
            "work_orders_completed": len(done),
            "work_orders_open": len(still_open),
            "total_spend_usd": spend,
            "average_cost_usd": average,
            "average_days_to_complete": speed,
            "generated_at": self.now(),
        }

    async def ai_delinquency_prioritizer(self, body: object = None) -> Record:
        body = optional_body(body)
        if body.get("property_id") is not None:
            self.find("properties", body["property_id"])
        rows = self.aging(body.get("property_id"))
        by_lease: dict[str, list[Record]] = {}
        for payment in self.rows("rent_payments"):
            by_lease.setdefault(payment["lease_id"], []).append(payment)
        planned = {
            payment_id
            for plan in self.rows("payment_plans")
            if plan["status"] in ("proposed", "accepted")
            for payment_id in plan["payment_ids"]
        }
        ranked = [self._prioritise(r, by_lease[r["_lease_id"]], planned) for r in rows]
        ranked.sort(key=lambda r: (-r["risk_score"], -r["amount_usd"], r["payment_id"]))
        top = ranked[: body.get("max_results", 10)]
        rows = [{"rank": rank, **row} for rank, row in enumerate(top, start=1)]
        return {"generated_at": self.now(), "rows": rows}

    @staticmethod
    def _prioritise(row: Record, payments: list[Record], planned: set[str]) -> Record:
        """Risk from how late, how many periods are unpaid and the lease's payment history."""
        late = [p for p in payments if p["status"] == "late"]
        paid = [p for p in payments if p["status"] == "paid"]
        on_time = sum(1 for p in paid if p["days_late"] == 0)
        history = on_time / len(paid) if paid else 0.5
        days = row["days_late"]
        risk = 0.1 + min(days, 120) / 120 * 0.5 + min(len(late) - 1, 3) * 0.08
        risk = round(min(1.0, max(0.0, risk + (1 - history) * 0.15)), 2)
        covered = row["payment_id"] in planned
        if covered:
            action = "call_tenant"
        elif days <= 7:
            action = "send_reminder"
        elif days <= 30:
            action = "call_tenant"
        elif days <= 90:
            action = "offer_payment_plan"
        else:
            action = "serve_notice"
        owed = money(sum(p["amount_usd"] for p in late))
        why = f"{len(late)} unpaid period(s) totalling {fmt_usd(owed)} on this lease; "
        why += f"this one is {days} days late; {on_time} of {len(paid)} earlier payments on time."
        if covered:
            why += " A payment plan already covers it: follow up on the plan."
        return {
            "payment_id": row["payment_id"],
            "lease_id": row["_lease_id"],
            "tenant_id": row["_tenant_id"],
            "tenant_name": row["tenant_name"],
            "property_name": row["property_name"],
            "unit_label": row["unit_label"],
            "amount_usd": row["amount"],
            "days_late": days,
            "risk_score": risk,
            "recommended_action": action,
            "rationale": why,
        }
