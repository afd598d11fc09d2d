"""Aptoria rent payments (list, read, record) and payment plans (list, read, propose)."""

from __future__ import annotations

from typing import Any

from mock_server.apis.aptoria_base import AptoriaBase, Record, parse_date, parse_stamp, to_datetime
from mock_server.apis.aptoria_ledger import (
    due_date,
    first_period,
    lease_end,
    money,
    new_payment,
    present,
)
from mock_server.errors import ApiError


class RentHandlers(AptoriaBase):
    # -- rent payments --------------------------------------------------------------------
    async def list_rent_payments(
        self,
        limit: int = 50,
        offset: int = 0,
        lease_id: str | None = None,
        tenant_id: str | None = None,
        status: str | None = None,
        period_label: str | None = None,
    ) -> Record:
        today = self.sync().date()
        found = self.rows(
            "rent_payments",
            lease_id=lease_id,
            tenant_id=tenant_id,
            status=status,
            period_label=period_label,
        )
        page = self.page(found, limit, offset, key=lambda p: p["due_date"], reverse=True)
        page["rows"] = [present(p, today) for p in page["rows"]]
        return page

    async def get_rent_payment(self, payment_id: str) -> Record:
        today = self.sync().date()
        return present(self.find("rent_payments", payment_id), today)

    async def record_rent_payment(self, body: dict[str, Any]) -> tuple[Record, int]:
        raw = body.get("paid_at")
        paid_at = parse_stamp(raw, "paid_at") if raw is not None else self.now()
        period = body["period_label"]
        self.sync()
        lease = self.find("leases", body["lease_id"])
        if lease["status"] == "draft":
            raise ApiError(409, f"Lease {lease['id']} is a draft; sign it before recording rent.")
        # Inferred: only a period of the lease's term can be paid (its due date falls between
        # the start date and the end or termination date).
        due, end = due_date(period, lease["rent_due_day"]), lease_end(lease)
        first = first_period(parse_date(lease["start_date"], "start_date"), lease["rent_due_day"])
        if due is None or first is None or period < first or (end is not None and due > end):
            raise ApiError(409, f"Period {period} is outside the term of lease {lease['id']}.")
        existing = self.rows("rent_payments", lease_id=lease["id"], period_label=period)
        if any(p["status"] == "paid" for p in existing):
            raise ApiError(409, f"Rent for {period} on lease {lease['id']} is already paid.")
        # An open (due or late) payment for the period is settled; otherwise one is created.
        payment = (
            existing[0] if existing else new_payment(self.ids, lease, period, due, self.clock.now())
        )
        moment = to_datetime(paid_at)
        paid_day = moment.date() if moment else self.today()
        payment = {
            **payment,
            "status": "paid",
            "days_late": max(0, (paid_day - due).days),
            "amount_paid_usd": money(body["amount_usd"]),
            "paid_at": paid_at,
            "method": body["method"],
            "reference": body.get("reference"),
        }
        self.save("rent_payments", payment)
        self.publish(
            "rent.paid",
            {
                "payment_id": payment["id"],
                "lease_id": lease["id"],
                "amount_usd": payment["amount_paid_usd"],
                "period_label": period,
                "paid_at": paid_at,
            },
        )
        return payment, 201

    # -- payment plans --------------------------------------------------------------------
    async def list_payment_plans(
        self,
        limit: int = 50,
        offset: int = 0,
        lease_id: str | None = None,
        status: str | None = None,
    ) -> Record:
        found = self.rows("payment_plans", lease_id=lease_id, status=status)
        return self.page(found, limit, offset, key=lambda p: p["proposed_at"], reverse=True)

    async def get_payment_plan(self, payment_plan_id: str) -> Record:
        return self.find("payment_plans", payment_plan_id)

    async def propose_payment_plan(self, body: dict[str, Any]) -> tuple[Record, int]:
        installments: list[dict[str, Any]] = [
            {
                "due_date": parse_date(item["due_date"], "due_date").isoformat(),
                "amount_usd": money(item["amount_usd"]),
            }
            for item in body["installments"]
        ]
        self.sync()
        lease = self.find("leases", body["lease_id"])
        payment_ids = body.get("payment_ids")
        if payment_ids is None:
            late = self.rows("rent_payments", lease_id=lease["id"], status="late")
            payment_ids = [p["id"] for p in sorted(late, key=lambda p: p["due_date"])]
            if not payment_ids:
                raise ApiError(409, f"Lease {lease['id']} has no late payments to plan.")
        for payment_id in payment_ids:
            payment = self.find("rent_payments", payment_id)
            if payment["lease_id"] != lease["id"]:
                raise ApiError(409, f"Rent payment {payment_id} belongs to another lease.")
            if payment["status"] != "late":
                raise ApiError(409, f"Rent payment {payment_id} is {payment['status']}, not late.")
        plan = {
            "id": self.new_id("pp", "payment_plans"),
            "lease_id": lease["id"],
            "tenant_id": lease["tenant_ids"][0],
            "payment_ids": list(payment_ids),
            "status": "proposed",
            "total_amount_usd": money(sum(i["amount_usd"] for i in installments)),
            "installments": installments,
            "note": body.get("note"),
            "proposed_at": self.now(),
        }
        self.save("payment_plans", plan)
        self.publish(
            "payment_plan.proposed",
            {
                "payment_plan_id": plan["id"],
                "lease_id": lease["id"],
                "tenant_id": plan["tenant_id"],
                "total_amount_usd": plan["total_amount_usd"],
                "installment_count": len(installments),
                "first_due_date": min(i["due_date"] for i in installments),
                "proposed_at": plan["proposed_at"],
            },
        )
        return plan, 201
