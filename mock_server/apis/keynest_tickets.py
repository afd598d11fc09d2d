"""KeyNest maintenance tickets: list, open, update; tenants and contractors see their own."""

from __future__ import annotations

from typing import Any

from mock_server.apis.keynest_common import PROPERTIES, TENANTS, TICKETS, KeyNestBase, json_body
from mock_server.errors import ApiError

TICKET_FIELDS = (
    "id", "title", "description", "status", "propertyId", "unitId",
    "contractor", "cost", "createdAt", "updatedAt",
)  # fmt: skip


class TicketsMixin(KeyNestBase):
    def _contractor_name(self) -> str | None:
        """Inferred narrowing: a contractor session sees the tickets assigned to its company
        (the ticket's free-text `contractor` equals the contractor user's name; a session
        without one matches no ticket)."""
        if self.role() != "contractor":
            return None
        return str(self.caller().get("contractor") or "\x00nobody")

    async def list_tickets(
        self, property_id: str | None = None, status: str | None = None
    ) -> list[dict[str, Any]]:
        return self.scoped(
            TICKETS, propertyId=property_id, status=status, contractor=self._contractor_name()
        )

    async def create_ticket(self, body: Any) -> tuple[dict[str, Any], int]:
        body = json_body(body)
        prop = self.find(PROPERTIES, body["propertyId"], "Property")
        unit_id = body.get("unitId")
        if unit_id is not None and not any(u["id"] == unit_id for u in prop["units"]):
            raise ApiError(404, f"Unit {unit_id} not found in property {prop['id']}")
        if self.role() == "tenant":
            self._check_tenant_may_report(prop["id"], unit_id)
        now = self.stamp()
        ticket = {
            "id": self.ids.alnum("tk", TICKETS, 16),
            "title": body["title"],
            "description": body.get("description"),
            "status": "Open",
            "propertyId": prop["id"],
            "unitId": unit_id,
            "createdAt": now,
            "updatedAt": now,
        }
        return self.save(TICKETS, {k: v for k, v in ticket.items() if v is not None}), 201

    def _check_tenant_may_report(self, property_id: str, unit_id: str | None) -> None:
        """Inferred: a tenant reports problems in their own building, for their own unit or a
        common area (no unitId), never for another tenant's unit."""
        tenant_id = self.caller().get("tenant_id")
        tenant = self.store.get(self.api, TENANTS, tenant_id) if tenant_id else None
        if tenant is None or tenant["propertyId"] != property_id:
            raise ApiError(403, "A tenant may only open tickets for their own property")
        if unit_id is not None and unit_id != tenant["unitId"]:
            raise ApiError(403, "A tenant may only open tickets for their own unit")

    async def update_ticket(self, id_: str, body: Any) -> dict[str, Any]:
        body = json_body(body)
        ticket = self.find(TICKETS, id_, "Ticket")
        mine = self._contractor_name()
        if mine is not None:
            if ticket.get("contractor") != mine:
                raise ApiError(404, f"Ticket {id_} not found")  # not assigned: not visible
            if body.get("contractor", mine) != mine:
                raise ApiError(403, "A contractor may not reassign a ticket")
        ticket = {**ticket, **body, "updatedAt": self.stamp()}
        return self.save(TICKETS, {k: ticket[k] for k in TICKET_FIELDS if k in ticket})
