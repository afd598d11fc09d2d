"""Aptoria work orders, inspections and expenses."""

from __future__ import annotations

from typing import Any

from mock_server.apis.aptoria_base import AptoriaBase, Record, parse_date, parse_stamp
from mock_server.apis.aptoria_ledger import money
from mock_server.errors import ApiError

# Work orders move forward only (inferred); any open state may be cancelled.
PROGRESS = {"open": 0, "scheduled": 1, "in_progress": 2, "completed": 3}
FINAL = ("completed", "cancelled")


class OperationsHandlers(AptoriaBase):
    # -- work orders ----------------------------------------------------------------------
    async def list_work_orders(
        self,
        limit: int = 50,
        offset: int = 0,
        unit_id: str | None = None,
        property_id: str | None = None,
        status: str | None = None,
    ) -> Record:
        found = self.rows("work_orders", unit_id=unit_id, property_id=property_id, status=status)
        return self.page(found, limit, offset, key=lambda w: w["created_at"], reverse=True)

    async def get_work_order(self, work_order_id: str) -> Record:
        return self.find("work_orders", work_order_id)

    async def create_work_order(self, body: dict[str, Any]) -> tuple[Record, int]:
        scheduled = body.get("scheduled_for")
        scheduled = parse_stamp(scheduled, "scheduled_for") if scheduled is not None else None
        self.unit_in(body["property_id"], body.get("unit_id"))
        if body.get("vendor_id") is not None:
            self.find("vendors", body["vendor_id"])
        if body.get("reported_by_tenant_id") is not None:
            self.find("tenants", body["reported_by_tenant_id"], status="active")
        now = self.now()
        order = {
            "id": self.new_id("wo", "work_orders"),
            "property_id": body["property_id"],
            "unit_id": body.get("unit_id"),
            "title": body["title"],
            "description": body.get("description", ""),
            "category": body.get("category", "general"),
            "priority": body.get("priority", "normal"),
            "status": "scheduled" if scheduled else "open",
            "vendor_id": body.get("vendor_id"),
            "reported_by_tenant_id": body.get("reported_by_tenant_id"),
            "scheduled_for": scheduled,
            "cost_usd": None,
            "completion_notes": None,
            "completed_at": None,
            "created_at": now,
            "updated_at": now,
        }
        self.save("work_orders", order)
        self.publish(
            "work_order.created",
            {
                "work_order_id": order["id"],
                **{k: order[k] for k in ("property_id", "unit_id", "title", "category")},
                "priority": order["priority"],
                "created_at": now,
            },
        )
        return order, 201

    async def update_work_order(self, work_order_id: str, body: dict[str, Any]) -> Record:
        raw_date = body.get("scheduled_for")
        scheduled = parse_stamp(raw_date, "scheduled_for") if raw_date is not None else None
        order = self.find("work_orders", work_order_id)
        current = order["status"]
        if current in FINAL:
            raise ApiError(409, f"Work order {work_order_id} is {current} and can't be changed.")
        target = str(body.get("status") or current)
        if target != "cancelled" and PROGRESS[target] < PROGRESS[current]:
            raise ApiError(
                409, f"Work order {work_order_id} can't go back from {current} to {target}."
            )
        changed = dict(order)
        if "vendor_id" in body:
            if body["vendor_id"] is not None:
                self.find("vendors", body["vendor_id"])
            changed["vendor_id"] = body["vendor_id"]
        if "scheduled_for" in body:
            changed["scheduled_for"] = scheduled
            if scheduled is not None and "status" not in body and current == "open":
                target = "scheduled"  # as on create: a date makes an open order scheduled
        for field in ("title", "description", "priority", "completion_notes"):
            if field in body:
                changed[field] = body[field]
        if "cost_usd" in body:
            changed["cost_usd"] = money(body["cost_usd"])
        now = self.now()
        changed.update(status=target, updated_at=now)
        if target == "completed":
            changed["completed_at"] = now
        self.save("work_orders", changed)
        if target == "completed":
            self.publish(
                "work_order.completed",
                {
                    "work_order_id": work_order_id,
                    **{k: changed[k] for k in ("property_id", "unit_id", "vendor_id", "cost_usd")},
                    "completed_at": now,
                },
            )
        return changed

    # -- inspections ----------------------------------------------------------------------
    async def list_inspections(
        self,
        limit: int = 50,
        offset: int = 0,
        property_id: str | None = None,
        unit_id: str | None = None,
        status: str | None = None,
    ) -> Record:
        found = self.rows("inspections", property_id=property_id, unit_id=unit_id, status=status)
        return self.page(found, limit, offset, key=lambda i: i["scheduled_for"], reverse=True)

    async def get_inspection(self, inspection_id: str) -> Record:
        return self.find("inspections", inspection_id)

    async def create_inspection(self, body: dict[str, Any]) -> tuple[Record, int]:
        scheduled = parse_stamp(body["scheduled_for"], "scheduled_for")
        self.unit_in(body["property_id"], body.get("unit_id"))
        inspection = {
            "id": self.new_id("insp", "inspections"),
            "property_id": body["property_id"],
            "unit_id": body.get("unit_id"),
            "inspection_type": body["inspection_type"],
            "status": "scheduled",
            "scheduled_for": scheduled,
            "inspector_name": body.get("inspector_name"),
            "result": None,
            "notes": None,
            "completed_at": None,
            "created_at": self.now(),
        }
        return self.save("inspections", inspection), 201

    async def complete_inspection(self, inspection_id: str, body: dict[str, Any]) -> Record:
        raw = body.get("completed_at")
        completed_at = parse_stamp(raw, "completed_at") if raw is not None else self.now()
        inspection = self.find("inspections", inspection_id)
        if inspection["status"] != "scheduled":
            raise ApiError(409, f"Inspection {inspection_id} is already completed.")
        done = {
            **inspection,
            "status": "completed",
            "result": body["result"],
            "notes": body.get("notes"),
            "completed_at": completed_at,
        }
        self.save("inspections", done)
        self.publish(
            "inspection.completed",
            {
                "inspection_id": inspection_id,
                **{k: done[k] for k in ("property_id", "unit_id", "inspection_type", "result")},
                "completed_at": done["completed_at"],
            },
        )
        return done

    # -- expenses -------------------------------------------------------------------------
    async def list_expenses(
        self,
        limit: int = 50,
        offset: int = 0,
        property_id: str | None = None,
        category_id: str | None = None,
        paid_on_from: str | None = None,
        paid_on_to: str | None = None,
    ) -> Record:
        start = parse_date(paid_on_from, "paid_on_from").isoformat() if paid_on_from else None
        end = parse_date(paid_on_to, "paid_on_to").isoformat() if paid_on_to else None
        found = [
            e
            for e in self.rows("expenses", property_id=property_id, category_id=category_id)
            if (start is None or e["paid_on"] >= start) and (end is None or e["paid_on"] <= end)
        ]
        return self.page(
            found, limit, offset, key=lambda e: (e["paid_on"], e["created_at"]), reverse=True
        )

    async def get_expense(self, expense_id: str) -> Record:
        return self.find("expenses", expense_id)

    async def create_expense(self, body: dict[str, Any]) -> tuple[Record, int]:
        # `action: add_entry` is the documented discriminator; the schema admits nothing else.
        paid_on = parse_date(body["paid_on"], "paid_on").isoformat()
        self.unit_in(body["property_id"], body.get("unit_id"))
        expense = {
            "id": self.new_id("exp", "expenses"),
            "property_id": body["property_id"],
            "unit_id": body.get("unit_id"),
            "category_id": body["category_id"],
            "label": body["label"],
            "amount_usd": money(body["amount_usd"]),
            "paid_on": paid_on,
            "vendor": body.get("vendor"),
            "created_at": self.now(),
        }
        return self.save("expenses", expense), 201
