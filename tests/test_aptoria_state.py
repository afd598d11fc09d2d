"""Aptoria state: same seed same bytes, every reference resolves, and the rent clock moves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mock_server.apis.aptoria import emit_late_rent
from tests.conftest import demo_token, make_app
from tests.test_aptoria_reads import T0, walk
from tests.test_aptoria_writes import event_errors, events

LISTS = [
    "/api/properties",
    "/api/units",
    "/api/vendors",
    "/api/tenants",
    "/api/leases",
    "/api/applications",
    "/api/inspections",
    "/api/work-orders",
    "/api/expenses",
    "/api/rent-payments",
    "/api/payment-plans",
]
REPORTS = ["/api/ar-aging", "/api/dashboard"]


@pytest.fixture(scope="module")
def app() -> Any:
    app = make_app()
    app.services.clock.freeze(T0.timestamp())
    return app


def raw_pages(app: Any, base: str) -> dict[str, list[bytes]]:
    """The exact bytes of every page of every list, and of the reports, as one client sees them."""
    app.services.clock.freeze(T0.timestamp())
    headers = {"Authorization": f"Bearer {demo_token(app, 'aptoria')}"}
    out: dict[str, list[bytes]] = {}
    with app.test_client() as client:
        for path in LISTS:
            pages, offset, total = [], 0, 1
            while offset < total:
                resp = client.get(
                    base + path, params={"limit": 100, "offset": offset}, headers=headers
                )
                pages.append(resp.content)
                total, offset = resp.json()["total_count"], offset + 100
            out[path] = pages
        for path in REPORTS:
            out[path] = [client.get(base + path, headers=headers).content]
    return out


def test_same_seed_same_bytes_and_another_seed_other_data(app):
    mine = raw_pages(app, "/aptoria")
    twin = raw_pages(make_app(api="aptoria"), "")  # served alone, at the production path
    assert twin == mine
    other = raw_pages(make_app(api="aptoria", seed=2), "")
    for path in LISTS:
        assert other[path] != mine[path], path


def test_every_reference_resolves(aptoria, app):
    got = {path: walk(aptoria, path) for path in LISTS}
    ids = {path: {r["id"]: r for r in rows} for path, rows in got.items()}
    props, units, vendors = ids["/api/properties"], ids["/api/units"], ids["/api/vendors"]
    store = app.services.store
    people = {t["id"] for t in store.list("aptoria", "tenants")}  # removed ones keep history

    def place(row: dict[str, Any], unit_optional: bool = True) -> None:
        assert row["property_id"] in props, row
        if row.get("unit_id") is not None or not unit_optional:
            assert units[row["unit_id"]]["property_id"] == row["property_id"], row

    for prop in props.values():
        assert prop["unit_count"] == sum(u["property_id"] == prop["id"] for u in units.values())
    for path in (
        "/api/units",
        "/api/work-orders",
        "/api/expenses",
        "/api/applications",
        "/api/inspections",
    ):
        for row in got[path]:
            place(row)
    for tenant in got["/api/tenants"]:
        assert tenant["status"] == "active"
        if tenant["property_id"] is not None:
            place(tenant)
    for order in got["/api/work-orders"]:
        assert order["vendor_id"] is None or order["vendor_id"] in vendors
        assert order["reported_by_tenant_id"] in people | {None}
    for lease in got["/api/leases"]:
        place(lease, unit_optional=False)
        assert set(lease["tenant_ids"]) <= people
    leases, payments = ids["/api/leases"], ids["/api/rent-payments"]
    for payment in got["/api/rent-payments"]:
        lease = leases[payment["lease_id"]]
        assert (payment["tenant_id"], payment["property_id"], payment["unit_id"]) == (
            lease["tenant_ids"][0],
            lease["property_id"],
            lease["unit_id"],
        )
    for plan in got["/api/payment-plans"]:
        assert plan["tenant_id"] == leases[plan["lease_id"]]["tenant_ids"][0]
        assert {payments[p]["lease_id"] for p in plan["payment_ids"]} == {plan["lease_id"]}
    for row in aptoria.get("/api/ar-aging").json()["rows"]:
        assert payments[row["payment_id"]]["status"] == "late"


def test_seed_counts_follow_the_profile(app):
    profile = app.services.settings.profile()["aptoria"]
    store = app.services.store
    for kind in (
        "properties",
        "units",
        "tenants",
        "leases",
        "vendors",
        "work_orders",
        "expenses",
        "applications",
        "inspections",
        "payment_plans",
    ):
        assert store.count("aptoria", kind) == profile[kind], kind
    assert store.count("aptoria", "organizations") == 2


def advance_to(aptoria: Any, client: Any, moment: datetime) -> None:
    now = client.get("/_propmock/clock").json()["epoch"]
    resp = client.post("/_propmock/clock/advance", json={"seconds": moment.timestamp() - now})
    assert resp.status_code == 200


def test_rent_late_fires_when_the_clock_passes_a_due_date(aptoria, app, client):
    june = walk(aptoria, "/api/rent-payments", period_label="2026-06", status="due")
    first = next(p for p in june if p["due_date"] == "2026-06-01")
    assert [e for e in events(app, "rent.late") if e["payload"]["payment_id"] == first["id"]] == []
    before = {r["payment_id"]: r["days_late"] for r in aptoria.get("/api/ar-aging").json()["rows"]}
    # Inferred schedule: a payment turns late at 06:00 UTC the day after its due date.
    advance_to(aptoria, client, datetime(2026, 6, 2, 5, 59, tzinfo=UTC))
    assert aptoria.get(f"/api/rent-payments/{first['id']}").json()["status"] == "due"
    advance_to(aptoria, client, datetime(2026, 6, 2, 6, 0, 1, tzinfo=UTC))
    rows = {r["payment_id"]: r for r in aptoria.get("/api/ar-aging").json()["rows"]}
    assert rows[first["id"]]["days_late"] == 1
    assert all(rows[p]["days_late"] == days + 8 for p, days in before.items() if p in rows)
    late = [e for e in events(app, "rent.late") if e["payload"]["payment_id"] == first["id"]]
    assert len(late) == 1 and event_errors("rent.late", late[0]) == []
    assert late[0]["payload"] == {
        "payment_id": first["id"],
        "lease_id": first["lease_id"],
        "tenant_id": first["tenant_id"],
        "amount_usd": first["amount_usd"],
        "period_label": "2026-06",
        "due_date": "2026-06-01",
        "days_late": 1,
        "marked_late_at": "2026-06-02T06:00:01Z",
    }
    assert aptoria.get(f"/api/rent-payments/{first['id']}").json()["status"] == "late"
    aptoria.get("/api/dashboard")
    assert emit_late_rent(app.services) == 0  # announced once, never again
    assert (
        len([e for e in events(app, "rent.late") if e["payload"]["payment_id"] == first["id"]]) == 1
    )
    dash = aptoria.get("/api/dashboard").json()
    assert (dash["period_label"], dash["as_of"]) == ("2026-06", "2026-06-02T06:00:01Z")


def test_the_next_period_is_billed_thirty_days_ahead(aptoria):
    july = walk(aptoria, "/api/rent-payments", period_label="2026-07")
    firsts = [p for p in july if p["due_date"] == "2026-07-01"]
    assert firsts and {(p["status"], p["created_at"]) for p in firsts} == {
        ("due", "2026-06-01T06:00:00Z")
    }
    fifths = [p for p in july if p["due_date"] == "2026-07-05"]
    assert fifths == []  # billed on 2026-06-05 06:00, still ahead of the clock


def test_a_lease_expires_after_its_end_date(aptoria, client):
    active = [lease for lease in walk(aptoria, "/api/leases", status="active") if lease["end_date"]]
    lease = min(active, key=lambda r: (r["end_date"], r["id"]))
    end = datetime.fromisoformat(lease["end_date"]).replace(tzinfo=UTC)
    advance_to(aptoria, client, end.replace(hour=23, minute=59))
    assert aptoria.get(f"/api/leases/{lease['id']}").json()["status"] == "active"
    advance_to(aptoria, client, end + timedelta(days=1, seconds=1))
    assert aptoria.get(f"/api/leases/{lease['id']}").json()["status"] == "expired"
    assert lease["id"] in [r["id"] for r in walk(aptoria, "/api/leases", status="expired")]
    others = walk(aptoria, "/api/leases", unit_id=lease["unit_id"], status="active")
    unit = aptoria.get(f"/api/units/{lease['unit_id']}").json()
    assert unit["status"] == ("occupied" if others else "vacant")
    dues = [p["due_date"] for p in walk(aptoria, "/api/rent-payments", lease_id=lease["id"])]
    assert max(dues) <= lease["end_date"]  # billing stops at the end of the term


def test_the_delivery_loop_tick_runs_the_rent_clock(app):
    assert app.services.emitter.ticks.count(emit_late_rent) == 1
