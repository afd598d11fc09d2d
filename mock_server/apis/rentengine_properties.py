"""RentEngine multifamily properties and floorplans (upserts by `id`), subteams, templates."""

from __future__ import annotations

from typing import Any

from mock_server.apis.rentengine_common import (
    FLOORPLANS,
    MULTIFAMILY,
    SUBTEAMS,
    TEMPLATES,
    RentEngineBase,
)

# What an inserted floorplan or property starts with where the body is silent.
FLOORPLAN_DEFAULTS = (
    ("name", None), ("bedroom_count", None), ("bathroom_count", None), ("unit_count", None),
    ("units_available", None), ("market_rent", None), ("min_sqft", None), ("max_sqft", None),
    ("deleted", False), ("description", None),
)  # fmt: skip


class PropertiesMixin(RentEngineBase):
    # -- multifamily properties --------------------------------------------------------------
    async def list_multifamily_properties(
        self,
        multifamily_property_ids: list[str] | None = None,
        account_id: str | None = None,
        limit: int = 50,
        page_number: int = 0,
    ) -> list[dict[str, Any]]:
        query = self.query(MULTIFAMILY, self.scope(account_id)).where_in(
            "id", multifamily_property_ids
        )
        return self.page(query, limit, page_number)  # type: ignore[no-any-return]

    async def get_multifamily_property(self, multifamily_property_id: str) -> dict[str, Any]:
        return self.find(MULTIFAMILY, multifamily_property_id, "Multifamily property")

    async def upsert_multifamily_property(self, body: dict[str, Any]) -> tuple[dict[str, Any], int]:
        """No `id`: insert (201); an `id`: update (200), 404 when unknown. The account must be
        one the token can see (404 otherwise); a property may move between such accounts."""
        account = self.account(body["account_id"])
        with self.store.transaction():
            if "id" in body:
                prop = {**self.find(MULTIFAMILY, body["id"], "Multifamily property"), **body}
                status = 200
            else:
                defaults: dict[str, Any] = {
                    "description": None,
                    "external_ids": {},
                    "deleted": False,
                }
                prop = {"id": self.ids.uuid(MULTIFAMILY), **defaults, **body}
                status = 201
            self.save(MULTIFAMILY, prop, account)
            if status == 200:
                # Floorplans live in their property's account: they move with it.
                for plan in self.store.list(
                    self.api, FLOORPLANS, where={"multifamily_property_id": prop["id"]}
                ):
                    self.save(FLOORPLANS, plan, account)
        return prop, status

    # -- floorplans ---------------------------------------------------------------------------
    async def list_floorplans(
        self,
        floorplan_ids: list[str] | None = None,
        multifamily_property_ids: list[str] | None = None,
        limit: int = 50,
        page_number: int = 0,
    ) -> list[dict[str, Any]]:
        query = (
            self.query(FLOORPLANS, self.accounts())
            .where_in("id", floorplan_ids)
            .where_in("multifamily_property_id", multifamily_property_ids)
        )
        return self.page(query, limit, page_number)  # type: ignore[no-any-return]

    async def get_floorplan(self, floorplan_id: str) -> dict[str, Any]:
        return self.find(FLOORPLANS, floorplan_id, "Floorplan")

    async def upsert_floorplan(self, body: dict[str, Any]) -> tuple[dict[str, Any], int]:
        """Upsert by `id`; the floorplan belongs to (and may move to) a visible property."""
        prop = self.find(MULTIFAMILY, body["multifamily_property_id"], "Multifamily property")
        account = self.owner(MULTIFAMILY, prop["id"])
        with self.store.transaction():
            if "id" in body:
                plan = {**self.find(FLOORPLANS, body["id"], "Floorplan"), **body}
                status = 200
            else:
                plan = {"id": self.ids.uuid(FLOORPLANS), **dict(FLOORPLAN_DEFAULTS), "photos": []}
                plan.update(body)
                status = 201
            self.save(FLOORPLANS, plan, account)
        return plan, status

    # -- subteams and prescreening templates ---------------------------------------------------
    async def list_subteams(
        self,
        subteam_ids: list[str] | None = None,
        account_id: str | None = None,
        limit: int = 50,
        page_number: int = 0,
    ) -> list[dict[str, Any]]:
        query = self.query(SUBTEAMS, self.scope(account_id)).where_in("id", subteam_ids)
        return self.page(query, limit, page_number)  # type: ignore[no-any-return]

    async def get_subteam(self, subteam_id: str) -> dict[str, Any]:
        return self.find(SUBTEAMS, subteam_id, "Subteam")

    async def list_prescreening_templates(
        self,
        template_ids: list[str] | None = None,
        account_id: str | None = None,
        is_default: bool | None = None,
        limit: int = 50,
        page_number: int = 0,
    ) -> list[dict[str, Any]]:
        query = (
            self.query(TEMPLATES, self.scope(account_id))
            .where_in("id", template_ids)
            .where("isDefault", is_default)
        )
        return self.page(query, limit, page_number)  # type: ignore[no-any-return]

    async def get_prescreening_template(self, template_id: str) -> dict[str, Any]:
        return self.find(TEMPLATES, template_id, "Prescreening template")
