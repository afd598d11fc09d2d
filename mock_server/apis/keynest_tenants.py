"""KeyNest tenants and rent payments: lists with filters, create, update."""

from __future__ import annotations

from typing import Any

from mock_server.apis.keynest_common import (
    PAYMENTS,
    PROPERTIES,
    TENANTS,
    KeyNestBase,
    check_dates,
    json_body,
)
from mock_server.errors import ApiError

TENANT_FIELDS = (
    "id", "name", "status", "email", "phone", "propertyId", "unitId",
    "leaseStart", "leaseEnd", "rent", "createdAt", "updatedAt",
)  # fmt: skip
PAYMENT_FIELDS = (
    "id", "tenantId", "amount", "period", "status", "paidAt", "method", "createdAt", "updatedAt",
)  # fmt: skip
UNPAID = ("Overdue", "Pending")


def ordered(record: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    """The record in the spec's field order, absent optional fields left out."""
    return {k: record[k] for k in fields if record.get(k) is not None}


class TenantsMixin(KeyNestBase):
    # -- tenants ---------------------------------------------------------------------------
    async def list_tenants(
        self, property_id: str | None = None, status: str | None = None
    ) -> list[dict[str, Any]]:
        # A well-formed but unknown propertyId matches nothing: an empty list, not a 404.
        return self.scoped(TENANTS, propertyId=property_id, status=status)

    async def create_tenant(self, body: Any) -> tuple[dict[str, Any], int]:
        body = json_body(body)
        check_dates(body, ("leaseStart", "leaseEnd"))
        prop = self.find(PROPERTIES, body["propertyId"], "Property")
        if not any(unit["id"] == body["unitId"] for unit in prop["units"]):
            raise ApiError(404, f"Unit {body['unitId']} not found in property {prop['id']}")
        now = self.stamp()
        tenant = ordered(
            {
                **body,
                "id": self.ids.alnum("t", TENANTS, 16),
                "status": body.get("status", "Active"),
                "createdAt": now,
                "updatedAt": now,
            },
            TENANT_FIELDS,
        )
        return self.save(TENANTS, tenant), 201

    async def update_tenant(self, id_: str, body: Any) -> dict[str, Any]:
        body = json_body(body)
        check_dates(body, ("leaseStart", "leaseEnd"))
        tenant = self.find(TENANTS, id_, "Tenant")
        # The unit is not changeable here (TenantUpdate has no propertyId/unitId).
        tenant = ordered({**tenant, **body, "updatedAt": self.stamp()}, TENANT_FIELDS)
        return self.save(TENANTS, tenant)

    # -- payments --------------------------------------------------------------------------
    async def list_payments(
        self, tenant_id: str | None = None, period: str | None = None, status: str | None = None
    ) -> list[dict[str, Any]]:
        return self.scoped(PAYMENTS, tenantId=tenant_id, period=period, status=status)

    async def create_payment(self, body: Any) -> tuple[dict[str, Any], int]:
        body = json_body(body)
        check_dates(body, ("paidAt",))
        self.find(TENANTS, body["tenantId"], "Tenant")
        now = self.stamp()
        payment = ordered(
            {
                **body,
                "id": self.ids.alnum("pay", PAYMENTS, 16),
                "status": body.get("status", "Paid"),
                "paidAt": body.get("paidAt", now),  # inferred default: today
                "createdAt": now,
                "updatedAt": now,
            },
            PAYMENT_FIELDS,
        )
        return self.save(PAYMENTS, payment), 201

    async def update_payment(self, id_: str, body: Any) -> dict[str, Any]:
        body = json_body(body)
        check_dates(body, ("paidAt",))
        payment = {**self.find(PAYMENTS, id_, "Payment"), **body, "updatedAt": self.stamp()}
        if body["status"] in UNPAID:
            # Inferred: `paidAt`/`method` describe money received; marking the payment unpaid
            # drops them unless they are sent with the new status.
            for field in ("paidAt", "method"):
                if field not in body:
                    payment.pop(field, None)
        elif "paidAt" not in payment:
            payment["paidAt"] = self.stamp()  # marked Paid/Partial without a date: today
        return self.save(PAYMENTS, ordered(payment, PAYMENT_FIELDS))
