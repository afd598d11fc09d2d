"""Aptoria reads: every list's filters, order and paging; reads by id; reports and AI helpers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.conftest import make_app

# The docs' "as of" (the dashboard example): Maya R.'s April rent is then 54 days late.
T0 = datetime(2026, 5, 25, 15, 42, 18, tzinfo=UTC)
UNKNOWN = {
    "property_id": "0" * 24,
    "unit_id": "0" * 24,
    "lease_id": "l_" + "0" * 26,
    "tenant_id": "t_" + "0" * 26,
}
# path -> (query parameter, row field) for every documented filter but the date range.
FILTERS = {
    "/api/expenses": [("property_id", "property_id"), ("category_id", "category_id")],
    "/api/work-orders": [
        ("unit_id", "unit_id"),
        ("property_id", "property_id"),
        ("status", "status"),
    ],
    "/api/tenants": [("property_id", "property_id"), ("unit_id", "unit_id")],
    "/api/leases": [
        ("property_id", "property_id"),
        ("unit_id", "unit_id"),
        ("tenant_id", "tenant_ids"),
        ("status", "status"),
    ],
    "/api/applications": [
        ("property_id", "property_id"),
        ("unit_id", "unit_id"),
        ("status", "status"),
    ],
    "/api/inspections": [
        ("property_id", "property_id"),
        ("unit_id", "unit_id"),
        ("status", "status"),
    ],
    "/api/rent-payments": [
        ("lease_id", "lease_id"),
        ("tenant_id", "tenant_id"),
        ("status", "status"),
        ("period_label", "period_label"),
    ],
    "/api/payment-plans": [("lease_id", "lease_id"), ("status", "status")],
    "/api/units": [("property_id", "property_id"), ("status", "status")],
    "/api/vendors": [("trade", "trade")],
    "/api/properties": [],
}
ORDER = {  # documented order of each list: (sort key, newest/largest first?)
    "/api/expenses": (lambda r: (r["paid_on"], r["created_at"]), True),
    "/api/work-orders": (lambda r: r["created_at"], True),
    "/api/tenants": (lambda r: r["created_at"], True),
    "/api/leases": (lambda r: r["created_at"], True),
    "/api/applications": (lambda r: r["submitted_at"], True),
    "/api/inspections": (lambda r: r["scheduled_for"], True),
    "/api/rent-payments": (lambda r: r["due_date"], True),
    "/api/payment-plans": (lambda r: r["proposed_at"], True),
    "/api/properties": (lambda r: r["name"], False),
    "/api/vendors": (lambda r: r["name"], False),
}


@pytest.fixture(scope="module")
def app() -> Any:
    app = make_app()
    app.services.clock.freeze(T0.timestamp())
    return app


def walk(aptoria: Any, path: str, **params: Any) -> list[dict[str, Any]]:
    """Every row of a list, 100 at a time."""
    rows: list[dict[str, Any]] = []
    while True:
        resp = aptoria.get(path, params={**params, "limit": 100, "offset": len(rows)})
        assert resp.status_code == 200, resp.text
        body = resp.json()
        rows += body["rows"]
        if len(rows) >= body["total_count"]:
            assert len(rows) == body["total_count"]
            return rows


def matches(row: dict[str, Any], field: str, value: str) -> bool:
    return value in row[field] if isinstance(row[field], list) else row[field] == value


@pytest.mark.parametrize("path", sorted(FILTERS))
def test_every_filter_keeps_exactly_the_matching_rows(aptoria, path):
    everything = walk(aptoria, path)
    assert everything, f"{path} is seeded"
    for param, field in FILTERS[path]:
        values = sorted(
            {
                v
                for r in everything
                for v in (r[field] if isinstance(r[field], list) else [r[field]])
                if v
            }
        )
        assert values, (path, field)
        for value in values[:3]:
            expected = [r["id"] for r in everything if matches(r, field, value)]
            assert [r["id"] for r in walk(aptoria, path, **{param: value})] == expected
        if param in UNKNOWN:  # a filter that matches nothing: empty rows, never a 404
            body = aptoria.get(path, params={param: UNKNOWN[param]}).json()
            assert (body["rows"], body["total_count"]) == ([], 0)


@pytest.mark.parametrize("path", sorted(ORDER))
def test_lists_come_in_their_documented_order(aptoria, path):
    key, newest_first = ORDER[path]
    keys = [key(r) for r in walk(aptoria, path)]
    assert keys == sorted(keys, reverse=newest_first)


def test_units_come_by_property_name_then_label(aptoria):
    names = {p["id"]: p["name"] for p in walk(aptoria, "/api/properties")}
    keys = [(names[u["property_id"]], u["label"]) for u in walk(aptoria, "/api/units")]
    assert keys == sorted(keys)


@pytest.mark.parametrize("path", sorted(FILTERS))
def test_pages_tile_the_list_and_reads_match_rows(aptoria, path):
    everything = walk(aptoria, path)
    paged, offset = [], 0
    while offset < len(everything):
        body = aptoria.get(path, params={"limit": 7, "offset": offset}).json()
        assert (body["limit"], body["offset"], body["total_count"]) == (7, offset, len(everything))
        paged += body["rows"]
        offset += 7
    assert paged == everything
    assert aptoria.get(path, params={"offset": len(everything)}).json()["rows"] == []
    default = aptoria.get(path).json()
    assert (default["limit"], default["offset"]) == (50, 0)
    for row in everything[:3]:
        resp = aptoria.get(f"{path}/{row['id']}")
        assert resp.status_code == 200 and resp.json() == row
        assert resp.headers["x-request-id"].startswith("req_")


def test_expense_date_range_filter(aptoria):
    everything = walk(aptoria, "/api/expenses")
    days = sorted({e["paid_on"] for e in everything})
    low, high = days[len(days) // 4], days[3 * len(days) // 4]
    expected = [e["id"] for e in everything if low <= e["paid_on"] <= high]
    got = walk(aptoria, "/api/expenses", paid_on_from=low, paid_on_to=high)
    assert [e["id"] for e in got] == expected and 0 < len(expected) < len(everything)
    assert walk(aptoria, "/api/expenses", paid_on_from=high, paid_on_to=low) == [
        e for e in everything if e["paid_on"] == low == high
    ]


def test_the_docs_examples_are_in_the_seed(aptoria):
    pine = next(p for p in walk(aptoria, "/api/properties") if p["name"] == "127 Pine")
    assert pine["address"]["line1"] == "127 Pine St" and pine["id"].startswith("5f")
    unit = next(
        u for u in walk(aptoria, "/api/units", property_id=pine["id"]) if u["label"] == "1B"
    )
    assert unit["status"] == "occupied"
    maya = next(t for t in walk(aptoria, "/api/tenants") if t["display_name"] == "Maya R.")
    assert (maya["unit_id"], maya["property_id"]) == (unit["id"], pine["id"])
    plow = walk(aptoria, "/api/vendors", trade="snow_removal")[0]
    assert plow["name"] == "Twin Cities Plow Co."
    snow = next(
        e for e in walk(aptoria, "/api/expenses") if e["label"] == "Snow removal — driveway"
    )
    assert (snow["amount_usd"], snow["paid_on"], snow["vendor"], snow["property_id"]) == (
        380,
        "2026-02-14",
        "Twin Cities Plow Co.",
        pine["id"],
    )
    sink = walk(aptoria, "/api/work-orders", unit_id=unit["id"])
    assert any(w["title"] == "Kitchen sink leaking under cabinet" for w in sink)


def test_ar_aging_reproduces_the_docs_example(aptoria):
    report = aptoria.get("/api/ar-aging").json()
    maya = [r for r in report["rows"] if r["tenant_name"] == "Maya R."]
    assert [
        (r["property_name"], r["unit_label"], r["amount"], r["due_date"], r["days_late"])
        for r in maya
    ] == [("127 Pine", "1B", 1825, "2026-04-01", 54), ("127 Pine", "1B", 1825, "2026-05-01", 24)]
    days = [r["days_late"] for r in report["rows"]]
    assert days == sorted(days, reverse=True) and min(days) >= 1
    buckets = {"0-30": 0.0, "31-60": 0.0, "61-90": 0.0, "90+": 0.0}
    for row in report["rows"]:
        d = row["days_late"]
        buckets["0-30" if d <= 30 else "31-60" if d <= 60 else "61-90" if d <= 90 else "90+"] += (
            row["amount"]
        )
    expected = {**buckets, "total": sum(buckets.values())}
    assert report["totals"] == pytest.approx(expected)
    late = walk(aptoria, "/api/rent-payments", status="late")
    assert sorted(r["payment_id"] for r in report["rows"]) == sorted(p["id"] for p in late)
    pine = report["rows"][0]
    prop_id = next(p["property_id"] for p in late if p["id"] == pine["payment_id"])
    only = aptoria.get("/api/ar-aging", params={"property_id": prop_id}).json()["rows"]
    assert only and {r["property_name"] for r in only} == {pine["property_name"]}
    none = aptoria.get("/api/ar-aging", params={"property_id": "0" * 24}).json()
    assert none == {"rows": [], "totals": {"0-30": 0, "31-60": 0, "61-90": 0, "90+": 0, "total": 0}}


def test_dashboard_is_computed_from_the_state(aptoria, app):
    dash = aptoria.get("/api/dashboard").json()
    units = walk(aptoria, "/api/units")
    occupied = [u for u in units if u["status"] == "occupied"]
    may = walk(aptoria, "/api/rent-payments", period_label="2026-05")
    aging = aptoria.get("/api/ar-aging").json()
    mtd = walk(aptoria, "/api/expenses", paid_on_from="2026-05-01", paid_on_to="2026-05-25")
    open_work = sum(
        len(walk(aptoria, "/api/work-orders", status=s))
        for s in ("open", "scheduled", "in_progress")
    )
    assert dash == {
        "organization_id": next(c["subject"] for c in app.services.auth.list("aptoria")),
        "as_of": "2026-05-25T15:42:18Z",
        "period_label": "2026-05",
        "properties_count": len(walk(aptoria, "/api/properties")),
        "units_count": len(units),
        "occupied_units": len(occupied),
        "occupancy_rate": round(len(occupied) / len(units), 4),
        "rent_expected_usd": pytest.approx(sum(p["amount_usd"] for p in may)),
        "rent_collected_usd": pytest.approx(sum(p["amount_paid_usd"] or 0 for p in may)),
        "rent_outstanding_usd": aging["totals"]["total"],
        "delinquent_payments": len(aging["rows"]),
        "open_work_orders": open_work,
        "expenses_mtd_usd": pytest.approx(sum(e["amount_usd"] for e in mtd)),
    }


def test_vendor_summary_counts_the_vendors_work_orders(aptoria):
    plow = walk(aptoria, "/api/vendors", trade="snow_removal")[0]
    orders = [w for w in walk(aptoria, "/api/work-orders") if w["vendor_id"] == plow["id"]]
    done = [w for w in orders if w["status"] == "completed"]
    resp = aptoria.post("/api/ai-vendor-summary", json={"vendor_id": plow["id"]})
    assert resp.status_code == 200
    body = resp.json()
    assert (body["vendor_name"], body["work_orders_total"], body["work_orders_completed"]) == (
        "Twin Cities Plow Co.",
        len(orders),
        len(done),
    )
    assert body["total_spend_usd"] == pytest.approx(sum(w["cost_usd"] for w in done))
    assert body["summary"].startswith(
        f"Twin Cities Plow Co. completed {len(done)} of {len(orders)} work orders"
    )
    assert body["generated_at"] == "2026-05-25T15:42:18Z"
    assert (
        resp.json() == aptoria.post("/api/ai-vendor-summary", json={"vendor_id": plow["id"]}).json()
    )  # deterministic
    missing = aptoria.post("/api/ai-vendor-summary", json={"vendor_id": "v_" + "0" * 26})
    assert missing.status_code == 404 and missing.json() == {
        "error": f"Vendor v_{'0' * 26} not found."
    }


def test_delinquency_prioritizer_ranks_the_aging_rows(aptoria):
    aging = {r["payment_id"]: r for r in aptoria.get("/api/ar-aging").json()["rows"]}
    resp = aptoria.post("/api/ai-delinquency-prioritizer")  # no body: the whole portfolio
    assert resp.status_code == 200
    rows = resp.json()["rows"]
    assert [r["rank"] for r in rows] == list(range(1, min(10, len(aging)) + 1))
    risks = [r["risk_score"] for r in rows]
    assert risks == sorted(risks, reverse=True)
    for row in rows:
        assert (row["amount_usd"], row["days_late"]) == (
            aging[row["payment_id"]]["amount"],
            aging[row["payment_id"]]["days_late"],
        )
    every = aptoria.post("/api/ai-delinquency-prioritizer", json={"max_results": 50}).json()
    maya = next(r for r in every["rows"] if r["tenant_name"] == "Maya R." and r["days_late"] == 54)
    assert maya["recommended_action"] == "offer_payment_plan"
    one = aptoria.post("/api/ai-delinquency-prioritizer", json={"max_results": 1}).json()["rows"]
    assert one == [rows[0]]
    prop = aptoria.post("/api/ai-delinquency-prioritizer", json={"property_id": "0" * 24})
    assert prop.status_code == 404
