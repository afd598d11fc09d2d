"""One seeded RentEngine unit in the live REST shape (numbers as numbers, address object)."""

# Built from the seeder's pools and its random source only (no Faker call per unit), so the
# large profile's 10,000 units seed in well under a second.

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from mock_server.apis.rentengine_common import iso

if TYPE_CHECKING:
    from mock_server.state.seed_rentengine import Seeder

PROPERTY_TYPES = (
    ("SINGLE FAMILY RESIDENCE", 40),
    ("MULTI-FAMILY", 20),
    ("CONDO", 10),
    ("TOWNHOUSE", 10),
    ("DUPLEX", 8),
    ("TRIPLEX", 4),
    ("ROOM", 4),
    ("ADU", 4),
)
STATUSES = (
    ("Available", 45),
    ("Leased", 20),
    ("On Hold", 6),
    ("Incomplete", 6),
    ("Under Review", 5),
    ("Archived", 6),
    ("Withdrawn", 4),
    ("Price Analysis", 3),
    ("Expired", 3),
    ("Withdrawal Requested", 2),
)
AMENITIES = (
    "Central Air",
    "Dishwasher",
    "Fenced Yard",
    "Hardwood Floors",
    "Pool",
    "Fitness Center",
    "Washer/Dryer",
    "Walk-in Closet",
    "Balcony",
    "Fireplace",
    "EV Charging",
    "Gated Entry",
)
UTILITIES = ("Trash", "Water", "Sewer", "Gas", "Electricity", "Internet")
PARKING = ("Street", "Carport", "Assigned Spots", "Driveway", "Shared Garage", "Private Garage")
LAUNDRY = ("In Unit", "Shared", "Coin-op", "Hookups but no machines", "On-site", "None")
METHODS = ("Self Guided", "Accompanied", "Remote Guided", "Remote Guided with Gated Access")
PETS = ("Yes", "Yes with pet fee", "Cats only", "No", None)
PROPERTY_TYPES_TOTAL = sum(w for _, w in PROPERTY_TYPES)
STATUSES_TOTAL = sum(w for _, w in STATUSES)
SHARED = {"MULTI-FAMILY", "CONDO", "ROOM", "ADU", "TOWNHOUSE"}


def _weighted(r: Any, table: tuple[tuple[str, int], ...], total: int) -> str:
    pick = r() * total
    for value, weight in table:
        pick -= weight
        if pick < 0:
            return value
    return table[-1][0]


def unit_record(
    s: Seeder, unit_id: int, address_id: int, account: str, created: datetime, epoch: datetime
) -> dict[str, Any]:
    # random() arithmetic instead of randint/choice/sample: about 4x faster, and this runs
    # 10,000 times in the large profile.
    r = s.rng.random

    def pick(seq: Any) -> Any:
        return seq[int(r() * len(seq))]

    def between(low: int, high: int) -> int:
        return low + int(r() * (high - low + 1))

    cities = s.places["cities"]
    city = pick(cities)
    ptype = _weighted(r, PROPERTY_TYPES, PROPERTY_TYPES_TOTAL)
    beds = 1 if ptype == "ROOM" else pick((0, 1, 1, 2, 2, 3, 3, 3, 4, 5))
    baths = pick((1, 1, 1.5, 2, 2, 2.5, 3)) if beds > 1 else 1
    rent = 800 + beds * 450 + between(0, 120) * 5
    number, street = str(between(100, 9999)), pick(s.streets)
    apt = f"Apt {between(1, 40)}{pick('ABCD')}" if ptype in SHARED else None
    zip_code = pick(city["zips"])
    line = f"{number} {street}" + (f" {apt}" if apt else "")
    status = _weighted(r, STATUSES, STATUSES_TOTAL)
    method = pick(METHODS)
    updated = created + (epoch - created) * r()
    pets = pick(PETS)
    amenities = [a for a in AMENITIES if r() < 0.35] or [AMENITIES[0]]
    templates: list[str | None] = [*s.templates.get(account, [])] or [None]
    plans = s.floorplans.get(account) or []
    prop_id, plan_id = pick(plans) if plans and ptype == "MULTI-FAMILY" else (None, None)
    return {
        "id": unit_id,
        "account_id": account,
        "created_at": iso(created),
        "updated_at": iso(updated),
        "status": status,
        "address": {
            "id": address_id,
            "formatted_address": f"{line}, {city['city']}, {city['state']} {zip_code}",
            "street_number": number,
            "street_name": street,
            "unit": apt,
            "city": city["city"],
            "state": city["state"],
            "zip_code": zip_code,
            "country": "United States",
            "coordinates": [
                round(city["lon"] + (r() - 0.5) / 4, 6),
                round(city["lat"] + (r() - 0.5) / 5, 6),
            ],
        },
        "property_type": ptype,
        "extracted_from": f"appfolio:unit:{between(10000, 99999)}" if r() < 0.5 else None,
        "bedrooms": beds,
        "bathrooms": baths,
        "sqft": 350 + beds * 380 + between(0, 80) * 5,
        "num_parking_spots": between(0, 3),
        "furnished": r() < 0.1,
        "renovated": pick(("No", "Yes", "Partially")),
        "laundry": pick(LAUNDRY),
        "is_occupied": status == "Leased",
        "earliest_showing_date": s.day(between(-10, 14)),
        "earliest_move_in_date": s.day(between(-30, 60)),
        "target_rental_rate": rent,
        "security_deposit_amount": rent if r() < 0.7 else rent // 2,
        "security_deposit_amount_max": None,
        "year_built": between(1925, 2024),
        "amenities": amenities,
        "highlighted_amenities": amenities[:1],
        "pets_allowed": pets,
        "pet_restrictions": "Two pets max, 50 lb limit" if pets and pets != "No" else None,
        "pet_fees": [{"name": "Pet rent", "type": "monthly", "amount": 35}]
        if pets == "Yes with pet fee"
        else [],
        "monthly_fees": [{"name": "Trash", "type": "monthly", "amount": 20}] if r() < 0.3 else [],
        "move_in_fees": [],
        "utilities_included": [u for u in UTILITIES if r() < 0.15],
        "parking_type": [p for p in PARKING if r() < 0.2],
        "allow_cooperating_brokers": pick((None, True, False)),
        "desired_lease_duration_months": pick(([12], [6, 12], [12, 18, 24])),
        "hoa_app_required": None,
        "hoa_app_fee": None,
        "hoa_application_url": None,
        "marketing_description": f"{beds or 'Studio'} bd / {baths} ba in {city['city']}.",
        "marketing_photos": [
            {
                "path": f"units/{unit_id}/photos/{n}.jpg",
                "hidden": False,
                "original": f"units/{unit_id}/photos/original/{n}.jpg",
            }
            for n in range(between(0, 4))
        ],
        "custom_application_url": None,
        "min_resident_qualifications": "Income of 3x rent, credit score 620+",
        "key_access": "Lockbox" if method != "Accompanied" else "Agent key",
        "showing_method": method,
        "structured_access_instructions": (
            {
                "showing_method": method,
                "lockbox_location": "Front door railing",
                "lockbox_code": f"{between(0, 9999):04d}",
            }
            if method == "Self Guided"
            else None
        ),
        "accepts_vouchers": r() < 0.4,
        "has_elevator": None,
        "floor_number": None,
        "storm_protection": None,
        "internal_notes": None,
        "commission_amount": pick((None, 500, "50%")),
        "prescreen_template_id": pick(templates),
        "multifamily_property_id": prop_id,
        "floorplan_id": plan_id,
    }
