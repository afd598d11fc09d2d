"""Aptoria writes: creates persist, updates change, removals remove; each emits its event."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from openapi_schema_validator import OAS30Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from mock_server.settings import data_dir
from tests.conftest import make_app
from tests.test_aptoria_reads import T0, walk
from tests.test_specs import APTORIA_EVENTS

NO_LEASE, NO_PAYMENT = "l_" + "0" * 26, "p_" + "0" * 26


def aptoria_spec() -> dict[str, Any]:
    return yaml.load((data_dir("specs") / "aptoria.yaml").read_text(), Loader=yaml.CSafeLoader)


def event_errors(
    name: str, envelope: dict[str, Any], spec: dict[str, Any] | None = None
) -> list[str]:
    """Validate an emitted envelope (plus a `delivered_at`) against the spec's x-webhooks body."""
    spec = spec or aptoria_spec()
    ref = spec["x-webhooks"][name]["post"]["requestBody"]["content"]["application/json"]["schema"]
    registry = Registry().with_resource(
        "urn:apt", Resource.from_contents(spec, default_specification=DRAFT4)
    )
    validator = OAS30Validator(
        {"$ref": "urn:apt" + ref["$ref"]},
        registry=registry,
        format_checker=OAS30Validator.FORMAT_CHECKER,
    )
    body = {**envelope, "delivered_at": "2026-05-25T15:42:19.000Z"}
    return [e.message for e in validator.iter_errors(body)]


def events(app: Any, name: str) -> list[dict[str, Any]]:
    return [
        e["payload"]
        for e in app.services.emitter.events("aptoria", limit=10_000)
        if e["name"] == name
    ]


def demo_places(aptoria: Any) -> dict[str, Any]:
    """127 Pine, its units and Maya R.'s active lease on 1B."""
    prop = next(p for p in walk(aptoria, "/api/properties") if p["name"] == "127 Pine")
    units = walk(aptoria, "/api/units", property_id=prop["id"])
    unit = next(u for u in units if u["label"] == "1B")
    lease = walk(aptoria, "/api/leases", unit_id=unit["id"], status="active")[0]
    other = next(p for p in walk(aptoria, "/api/properties") if p["id"] != prop["id"])
    foreign = walk(aptoria, "/api/units", property_id=other["id"])[0]
    return {"property": prop, "unit": unit, "units": units, "lease": lease, "foreign": foreign}


@pytest.fixture(scope="module")
def app() -> Any:
    app = make_app()
    app.services.clock.freeze(T0.timestamp())
    return app


@pytest.fixture(scope="module")
def org(app: Any) -> str:
    return str(app.services.auth.list("aptoria")[0]["subject"])


@pytest.fixture(scope="module")
def pine(aptoria: Any) -> dict[str, Any]:
    return demo_places(aptoria)


def test_create_expense_persists_and_is_listed(aptoria, pine):
    body = {
        "action": "add_entry",
        "property_id": pine["property"]["id"],
        "category_id": "supplies",
        "label": "Furnace filters",
        "amount_usd": 42.5,
        "paid_on": "2026-05-20",
        "vendor": "Hardware Hank",
        "unit_id": pine["unit"]["id"],
    }
    resp = aptoria.post("/api/expenses", json=body)
    assert resp.status_code == 201, resp.text
    made = resp.json()
    assert made == {
        **{k: v for k, v in body.items() if k != "action"},
        "id": made["id"],
        "created_at": "2026-05-25T15:42:18Z",
    }
    assert made["id"].startswith("exp_") and len(made["id"]) == 30
    assert aptoria.get(f"/api/expenses/{made['id']}").json() == made
    listed = walk(
        aptoria,
        "/api/expenses",
        property_id=pine["property"]["id"],
        category_id="supplies",
        paid_on_from="2026-05-20",
        paid_on_to="2026-05-20",
    )
    assert made in listed
    assert aptoria.get("/api/dashboard").json()["expenses_mtd_usd"] >= 42.5
    for change, status in (
        ({"property_id": "0" * 24}, 404),
        ({"unit_id": "0" * 24}, 404),
        ({"unit_id": pine["foreign"]["id"]}, 404),  # a unit of another property
        ({"paid_on": "2026-02-30"}, 400),
    ):
        bad = aptoria.post("/api/expenses", json={**body, **change})
        assert bad.status_code == status and set(bad.json()) == {"error"}, change


def test_work_order_lifecycle(aptoria, app, pine):
    maya = pine["lease"]["tenant_ids"][0]
    body = {
        "property_id": pine["property"]["id"],
        "unit_id": pine["unit"]["id"],
        "title": "Bathroom fan is loud",
        "reported_by_tenant_id": maya,
    }
    made = aptoria.post("/api/work-orders", json=body).json()
    assert (made["status"], made["category"], made["priority"], made["description"]) == (
        "open",
        "general",
        "normal",
        "",
    )
    assert made in walk(aptoria, "/api/work-orders", unit_id=pine["unit"]["id"], status="open")
    assert events(app, "work_order.created")[-1]["payload"]["work_order_id"] == made["id"]
    path = f"/api/work-orders/{made['id']}"
    moved = aptoria.patch(path, json={"scheduled_for": "2026-05-27T16:00:00+02:00"}).json()
    assert (moved["status"], moved["scheduled_for"]) == ("scheduled", "2026-05-27T14:00:00Z")
    assert aptoria.patch(path, json={"status": "in_progress"}).json()["status"] == "in_progress"
    assert aptoria.patch(path, json={"status": "open"}).status_code == 409
    assert aptoria.patch(path, json={"vendor_id": "v_" + "0" * 26}).status_code == 404
    vendor = walk(aptoria, "/api/vendors", trade="plumbing")[0]["id"]
    done = aptoria.patch(
        path,
        json={
            "status": "completed",
            "cost_usd": 245,
            "vendor_id": vendor,
            "completion_notes": "Replaced the fan.",
        },
    ).json()
    assert (done["status"], done["cost_usd"], done["completed_at"], done["vendor_id"]) == (
        "completed",
        245,
        "2026-05-25T15:42:18Z",
        vendor,
    )
    assert aptoria.get(path).json() == done
    completed = events(app, "work_order.completed")[-1]["payload"]
    assert (completed["work_order_id"], completed["cost_usd"]) == (made["id"], 245)
    assert aptoria.patch(path, json={"title": "x"}).status_code == 409
    later = aptoria.post(
        "/api/work-orders",
        json={**body, "scheduled_for": "2026-06-01T09:00:00Z", "priority": "high"},
    ).json()
    assert later["status"] == "scheduled"
    cancelled = aptoria.patch(f"/api/work-orders/{later['id']}", json={"status": "cancelled"})
    assert cancelled.json()["status"] == "cancelled" and cancelled.json()["completed_at"] is None
    assert (
        aptoria.post(
            "/api/work-orders", json={**body, "unit_id": pine["foreign"]["id"]}
        ).status_code
        == 404
    )
    assert (
        aptoria.post(
            "/api/work-orders", json={**body, "reported_by_tenant_id": "t_" + "0" * 26}
        ).status_code
        == 404
    )


def test_inspection_lifecycle(aptoria, app, pine):
    body = {
        "property_id": pine["property"]["id"],
        "unit_id": pine["unit"]["id"],
        "inspection_type": "routine",
        "scheduled_for": "2026-06-03T15:00:00Z",
    }
    assert (
        aptoria.post(
            "/api/inspections", json={**body, "unit_id": pine["foreign"]["id"]}
        ).status_code
        == 404
    )
    made = aptoria.post("/api/inspections", json=body).json()
    assert (made["status"], made["inspector_name"], made["result"]) == ("scheduled", None, None)
    done = aptoria.post(
        f"/api/inspections/{made['id']}/complete",
        json={
            "result": "needs_repairs",
            "notes": "Fan broken.",
            "completed_at": "2026-06-03T15:48:31Z",
        },
    )
    assert done.json()["status"] == "completed" and done.json()["completed_at"] == (
        "2026-06-03T15:48:31Z"
    )
    assert events(app, "inspection.completed")[-1]["payload"]["result"] == "needs_repairs"
    assert (
        aptoria.post(f"/api/inspections/{made['id']}/complete", json={"result": "pass"}).status_code
        == 409
    )


def test_every_emitted_event_matches_its_schema(app, org):
    emitted = app.services.emitter.events("aptoria", limit=10_000)
    assert {e["name"] for e in emitted} == {
        "work_order.created",
        "work_order.completed",
        "inspection.completed",
        "rent.late",
    }
    orgs = {o["id"] for o in app.services.store.list("aptoria", "organizations")}
    spec = aptoria_spec()
    for event in emitted:
        # rent.late comes from the clock for every organization; the rest from the demo key.
        assert event["payload"]["organization_id"] in (
            orgs if event["name"] == "rent.late" else {org}
        )
        assert event_errors(event["name"], event["payload"], spec) == [], event


def test_the_three_write_modules_cover_the_thirteen_documented_events():
    # This module, test_aptoria_leasing.py and test_aptoria_rent.py each check their subset.
    assert set(aptoria_spec()["x-webhooks"]) == APTORIA_EVENTS and len(APTORIA_EVENTS) == 13
