"""KeyNest properties: the portfolio, each property's units, and delete (refused while in use)."""

from __future__ import annotations

from typing import Any

from mock_server.apis.keynest_common import (
    PROPERTIES,
    TENANTS,
    TICKETS,
    KeyNestBase,
    json_body,
)
from mock_server.errors import ApiError


def address_record(given: dict[str, Any]) -> dict[str, Any]:
    """The stored address, in a fixed key order; `province` defaults to ON (Ontario-first API)."""
    return {
        "street": given["street"],
        "city": given["city"],
        "province": given.get("province", "ON"),
        "postalCode": given["postalCode"],
    }


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def summary(prop: dict[str, Any]) -> dict[str, Any]:
    """The list shape: `units` as a count (documented: `{id, name, units: 6}`)."""
    return {**prop, "units": len(prop["units"])}


class PropertiesMixin(KeyNestBase):
    def property_detail(self, prop: dict[str, Any]) -> dict[str, Any]:
        """`units` as an array, each unit with its active tenant (the oldest, if several share it).

        Computed at read time rather than stored, so it cannot drift from the tenant records."""
        occupant: dict[str, str] = {}
        for tenant in self.scoped(TENANTS, propertyId=prop["id"], status="Active"):
            occupant.setdefault(tenant["unitId"], tenant["id"])
        units = [
            {**unit, "tenantId": occupant[unit["id"]]} if unit["id"] in occupant else unit
            for unit in prop["units"]
        ]
        return {**prop, "units": units}

    def visible_property(self, id: str) -> dict[str, Any]:
        prop = self.find(PROPERTIES, id, "Property")
        if self.role() == "contractor":
            # Inferred narrowing: a contractor sees only properties where a ticket is assigned to
            # them (they need the address for the job, not the rest of the portfolio).
            name = self.caller().get("contractor")
            if not name or not self.scoped(TICKETS, propertyId=id, contractor=name):
                raise ApiError(404, f"Property {id} not found")
        return prop

    async def list_properties(self) -> list[dict[str, Any]]:
        return [summary(p) for p in self.scoped(PROPERTIES)]

    async def create_property(self, body: Any) -> tuple[dict[str, Any], int]:
        body = json_body(body)
        prop_id = self.ids.alnum("p", PROPERTIES, 16)
        count = int(body.get("units", 1))
        prop: dict[str, Any] = {
            "id": prop_id,
            "name": body["name"],
            # Inferred: N units named "Unit 1" ... "Unit N"; bedrooms and rent are unknown yet.
            "units": [
                {"id": self.ids.alnum("unit", "units", 16), "name": f"Unit {n}"}
                for n in range(1, count + 1)
            ],
        }
        if "address" in body:
            prop["address"] = address_record(body["address"])
        prop["createdAt"] = prop["updatedAt"] = self.stamp()
        self.save(PROPERTIES, prop)
        return self.property_detail(prop), 201

    async def get_property(self, id_: str) -> dict[str, Any]:
        return self.property_detail(self.visible_property(id_))

    async def update_property(self, id_: str, body: Any) -> dict[str, Any]:
        body = json_body(body)
        prop = self.find(PROPERTIES, id_, "Property")
        if "name" in body:
            prop["name"] = body["name"]
        if "address" in body:  # an address sent replaces the whole address
            prop["address"] = address_record(body["address"])
        prop["updatedAt"] = self.stamp()
        # Re-insert in the documented key order (address before the stamps).
        ordered: dict[str, Any] = {
            k: prop[k] for k in ("id", "name", "units", "address") if k in prop
        }
        prop = {**ordered, "createdAt": prop["createdAt"], "updatedAt": prop["updatedAt"]}
        self.save(PROPERTIES, prop)
        return self.property_detail(prop)

    async def delete_property(self, id_: str) -> dict[str, Any]:
        self.find(PROPERTIES, id_, "Property")
        # Inferred (the docs say only "Remove a property from the portfolio"): the property goes
        # with its units, but not while tenants or tickets name it. KeyNest has no operation that
        # deletes those, and removing them behind the caller's back would turn an id the caller
        # just created into a 404; leaving them would point them at nothing. So: 409 until then.
        tenants = len(self.scoped(TENANTS, propertyId=id_))
        tickets = len(self.scoped(TICKETS, propertyId=id_))
        if tenants or tickets:
            raise ApiError(
                409,
                f"Property {id_} still has {plural(tenants, 'tenant')} and "
                f"{plural(tickets, 'ticket')}; it can be removed once nothing refers to it",
            )
        self.store.delete(self.api, PROPERTIES, id_)
        return {"ok": True}
