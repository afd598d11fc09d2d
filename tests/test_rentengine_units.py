"""RentEngine units: every GET /units filter, upserts with their webhook events, listings."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import make_app
from tests.test_rentengine_support import (
    check_payload,
    events,
    last_seq,
    mine,
    records,
    succeeded,
    theirs,
)

OPERATIONS = {"list_units", "upsert_unit", "get_unit", "list_marketing_listings"}
NEW_ADDRESS = {
    "street_number": "1204",
    "street_name": "Maple Ridge Dr",
    "zip_code": "78704",
    "state": "tx",
    "city": "Austin",
}


@pytest.fixture(scope="module")
def app() -> Any:
    return make_app(journal_size=100_000)


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.text
    return [u["id"] for u in response.json()]


def visible(app: Any) -> list[dict[str, Any]]:
    return records(app, "units", owners=mine(app))


def test_list_defaults_to_the_first_50_visible_units_in_order(app: Any, rentengine: Any) -> None:
    expected = [u["id"] for u in visible(app)]
    assert ids(rentengine.get("/units")) == expected[:50]
    assert all(u["account_id"] in mine(app) for u in rentengine.get("/units?limit=100").json())


@pytest.mark.parametrize(
    ("query", "keep"),
    [
        ("statuses={status},Withdrawn", lambda u, x: u["status"] in (x["status"], "Withdrawn")),
        ("city={city}", lambda u, x: u["address"]["city"] == x["address"]["city"]),
        (
            "zip_codes={zip},78704",
            lambda u, x: u["address"]["zip_code"] in (x["address"]["zip_code"], "78704"),
        ),
        ("updated_after={stamp}", lambda u, x: u["updated_at"] >= x["updated_at"]),
        ("updated_before={stamp}", lambda u, x: u["updated_at"] <= x["updated_at"]),
        (
            "statuses={status}&city={city}",
            lambda u, x: (
                u["status"] == x["status"] and u["address"]["city"] == x["address"]["city"]
            ),
        ),
    ],
)
def test_each_filter(app: Any, rentengine: Any, query: str, keep: Any) -> None:
    units = visible(app)
    probe = units[len(units) // 2]
    values = {
        "city": probe["address"]["city"],
        "zip": probe["address"]["zip_code"],
        "stamp": probe["updated_at"],
        "status": probe["status"],
    }
    expected = [u["id"] for u in units if keep(u, probe)]
    assert probe["id"] in expected and len(expected) < len(units)
    assert ids(rentengine.get("/units?limit=100&" + query.format(**values))) == expected


def test_unit_ids_extracted_from_and_account_filters(app: Any, rentengine: Any) -> None:
    units = visible(app)
    picked = [units[3]["id"], units[0]["id"]]
    assert ids(rentengine.get(f"/units?unitIds={picked[0]},{picked[1]}")) == sorted(picked)
    source = next(u["extracted_from"] for u in units if u["extracted_from"])
    expected = [u["id"] for u in units if u["extracted_from"] == source]
    assert ids(rentengine.get("/units", params={"extracted_from": source})) == expected
    own = mine(app)[0]
    expected = [u["id"] for u in units if u["account_id"] == own][:100]
    assert ids(rentengine.get(f"/units?limit=100&accountId={own}")) == expected
    # Another user's account: nothing, not a hint that it exists.
    assert ids(rentengine.get(f"/units?accountId={theirs(app)}")) == []
    hidden = records(app, "units", owners=[theirs(app)])[0]["id"]
    assert ids(rentengine.get(f"/units?unitIds={hidden}")) == []


def test_get_unit(app: Any, rentengine: Any) -> None:
    unit = visible(app)[0]
    assert rentengine.get(f"/units/{unit['id']}").json() == unit
    hidden = records(app, "units", owners=[theirs(app)])[0]["id"]
    for unit_id in (hidden, 999999):
        response = rentengine.get(f"/units/{unit_id}")
        assert (response.status_code, response.json()) == (
            404,
            {"error": f"Unit {unit_id} not found"},
        )


def test_insert_persists_lists_and_emits(app: Any, rentengine: Any) -> None:
    seq = last_seq(app)
    body = {
        "account_id": mine(app)[0],
        "address": NEW_ADDRESS,
        "property_type": "DUPLEX",
        "target_rental_rate": 2150,
        "bedrooms": 3,
        "bathrooms": 1.5,
        "extracted_from": "x:1",
        "structured_access_instructions": {"showing_method": "Self Guided", "lockbox_code": "4821"},
    }
    response = rentengine.post("/units", json=body)
    assert response.status_code == 201, response.text
    unit = response.json()
    assert unit["status"] == "Incomplete" and unit["showing_method"] == "Self Guided"
    assert unit["address"]["formatted_address"] == "1204 Maple Ridge Dr, Austin, TX 78704"
    assert unit["address"]["coordinates"] == [-97.7431, 30.2672]
    assert unit["created_at"] == unit["updated_at"]
    assert rentengine.get(f"/units/{unit['id']}").json() == unit
    assert ids(rentengine.get("/units?extracted_from=x:1")) == [unit["id"]]
    [event] = events(app, seq)
    assert event["name"] == "units.INSERT"
    payload = event["payload"]
    check_payload(event["name"], payload)
    assert payload["old_record"] is None and payload["schema"] == "public"
    row = payload["record"]
    assert (row["id"], row["bedrooms"], row["bathrooms"], row["target_rental_rate"]) == (
        unit["id"],
        "3",
        "1.5",
        "2150",
    )
    assert row["address"] == unit["address"]["id"]  # the address record's id, as documented


def test_update_changes_the_record_and_emits_old_and_new(app: Any, rentengine: Any) -> None:
    unit = visible(app)[1]
    seq = last_seq(app)
    response = rentengine.post(
        "/units",
        json={
            "id": unit["id"],
            "target_rental_rate": 1999,
            "status": "On Hold",
            "address": NEW_ADDRESS,
        },
    )
    assert response.status_code == 200, response.text
    updated = response.json()
    assert (updated["target_rental_rate"], updated["status"]) == (1999, "On Hold")
    assert updated["address"]["id"] == unit["address"]["id"]
    assert updated["address"]["city"] == "Austin"
    assert updated["created_at"] == unit["created_at"]
    assert updated["bedrooms"] == unit["bedrooms"]  # fields not sent are kept
    assert rentengine.get(f"/units/{unit['id']}").json() == updated
    [event] = events(app, seq)
    check_payload(event["name"], event["payload"])
    assert event["name"] == "units.UPDATE"
    assert event["payload"]["old_record"]["target_rental_rate"] == str(unit["target_rental_rate"])
    assert event["payload"]["record"]["target_rental_rate"] == "1999"
    assert event["payload"]["record"]["status"] == "On Hold"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"id": 999999, "status": "Leased"}, "Unit 999999 not found"),
        ({"id": "hidden", "status": "Leased"}, "Unit {hidden} not found"),
        ({"id": "own", "account_id": "theirs"}, "Account {theirs} not found"),
        (
            {"id": "own", "prescreen_template_id": "00000000-0000-4000-8000-000000000000"},
            "Prescreening template 00000000-0000-4000-8000-000000000000 not found",
        ),
        (
            {"id": "own", "floorplan_id": "00000000-0000-4000-8000-000000000000"},
            "Floorplan 00000000-0000-4000-8000-000000000000 not found",
        ),
        (
            {
                "account_id": "theirs",
                "address": NEW_ADDRESS,
                "property_type": "ADU",
                "target_rental_rate": 1,
            },
            "Account {theirs} not found",
        ),
    ],
)
def test_upsert_404s(app: Any, rentengine: Any, body: dict[str, Any], message: str) -> None:
    names = {
        "hidden": records(app, "units", owners=[theirs(app)])[0]["id"],
        "own": visible(app)[2]["id"],
        "theirs": theirs(app),
    }
    body = {k: names.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    seq = last_seq(app)
    response = rentengine.post("/units", json=body)
    assert (response.status_code, response.json()) == (404, {"error": message.format(**names)})
    assert events(app, seq) == []


def test_upsert_with_neither_id_nor_insert_fields_is_a_400(rentengine: Any) -> None:
    response = rentengine.post("/units", json={"status": "Leased"})
    assert response.status_code == 400
    assert response.json()["error"] == "Invalid request parameters"


def test_floorplan_link_sets_its_property(app: Any, rentengine: Any) -> None:
    plans = records(app, "floorplans", owners=[mine(app)[0]])
    if not plans:
        pytest.skip("no floorplan in the demo's first account for this seed")
    unit = next(u for u in visible(app) if u["account_id"] == mine(app)[0])
    response = rentengine.post(
        "/units",
        json={"id": unit["id"], "floorplan_id": plans[0]["id"], "multifamily_property_id": None},
    )
    assert response.status_code == 200, response.text
    assert response.json()["multifamily_property_id"] == plans[0]["multifamily_property_id"]


def test_marketing_listings(app: Any, rentengine: Any) -> None:
    own = mine(app)[0]
    available = [u for u in records(app, "units", owners=[own]) if u["status"] == "Available"]
    response = rentengine.get(f"/marketing/listings/{own}?limit=100")
    assert response.status_code == 200
    cards = response.json()
    assert [c["address"] for c in cards] == [u["address"]["formatted_address"] for u in available]
    first, unit = cards[0], available[0]
    assert first["beds"] == str(unit["bedrooms"])
    assert first["rentAmount"] == f"${unit['target_rental_rate']:,}"
    assert first["btnUrl"] == f"https://app.rentengine.io/schedule/{unit['id']}"
    assert len(rentengine.get(f"/marketing/listings/{own}?limit=2&page_number=1").json()) == min(
        2, max(0, len(available) - 2)
    )
    response = rentengine.get(f"/marketing/listings/{theirs(app)}")
    assert (response.status_code, response.json()) == (
        404,
        {"error": f"Account {theirs(app)} not found"},
    )


def test_operations_called(app: Any) -> None:
    assert OPERATIONS <= succeeded(app)
