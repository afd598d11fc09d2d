"""Aptoria properties, units and vendors (read-only) and tenants (add, read, remove)."""

from __future__ import annotations

from typing import Any

from mock_server.apis.aptoria_base import AptoriaBase, Record
from mock_server.errors import ApiError


def display_name(first: str, last: str) -> str:
    """First name and last initial, the form A/R aging prints (`Maya R.`)."""
    return f"{first} {last[:1]}." if last else first


class PortfolioHandlers(AptoriaBase):
    # -- properties and units -----------------------------------------------------------
    async def list_properties(self, limit: int = 50, offset: int = 0) -> Record:
        return self.page(self.rows("properties"), limit, offset, key=lambda p: p["name"])

    async def get_property(self, property_id: str) -> Record:
        return self.find("properties", property_id)

    async def list_units(
        self,
        limit: int = 50,
        offset: int = 0,
        property_id: str | None = None,
        status: str | None = None,
    ) -> Record:
        self.sync()  # lease expiry frees units
        names = {p["id"]: p["name"] for p in self.rows("properties")}
        units = self.rows("units", property_id=property_id, status=status)
        return self.page(
            units, limit, offset, key=lambda u: (names.get(u["property_id"], ""), u["label"])
        )

    async def get_unit(self, unit_id: str) -> Record:
        self.sync()
        return self.find("units", unit_id)

    # -- vendors --------------------------------------------------------------------------
    async def list_vendors(
        self, limit: int = 50, offset: int = 0, trade: str | None = None
    ) -> Record:
        return self.page(self.rows("vendors", trade=trade), limit, offset, key=lambda v: v["name"])

    async def get_vendor(self, vendor_id: str) -> Record:
        return self.find("vendors", vendor_id)

    # -- tenants --------------------------------------------------------------------------
    async def list_tenants(
        self,
        limit: int = 50,
        offset: int = 0,
        property_id: str | None = None,
        unit_id: str | None = None,
    ) -> Record:
        # Removed tenants stay in the store for the history of leases and payments, unlisted.
        tenants = self.rows("tenants", property_id=property_id, unit_id=unit_id, status="active")
        return self.page(tenants, limit, offset, key=lambda t: t["created_at"], reverse=True)

    async def get_tenant(self, tenant_id: str) -> Record:
        return self.find("tenants", tenant_id, status="active")

    async def create_tenant(self, body: dict[str, Any]) -> tuple[Record, int]:
        unit = self.unit_in(None, body.get("unit_id"))
        tenant = {
            "id": self.new_id("t", "tenants"),
            "first_name": body["first_name"],
            "last_name": body["last_name"],
            "display_name": display_name(body["first_name"], body["last_name"]),
            "email": body["email"],
            "phone": body.get("phone"),
            "property_id": unit["property_id"] if unit else None,
            "unit_id": unit["id"] if unit else None,
            "status": "active",
            "created_at": self.now(),
            "removed_at": None,
        }
        self.save("tenants", tenant)
        self.publish(
            "tenant.added",
            {
                "tenant_id": tenant["id"],
                "display_name": tenant["display_name"],
                "email": tenant["email"],
                "property_id": tenant["property_id"],
                "unit_id": tenant["unit_id"],
                "added_at": tenant["created_at"],
            },
        )
        return tenant, 201

    async def remove_tenant(self, tenant_id: str) -> Record:
        tenant = self.find("tenants", tenant_id, status="active")
        self.sync()  # a lease past its end date no longer holds the tenant
        for status in ("draft", "active"):
            for lease in self.rows("leases", status=status):
                if tenant_id in lease["tenant_ids"]:
                    raise ApiError(
                        409,
                        f"Tenant {tenant_id} is on {status} lease {lease['id']}; "
                        "terminate the lease first.",
                    )
        removed = {**tenant, "status": "removed", "removed_at": self.now()}
        self.save("tenants", removed)
        self.publish(
            "tenant.removed",
            {
                "tenant_id": tenant_id,
                "property_id": tenant["property_id"],
                "unit_id": tenant["unit_id"],
                "removed_at": removed["removed_at"],
            },
        )
        return removed
