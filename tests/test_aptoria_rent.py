"""Aptoria money writes: recording rent, proposing plans; and organizations stay apart."""

from __future__ import annotations

from tests.test_aptoria_reads import walk

# app (clock frozen at T0), org and pine: the same module fixtures as the writes tests.
from tests.test_aptoria_writes import app, aptoria_spec, event_errors, events, org, pine  # noqa: F401

NO_LEASE, NO_PAYMENT = "l_" + "0" * 26, "p_" + "0" * 26


def test_record_rent_payment_settles_the_period(aptoria, app, pine):
    lease = pine["lease"]["id"]
    april = walk(aptoria, "/api/rent-payments", lease_id=lease, period_label="2026-04")[0]
    assert (april["status"], april["days_late"]) == ("late", 54)
    body = {
        "lease_id": lease,
        "period_label": "2026-04",
        "amount_usd": 1825,
        "method": "ach",
        "paid_at": "2026-05-25T15:42:14Z",
        "reference": "ACH 8841-2206",
    }
    paid = aptoria.post("/api/rent-payments", json=body)
    assert paid.status_code == 201
    assert paid.json() == {
        **april,
        "status": "paid",
        "days_late": 54,
        "amount_paid_usd": 1825,
        "paid_at": "2026-05-25T15:42:14Z",
        "method": "ach",
        "reference": "ACH 8841-2206",
    }
    assert events(app, "rent.paid")[-1]["payload"] == {
        "payment_id": april["id"],
        "lease_id": lease,
        "amount_usd": 1825,
        "period_label": "2026-04",
        "paid_at": "2026-05-25T15:42:14Z",
    }
    aging = aptoria.get("/api/ar-aging").json()["rows"]
    assert april["id"] not in [r["payment_id"] for r in aging]
    assert aptoria.post("/api/rent-payments", json=body).status_code == 409
    ahead = aptoria.post("/api/rent-payments", json={**body, "period_label": "2026-08"}).json()
    assert (ahead["status"], ahead["due_date"], ahead["days_late"]) == ("paid", "2026-08-01", 0)
    assert aptoria.get(f"/api/rent-payments/{ahead['id']}").json() == ahead
    for period in ("2025-08", "2026-09"):  # outside 2025-09-01 .. 2026-08-31
        assert (
            aptoria.post("/api/rent-payments", json={**body, "period_label": period}).status_code
            == 409
        )
    draft = walk(aptoria, "/api/leases", status="draft")[0]["id"]
    assert aptoria.post("/api/rent-payments", json={**body, "lease_id": draft}).status_code == 409
    assert (
        aptoria.post("/api/rent-payments", json={**body, "lease_id": NO_LEASE}).status_code == 404
    )


def test_propose_payment_plan(aptoria, app, pine):
    lease = pine["lease"]["id"]
    may = walk(aptoria, "/api/rent-payments", lease_id=lease, status="late")
    assert [p["period_label"] for p in may] == ["2026-05"]
    body = {
        "lease_id": lease,
        "installments": [
            {"due_date": "2026-06-05", "amount_usd": 912.5},
            {"due_date": "2026-06-19", "amount_usd": 912.5},
        ],
        "note": "Two installments, no late fee.",
    }
    plan = aptoria.post("/api/payment-plans", json=body)
    assert plan.status_code == 201
    assert {
        k: plan.json()[k] for k in ("payment_ids", "status", "total_amount_usd", "tenant_id")
    } == {
        "payment_ids": [may[0]["id"]],
        "status": "proposed",
        "total_amount_usd": 1825,
        "tenant_id": pine["lease"]["tenant_ids"][0],
    }
    assert aptoria.get(f"/api/payment-plans/{plan.json()['id']}").json() == plan.json()
    assert plan.json() in walk(aptoria, "/api/payment-plans", lease_id=lease, status="proposed")
    proposed = events(app, "payment_plan.proposed")[-1]["payload"]
    assert (proposed["installment_count"], proposed["first_due_date"]) == (2, "2026-06-05")
    paid = walk(aptoria, "/api/rent-payments", lease_id=lease, status="paid")[0]["id"]
    foreign = next(
        p["id"]
        for p in walk(aptoria, "/api/rent-payments", status="late")
        if p["lease_id"] != lease
    )
    for ids, status in (([paid], 409), ([foreign], 409), ([NO_PAYMENT], 404)):
        assert (
            aptoria.post("/api/payment-plans", json={**body, "payment_ids": ids}).status_code
            == status
        )
    assert (
        aptoria.post("/api/payment-plans", json={**body, "lease_id": NO_LEASE}).status_code == 404
    )


def test_every_emitted_event_matches_its_schema(app, org):
    emitted = app.services.emitter.events("aptoria", limit=10_000)
    assert {e["name"] for e in emitted} == {"rent.paid", "payment_plan.proposed", "rent.late"}
    orgs = {o["id"] for o in app.services.store.list("aptoria", "organizations")}
    spec = aptoria_spec()
    for event in emitted:
        # rent.late comes from the clock for every organization; the rest from the demo key.
        assert event["payload"]["organization_id"] in (
            orgs if event["name"] == "rent.late" else {org}
        )
        assert event_errors(event["name"], event["payload"], spec) == [], event


def test_another_organization_sees_nothing_of_the_demo_one(aptoria, app, org, pine):
    other = next(o for o in app.services.store.list("aptoria", "organizations") if o["id"] != org)
    key = app.services.auth.issue(
        "aptoria",
        other["id"],
        {"scopes": app.services.auth.list("aptoria")[0]["scopes"], "organization_id": other["id"]},
    )
    token = key["token"]
    for path in (
        "/api/properties",
        "/api/units",
        "/api/tenants",
        "/api/leases",
        "/api/rent-payments",
        "/api/work-orders",
        "/api/expenses",
        "/api/vendors",
        "/api/applications",
        "/api/inspections",
        "/api/payment-plans",
    ):
        theirs = {
            r["id"] for r in aptoria.get(path, token=token, params={"limit": 100}).json()["rows"]
        }
        ours = {r["id"] for r in walk(aptoria, path)}
        assert theirs and not theirs & ours, path
    assert aptoria.get(f"/api/leases/{pine['lease']['id']}", token=token).status_code == 404
    assert aptoria.get("/api/dashboard", token=token).json()["organization_id"] == other["id"]
    assert "Maya R." not in str(aptoria.get("/api/ar-aging", token=token).json())
    assert (
        aptoria.post(
            "/api/expenses",
            token=token,
            json={
                "action": "add_entry",
                "property_id": pine["property"]["id"],
                "category_id": "repairs",
                "label": "x",
                "amount_usd": 1,
                "paid_on": "2026-05-01",
            },
        ).status_code
        == 404
    )
