"""KeyNest operations with response validation on: lists and filters, creates, updates, deletes."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest

TODAY = "2026-06-02"  # the frozen clock's date: every stamp a handler writes
PATTERNS = {"p": r"^p_[0-9A-Za-z]{16}$", "unit": r"^unit_[0-9A-Za-z]{16}$"}


@pytest.fixture(scope="module", autouse=True)
def frozen(app: Any) -> None:
    app.services.clock.freeze(datetime(2026, 6, 2, 12, tzinfo=UTC).timestamp())


@pytest.fixture(scope="module")
def place(keynest: Any) -> dict[str, Any]:
    """A fresh three-unit property with one tenant, for the create/update tests."""
    prop = keynest.post("/properties", json={"name": "Test Court", "units": 3}).json()
    unit = prop["units"][0]["id"]
    body = {"name": "Ada Tenant", "propertyId": prop["id"], "unitId": unit, "rent": 2000}
    tenant = keynest.post("/tenants", json=body).json()
    # A second tenant that no test changes, for the forms' defaults.
    other = keynest.post("/tenants", json={**body, "name": "Grace Tenant"}).json()
    return {"property": prop, "unit": unit, "tenant": tenant, "unchanged": other}


def test_list_properties_is_the_workspace_portfolio_with_unit_counts(keynest):
    props = keynest.get("/properties").json()
    assert len(props) == 4  # 8 seeded properties over 2 workspaces
    for prop in props:
        assert re.match(PATTERNS["p"], prop["id"]) and prop["units"] == 6
        assert set(prop) == {"id", "name", "units", "address", "createdAt", "updatedAt"}
        assert prop["address"]["province"] == "ON"
    assert [p["createdAt"] for p in props] == sorted(p["createdAt"] for p in props)


def test_get_property_lists_units_with_their_active_tenant(keynest):
    active = keynest.get("/tenants", params={"status": "Active"}).json()
    tenant = active[0]
    prop = keynest.get(f"/properties/{tenant['propertyId']}").json()
    assert len(prop["units"]) == 6 and all(
        re.match(PATTERNS["unit"], u["id"]) for u in prop["units"]
    )
    unit = next(u for u in prop["units"] if u["id"] == tenant["unitId"])
    occupants = [t["id"] for t in active if t["unitId"] == unit["id"]]
    assert unit["tenantId"] == occupants[0]
    vacant = [u for u in prop["units"] if u["id"] not in {t["unitId"] for t in active}]
    assert all("tenantId" not in u for u in vacant)


def test_property_create_read_update_delete(keynest):
    address = {"street": "120 Maple Court", "city": "Hamilton", "postalCode": "L8P 4R5"}
    r = keynest.post("/properties", json={"name": "Maple Court", "units": 3, "address": address})
    assert r.status_code == 201
    prop = r.json()
    assert [u["name"] for u in prop["units"]] == ["Unit 1", "Unit 2", "Unit 3"]
    assert prop["address"] == {**address, "province": "ON"}
    assert prop["createdAt"] == prop["updatedAt"] == TODAY
    pid = prop["id"]
    assert keynest.get("/properties").json()[-1] == {**prop, "units": 3}
    assert keynest.get(f"/properties/{pid}").json() == prop

    moved = {"street": "1 Bay St", "city": "Toronto", "province": "ON", "postalCode": "M5J2N8"}
    r = keynest.patch(f"/properties/{pid}", json={"name": "Maple Court Apts", "address": moved})
    assert r.status_code == 200
    assert r.json() == {**prop, "name": "Maple Court Apts", "address": moved}
    assert keynest.get(f"/properties/{pid}").json()["name"] == "Maple Court Apts"

    assert keynest.delete(f"/properties/{pid}").json() == {"ok": True}
    for call in (keynest.get, keynest.delete):
        r = call(f"/properties/{pid}")
        assert r.status_code == 404
        assert r.json() == {"error": {"code": "not_found", "message": f"Property {pid} not found"}}
    assert pid not in {p["id"] for p in keynest.get("/properties").json()}


def test_create_property_with_only_a_name_gets_one_unit(keynest):
    prop = keynest.post("/properties", json={"name": "Birch Lane Duplex"}).json()
    assert [u["name"] for u in prop["units"]] == ["Unit 1"] and "address" not in prop


def test_delete_property_is_refused_while_tenants_or_tickets_refer_to_it(keynest):
    prop = keynest.post("/properties", json={"name": "In use", "units": 2}).json()
    unit = prop["units"][0]["id"]
    tenant = keynest.post(
        "/tenants", json={"name": "Bo", "propertyId": prop["id"], "unitId": unit, "rent": 900}
    ).json()
    ticket = keynest.post("/tickets", json={"title": "Leak", "propertyId": prop["id"]}).json()
    r = keynest.delete(f"/properties/{prop['id']}")
    assert r.status_code == 409
    assert r.json() == {
        "error": {
            "code": "conflict",
            "message": f"Property {prop['id']} still has 1 tenant and 1 ticket;"
            " it can be removed once nothing refers to it",
        }
    }
    # Nothing went: the property, its tenant and its ticket all still read back.
    units = keynest.get(f"/properties/{prop['id']}").json()["units"]
    assert [u["id"] for u in units] == [u["id"] for u in prop["units"]]
    assert keynest.get("/tenants", params={"propertyId": prop["id"]}).json() == [tenant]
    assert keynest.get("/tickets", params={"propertyId": prop["id"]}).json() == [ticket]
    # A property nobody refers to goes, units and all.
    empty = keynest.post("/properties", json={"name": "Empty", "units": 3}).json()
    assert keynest.delete(f"/properties/{empty['id']}").json() == {"ok": True}
    assert keynest.get(f"/properties/{empty['id']}").status_code == 404


@pytest.mark.parametrize(
    "params",
    [{}, {"status": "Active"}, {"status": "Former"}, {"status": "Pending"}, {"propertyId": 0},
     {"propertyId": 0, "status": "Active"}],
)  # fmt: skip
def test_list_tenants_filters_combine_with_and(keynest, params):
    everyone = keynest.get("/tenants").json()
    if "propertyId" in params:
        params = {**params, "propertyId": keynest.get("/properties").json()[0]["id"]}
    got = keynest.get("/tenants", params=params).json()
    assert got == [t for t in everyone if all(t[k] == v for k, v in params.items())]
    assert params == {} or len(got) < len(everyone)


def test_list_tenants_of_an_unknown_property_is_empty(keynest):
    assert keynest.get("/tenants", params={"propertyId": "p_0000000000000000"}).json() == []


def test_tenant_create_then_update(keynest, place):
    tenant = place["tenant"]
    assert tenant["status"] == "Active" and tenant["unitId"] == place["unit"]
    assert tenant["createdAt"] == tenant["updatedAt"] == TODAY
    listed = keynest.get("/tenants", params={"propertyId": place["property"]["id"]}).json()
    assert listed == [tenant, place["unchanged"]]
    r = keynest.patch(
        f"/tenants/{tenant['id']}", json={"leaseEnd": "2027-06-01", "status": "Former"}
    )
    assert r.status_code == 200
    assert r.json() == {**tenant, "leaseEnd": "2027-06-01", "status": "Former"}
    assert keynest.get("/tenants", params={"status": "Former"}).json()[-1]["id"] == tenant["id"]
    keynest.patch(f"/tenants/{tenant['id']}", json={"status": "Active"})


@pytest.mark.parametrize(
    ("change", "status", "message"),
    [
        ({"propertyId": "p_0000000000000000"}, 404, "Property p_0000000000000000 not found"),
        ({"unitId": "unit_0000000000000000"}, 404, "Unit unit_0000000000000000 not found in"),
        ({"leaseStart": "2026-02-30"}, 400, "'2026-02-30' is not a valid date - 'leaseStart'"),
    ],
)
def test_tenant_create_refuses_unknown_references_and_impossible_dates(
    keynest, place, change, status, message
):
    body = {"name": "X", "propertyId": place["property"]["id"], "unitId": place["unit"], **change}
    r = keynest.post("/tenants", json=body)
    assert r.status_code == status and r.json()["error"]["message"].startswith(message)


@pytest.mark.parametrize(
    "params", [{"status": "Paid"}, {"status": "Overdue"}, {"period": "2026-04"}, {"tenantId": 0},
               {"tenantId": 0, "status": "Paid", "period": "2026-04"}],
)  # fmt: skip
def test_list_payments_filters_combine_with_and(keynest, params):
    everyone = keynest.get("/payments").json()
    if "tenantId" in params:
        params = {**params, "tenantId": everyone[-1]["tenantId"]}
    got = keynest.get("/payments", params=params).json()
    assert got and got == [p for p in everyone if all(p[k] == v for k, v in params.items())]


def test_payment_record_then_change_status(keynest, place):
    tid = place["tenant"]["id"]
    r = keynest.post("/payments", json={"tenantId": tid, "amount": 2000, "period": "2026-06"})
    assert r.status_code == 201
    pay = r.json()
    assert (pay["status"], pay["paidAt"], pay["createdAt"]) == ("Paid", TODAY, TODAY)
    assert keynest.get("/payments", params={"tenantId": tid}).json() == [pay]
    late = keynest.patch(f"/payments/{pay['id']}", json={"status": "Overdue"}).json()
    assert late["status"] == "Overdue" and "paidAt" not in late  # no money received
    body = {"status": "Paid", "paidAt": "2026-06-03", "method": "Cheque"}
    paid = keynest.patch(f"/payments/{pay['id']}", json=body).json()
    assert {k: paid[k] for k in body} == body
    part = {"tenantId": tid, "amount": 500, "period": "2026-05", "status": "Partial"}
    assert keynest.post("/payments", json=part).json()["status"] == "Partial"
    r = keynest.post("/payments", json={**part, "tenantId": "t_0000000000000000"})
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("params", [{"status": "Open"}, {"status": "Completed"}, {"propertyId": 0}])
def test_list_tickets_filters(keynest, params):
    everyone = keynest.get("/tickets").json()
    if "propertyId" in params:
        params = {"propertyId": everyone[0]["propertyId"]}
    got = keynest.get("/tickets", params=params).json()
    assert got and got == [t for t in everyone if all(t[k] == v for k, v in params.items())]


def test_ticket_open_then_update(keynest, place):
    pid, unit = place["property"]["id"], place["unit"]
    r = keynest.post("/tickets", json={"title": "No heat", "propertyId": pid, "unitId": unit})
    assert r.status_code == 201
    ticket = r.json()
    assert ticket["status"] == "Open" and ticket["createdAt"] == TODAY
    assert keynest.get("/tickets", params={"propertyId": pid}).json() == [ticket]
    body = {"status": "Completed", "contractor": "Polar Heating", "cost": 385.5}
    done = keynest.patch(f"/tickets/{ticket['id']}", json=body).json()
    assert done == {**ticket, **body}
    assert keynest.get("/tickets", params={"status": "Completed"}).json()[-1] == done
    bad = {"title": "X", "propertyId": pid, "unitId": "unit_0000000000000000"}
    assert keynest.post("/tickets", json=bad).status_code == 404


@pytest.mark.parametrize(
    ("kind", "fields"),
    [
        ("N4", {"amountOwing": 2000, "terminationDate": "2026-06-16"}),
        ("N5", {"terminationDate": "2026-06-22"}),
        ("N12", {"terminationDate": "2026-08-01"}),
        ("N9", {"terminationDate": "2026-08-01"}),
        ("entry", {"entryDate": "2026-06-03"}),
        ("lease", {"startDate": "2026-07-01", "rent": 2000}),
    ],
)
def test_create_form_fills_each_types_defaults(keynest, place, kind, fields):
    r = keynest.post(f"/forms/{kind}", json={"tenantId": place["unchanged"]["id"]})
    assert r.status_code == 201
    form = r.json()
    assert (form["type"], form["status"], form["fields"]) == (kind, "Generated", fields)
    assert form["propertyId"] == place["property"]["id"] and "servedAt" not in form
    assert form["pdfUrl"] == f"http://testserver/keynest/v1/forms/{form['id']}/pdf"
    assert keynest.get(f"/forms/{form['id']}").json() == form


def test_create_form_keeps_given_fields_ignores_others_and_serves(keynest, place):
    fields = {"reason": "Daughter moves in.", "terminationDate": "2026-12-01", "rent": 5}
    body = {"tenantId": place["tenant"]["id"], "fields": fields, "serve": True}
    form = keynest.post("/forms/N12", json=body).json()
    assert form["fields"] == {"reason": "Daughter moves in.", "terminationDate": "2026-12-01"}
    assert (form["status"], form["servedAt"]) == ("Served", TODAY)
    r = keynest.post("/forms/N4", json={"tenantId": "t_0000000000000000"})
    assert r.status_code == 404
    bad = {"tenantId": place["tenant"]["id"], "fields": {"entryDate": "2026-13-01"}}
    assert keynest.post("/forms/entry", json=bad).status_code == 400
