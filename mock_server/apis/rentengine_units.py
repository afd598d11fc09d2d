"""RentEngine units: list, upsert (no `id` inserts, an `id` updates), read, marketing listings."""

from __future__ import annotations

from typing import Any

from mock_server.apis.rentengine_common import (
    FLOORPLANS,
    MULTIFAMILY,
    TEMPLATES,
    UNITS,
    RentEngineBase,
    bound,
    not_found,
    number_text,
    optional_instant,
)
from mock_server.state.seed_rentengine import UNIT_ID_START, address_id_of

# Nullable fields a new unit starts with (the seeded units carry the same keys), so an
# inserted unit reads like any other. Lists start empty.
UNIT_NULLS = (
    "extracted_from", "bedrooms", "bathrooms", "sqft", "num_parking_spots", "furnished",
    "renovated", "laundry", "is_occupied", "earliest_showing_date", "earliest_move_in_date",
    "security_deposit_amount", "security_deposit_amount_max", "year_built", "pets_allowed",
    "pet_restrictions", "allow_cooperating_brokers", "hoa_app_required", "hoa_app_fee",
    "hoa_application_url", "marketing_description", "custom_application_url",
    "min_resident_qualifications", "key_access", "showing_method",
    "structured_access_instructions", "accepts_vouchers", "has_elevator", "floor_number",
    "storm_protection", "internal_notes", "commission_amount", "prescreen_template_id",
    "multifamily_property_id", "floorplan_id",
)  # fmt: skip
UNIT_LISTS = (
    "amenities", "highlighted_amenities", "pet_fees", "monthly_fees", "move_in_fees",
    "utilities_included", "parking_type", "desired_lease_duration_months", "marketing_photos",
)  # fmt: skip


class UnitsMixin(RentEngineBase):
    async def list_units(
        self,
        unit_ids: list[int] | None = None,
        extracted_from: str | None = None,
        account_id: str | None = None,
        statuses: list[str] | None = None,
        city: str | None = None,
        zip_codes: list[str] | None = None,
        updated_after: str | None = None,
        updated_before: str | None = None,
        limit: int = 50,
        page_number: int = 0,
    ) -> list[dict[str, Any]]:
        after = optional_instant(updated_after, "updated_after")
        before = optional_instant(updated_before, "updated_before")
        query = (
            self.query(UNITS, self.scope(account_id))
            .where_in("id", unit_ids)
            .where("extracted_from", extracted_from)
            .where_in("status", statuses)
            .where("address.city", city)
            .where_in("address.zip_code", zip_codes)
            .compare("updated_at", ">=", bound(after, upper=False) if after else None)
            .compare("updated_at", "<=", bound(before, upper=True) if before else None)
        )
        return self.page(query, limit, page_number)  # type: ignore[no-any-return]

    async def get_unit(self, unit_id: int) -> dict[str, Any]:
        return self.find(UNITS, unit_id, "Unit")

    async def upsert_unit(self, body: dict[str, Any]) -> tuple[dict[str, Any], int]:
        """No `id`: insert (201). An `id`: update the fields sent (200); unknown is a 404."""
        with self.store.transaction():
            if "id" in body:
                old = self.find(UNITS, body["id"], "Unit")
                unit = self._apply(dict(old), body)
                unit["updated_at"] = self.now()
                self.save(UNITS, unit, unit["account_id"])
                self.changed(UNITS, "UPDATE", unit, old)
                return unit, 200
            unit_id = self.ids.counter(UNITS, UNIT_ID_START)
            now = self.now()
            unit = {
                "id": unit_id,
                "account_id": body["account_id"],
                "created_at": now,
                "updated_at": now,
                "status": "Incomplete",  # a new listing starts incomplete (spec example)
                "address": None,
                "property_type": body["property_type"],
                **dict.fromkeys(UNIT_NULLS),
                **{name: [] for name in UNIT_LISTS},
            }
            unit = self._apply(unit, body)
            self.save(UNITS, unit, unit["account_id"])
            self.changed(UNITS, "INSERT", unit, None)
            return unit, 201

    def _apply(self, unit: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        """The body's fields onto `unit`, after checking every id it names is visible."""
        changes = {k: v for k, v in body.items() if k != "id"}
        if "account_id" in changes:
            self.account(changes["account_id"])
        account = changes.get("account_id", unit["account_id"])
        self._check_links(changes, unit, account)
        if "address" in changes:
            changes["address"] = self._address(unit["id"], changes["address"])
        access = changes.get("structured_access_instructions")
        if access and "showing_method" not in changes:
            # The structured instructions name the method; keep the flat field in step.
            changes["showing_method"] = access["showing_method"]
        unit.update(changes)
        return unit

    def _check_links(self, changes: dict[str, Any], unit: dict[str, Any], account: str) -> None:
        """Template, property and floorplan must exist in the unit's account (else 404)."""
        template = changes.get("prescreen_template_id", unit.get("prescreen_template_id"))
        if template and self.owner(TEMPLATES, template) != account:
            raise not_found("Prescreening template", template)
        prop = changes.get("multifamily_property_id", unit.get("multifamily_property_id"))
        if prop and self.owner(MULTIFAMILY, prop) != account:
            raise not_found("Multifamily property", prop)
        plan_id = changes.get("floorplan_id", unit.get("floorplan_id"))
        if plan_id:
            plan = self.store.get(self.api, FLOORPLANS, plan_id)
            if plan is None or self.owner(FLOORPLANS, plan_id) != account:
                raise not_found("Floorplan", plan_id)
            if prop and plan["multifamily_property_id"] != prop:
                # Looked up within the property: another property's floorplan is not found there.
                raise not_found(f"Floorplan {plan_id} of multifamily property", prop)
            if not prop:
                changes["multifamily_property_id"] = plan["multifamily_property_id"]

    def _address(self, unit_id: int, given: dict[str, Any]) -> dict[str, Any]:
        state = given["state"].upper()
        line = f"{given['street_number']} {given['street_name']}"
        if given.get("unit"):
            line += f" {given['unit']}"
        city = next(
            (
                c
                for c in self.places["cities"]
                if c["city"].lower() == given["city"].lower() and c["state"] == state
            ),
            None,
        )
        return {
            "id": address_id_of(unit_id),
            "formatted_address": f"{line}, {given['city']}, {state} {given['zip_code']}",
            "street_number": given["street_number"],
            "street_name": given["street_name"],
            "unit": given.get("unit"),
            "city": given["city"],
            "state": state,
            "zip_code": given["zip_code"],
            "country": given.get("country") or "United States",
            # The mock geocodes to the city centre of the markets it knows (inferred).
            "coordinates": [city["lon"], city["lat"]] if city else None,
        }

    async def list_marketing_listings(
        self, account_id: str, limit: int = 50, page_number: int = 0
    ) -> list[dict[str, Any]]:
        """Cards for the account's Available units, in the display strings websites embed."""
        self.account(account_id)
        query = self.query(UNITS, [account_id]).where("status", "Available")
        return [self._card(u) for u in self.page_records(query, limit, page_number)]

    @staticmethod
    def _card(unit: dict[str, Any]) -> dict[str, Any]:
        rent = unit.get("target_rental_rate")
        app = "https://app.rentengine.io"
        return {
            "address": unit["address"]["formatted_address"],
            "beds": number_text(unit.get("bedrooms")),
            "baths": number_text(unit.get("bathrooms")),
            "rentAmount": f"${rent:,.0f}" if isinstance(rent, (int, float)) else None,
            "photos": [
                f"https://cdn.rentengine.io/{p['path']}"
                for p in unit.get("marketing_photos") or []
                if not p.get("hidden")
            ],
            "applyUrl": unit.get("custom_application_url") or f"{app}/apply/{unit['id']}",
            "btnUrl": f"{app}/schedule/{unit['id']}",
            "btnText": "Schedule a tour",
            "waitlistLabel": None,
            "virtualTour": None,
            "specials": None,
        }
