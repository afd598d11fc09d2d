"""Aptoria people writes: tenants added and removed, leases drafted, signed, ended; applications."""

from __future__ import annotations

from tests.test_aptoria_reads import walk

# app (clock frozen at T0), org and pine: the same module fixtures as the writes tests.
from tests.test_aptoria_writes import app, aptoria_spec, event_errors, events, org, pine  # noqa: F401


def test_tenant_add_and_remove(aptoria, app, pine):
    body = {
        "first_name": "Jordan",
        "last_name": "Okafor",
        "email": "jordan.okafor@example.com",
        "phone": "+16125550188",
        "unit_id": pine["unit"]["id"],
    }
    made = aptoria.post("/api/tenants", json=body)
    assert made.status_code == 201
    tenant = made.json()
    assert (tenant["display_name"], tenant["property_id"], tenant["status"]) == (
        "Jordan O.",
        pine["property"]["id"],
        "active",
    )
    assert events(app, "tenant.added")[-1]["payload"]["tenant_id"] == tenant["id"]
    assert tenant in walk(aptoria, "/api/tenants", unit_id=pine["unit"]["id"])
    gone = aptoria.delete(f"/api/tenants/{tenant['id']}")
    assert gone.status_code == 200
    assert gone.json() == {**tenant, "status": "removed", "removed_at": "2026-05-25T15:42:18Z"}
    assert events(app, "tenant.removed")[-1]["payload"]["tenant_id"] == tenant["id"]
    assert aptoria.get(f"/api/tenants/{tenant['id']}").status_code == 404
    assert aptoria.delete(f"/api/tenants/{tenant['id']}").status_code == 404
    assert tenant["id"] not in [t["id"] for t in walk(aptoria, "/api/tenants")]
    busy = aptoria.delete(f"/api/tenants/{pine['lease']['tenant_ids'][0]}")
    assert busy.status_code == 409 and "terminate the lease first" in busy.json()["error"]
    assert aptoria.post("/api/tenants", json={**body, "unit_id": "0" * 24}).status_code == 404


def test_lease_lifecycle(aptoria, app, pine):
    unit = next(u for u in walk(aptoria, "/api/units", status="vacant"))
    tenant = aptoria.post(
        "/api/tenants",
        json={"first_name": "Ana", "last_name": "Lee", "email": "ana.lee@example.com"},
    ).json()
    body = {
        "unit_id": unit["id"],
        "tenant_ids": [tenant["id"]],
        "start_date": "2026-06-01",
        "end_date": "2027-05-31",
        "monthly_rent_usd": 1650,
    }
    ends_first = aptoria.post("/api/leases", json={**body, "end_date": "2026-06-01"})
    assert ends_first.status_code == 409  # schema-valid, so not a 400
    assert ends_first.json() == {"error": "'end_date' must be after 'start_date'."}
    assert (
        aptoria.post("/api/leases", json={**body, "tenant_ids": ["t_" + "0" * 26]}).status_code
        == 404
    )
    draft = aptoria.post("/api/leases", json=body).json()
    assert (
        draft["status"],
        draft["property_id"],
        draft["security_deposit_usd"],
        draft["rent_due_day"],
        draft["signed_at"],
    ) == ("draft", unit["property_id"], 0, 1, None)
    assert draft in walk(aptoria, "/api/leases", tenant_id=tenant["id"], status="draft")
    assert (
        aptoria.post(
            f"/api/leases/{draft['id']}/terminate",
            json={"termination_date": "2026-06-30", "reason": "other"},
        ).status_code
        == 409
    )
    signed = aptoria.post(f"/api/leases/{draft['id']}/sign")  # the body is optional
    assert signed.status_code == 200
    assert (signed.json()["status"], signed.json()["signed_at"]) == (
        "active",
        "2026-05-25T15:42:18Z",
    )
    assert events(app, "lease.signed")[-1]["payload"]["lease_id"] == draft["id"]
    assert aptoria.get(f"/api/units/{unit['id']}").json()["status"] == "occupied"
    assert aptoria.get(f"/api/tenants/{tenant['id']}").json()["unit_id"] == unit["id"]
    june = walk(aptoria, "/api/rent-payments", lease_id=draft["id"])
    assert [(p["period_label"], p["status"], p["amount_usd"], p["created_at"]) for p in june] == [
        ("2026-06", "due", 1650, "2026-05-02T06:00:00Z")
    ]  # billed 30 days ahead
    assert aptoria.post(f"/api/leases/{draft['id']}/sign", json={}).status_code == 409
    too_early = {"termination_date": "2026-05-31", "reason": "other"}  # before the start
    assert aptoria.post(f"/api/leases/{draft['id']}/terminate", json=too_early).status_code == 409
    ended = aptoria.post(
        f"/api/leases/{draft['id']}/terminate",
        json={"termination_date": "2026-06-30", "reason": "tenant_notice", "note": "Moving."},
    ).json()
    assert (
        ended["status"],
        ended["termination_date"],
        ended["termination_reason"],
        ended["terminated_at"],
    ) == ("terminated", "2026-06-30", "tenant_notice", "2026-05-25T15:42:18Z")
    assert events(app, "lease.terminated")[-1]["payload"]["reason"] == "tenant_notice"
    assert aptoria.get(f"/api/units/{unit['id']}").json()["status"] == "vacant"
    assert (
        aptoria.post(
            f"/api/leases/{draft['id']}/terminate",
            json={"termination_date": "2026-06-30", "reason": "other"},
        ).status_code
        == 409
    )


def test_terminating_withdraws_rent_billed_for_after_the_end(aptoria, pine):
    lease = pine["lease"]["id"]
    june = walk(aptoria, "/api/rent-payments", lease_id=lease, period_label="2026-06")
    assert [p["status"] for p in june] == ["due"]  # billed 2026-05-02, due 2026-06-01
    ended = aptoria.post(
        f"/api/leases/{lease}/terminate",
        json={"termination_date": "2026-05-31", "reason": "mutual_agreement"},
    )
    assert ended.status_code == 200
    assert aptoria.get(f"/api/rent-payments/{june[0]['id']}").status_code == 404
    periods = [p["period_label"] for p in walk(aptoria, "/api/rent-payments", lease_id=lease)]
    assert "2026-05" in periods and "2026-06" not in periods  # May is still owed


def test_application_lifecycle(aptoria, app, pine):
    body = {
        "unit_id": pine["unit"]["id"],
        "desired_move_in": "2026-07-01",
        "applicant": {
            "first_name": "Priya",
            "last_name": "Natarajan",
            "email": "priya.n@example.com",
        },
    }
    made = aptoria.post("/api/applications", json=body).json()
    assert (made["status"], made["monthly_income_usd"], made["decided_at"]) == (
        "submitted",
        None,
        None,
    )
    submitted = events(app, "application.submitted")[-1]["payload"]
    assert (submitted["application_id"], submitted["applicant_name"]) == (
        made["id"],
        "Priya Natarajan",
    )
    approved = aptoria.post(f"/api/applications/{made['id']}/approve").json()
    assert (approved["status"], approved["decided_at"]) == ("approved", "2026-05-25T15:42:18Z")
    assert events(app, "application.approved")[-1]["payload"]["application_id"] == made["id"]
    assert aptoria.post(f"/api/applications/{made['id']}/approve").status_code == 409
    assert (
        aptoria.post(f"/api/applications/{made['id']}/deny", json={"reason": "other"}).status_code
        == 409
    )
    other = aptoria.post("/api/applications", json=body).json()
    denied = aptoria.post(
        f"/api/applications/{other['id']}/deny",
        json={"reason": "rental_history", "note": "Unpaid balance."},
    ).json()
    assert (denied["status"], denied["denial_reason"], denied["decision_note"]) == (
        "denied",
        "rental_history",
        "Unpaid balance.",
    )
    assert events(app, "application.denied")[-1]["payload"]["reason"] == "rental_history"
    assert denied in walk(aptoria, "/api/applications", status="denied", unit_id=pine["unit"]["id"])


def test_every_emitted_event_matches_its_schema(app, org):
    emitted = app.services.emitter.events("aptoria", limit=10_000)
    assert {e["name"] for e in emitted} == {
        "tenant.added",
        "tenant.removed",
        "lease.signed",
        "lease.terminated",
        "application.submitted",
        "application.approved",
        "application.denied",
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
