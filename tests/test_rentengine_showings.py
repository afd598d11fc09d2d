"""RentEngine showings (availability, booking, rescheduling) and the reports built on them."""

from __future__ import annotations

from datetime import UTC, datetime
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

OPERATIONS = {
    "get_showing_availability",
    "create_showing",
    "get_unit_leasing_performance",
    "list_marketing_sources",
    "list_application_reports",
}
NOON = datetime(2026, 5, 1, 12, tzinfo=UTC)  # after every seeded stamp (the epoch is midnight)
PERSON = {
    "firstName": "Maya",
    "lastName": "Thompson",
    "email": "maya@example.com",
    "phone": "5125550142",
    "creditScore": "800+",
    "income": "$20000/month",
    "questionAnswers": [],
}


@pytest.fixture(scope="module")
def app() -> Any:
    app = make_app(journal_size=100_000)
    app.services.clock.freeze(NOON.timestamp())
    return app


@pytest.fixture(scope="module")
def unit(app: Any) -> dict[str, Any]:
    """An Available unit of the demo user's, made a Texas one showable from tomorrow."""
    found = next(u for u in records(app, "units", owners=mine(app)) if u["status"] == "Available")
    found["earliest_showing_date"] = "2026-05-01"
    found["address"]["state"] = "TX"
    app.services.store.put("rentengine", "units", found["id"], found, owner=found["account_id"])
    return found  # type: ignore[no-any-return]


def availability(rentengine: Any, unit_id: int) -> dict[str, Any]:
    response = rentengine.get(f"/showings/availability?unitId={unit_id}")
    assert response.status_code == 200, response.text
    return response.json()["availability"]  # type: ignore[no-any-return]


def test_availability(rentengine: Any, unit: dict[str, Any]) -> None:
    found = availability(rentengine, unit["id"])
    windows = found["availableShowingWindows"]
    # Seven days of 16 half-hour slots, 10:00-18:00 Central (15:00Z in May, CDT).
    assert len(windows) == 7 * 16
    assert (
        windows[0]["start"] == "2026-05-02T15:00:00.000Z"
        and windows[0]["end"] == "2026-05-02T15:30:00.000Z"
    )
    assert found["preferredShowingWindows"] == windows[:3]
    assert (found["timezoneName"], found["timezoneAbbreviation"]) == ("America/Chicago", "CDT")
    assert (found["unitId"], found["unitStatus"], found["showingMethod"]) == (
        unit["id"],
        "Available",
        unit["showing_method"],
    )
    assert windows[0]["showingMethodsAvailable"] == [unit["showing_method"]]


def test_book_and_reschedule(app: Any, rentengine: Any, unit: dict[str, Any]) -> None:
    first, second = availability(rentengine, unit["id"])["availableShowingWindows"][:2]
    seq = last_seq(app)
    body = {"unitId": unit["id"], "plannedForTime": first["start"], "prospectData": PERSON}
    response = rentengine.post("/showings/create", json=body)
    assert (response.status_code, response.json()) == (200, {"statusText": "success"})
    starts = [w["start"] for w in availability(rentengine, unit["id"])["availableShowingWindows"]]
    assert first["start"] not in starts and second["start"] in starts
    created = events(app, seq)
    assert [e["name"] for e in created] == ["prospects.INSERT", "leasing_events.INSERT"]
    for event in created:
        check_payload(event["name"], event["payload"])
    prospect, showing = (e["payload"]["record"] for e in created)
    assert (prospect["name"], prospect["unit_of_interest"], prospect["status"]) == (
        "Maya Thompson",
        unit["id"],
        "New",
    )
    assert (showing["event_type"], showing["planned_date_time"], showing["prospect"]) == (
        "Showing Scheduled",
        first["start"],
        prospect["id"],
    )
    assert rentengine.get(f"/prospects/{prospect['id']}").json() == prospect
    # The same person again is the same prospect (matched by email): no new prospect.
    seq = last_seq(app)
    moved = rentengine.post(
        "/showings/create",
        json={**body, "plannedForTime": second["start"], "rescheduleEvent": {"id": showing["id"]}},
    )
    assert moved.status_code == 200
    [update] = events(app, seq)
    check_payload(update["name"], update["payload"])
    assert update["name"] == "leasing_events.UPDATE"
    assert update["payload"]["old_record"]["planned_date_time"] == first["start"]
    assert update["payload"]["record"]["planned_date_time"] == second["start"]
    starts = [w["start"] for w in availability(rentengine, unit["id"])["availableShowingWindows"]]
    assert first["start"] in starts and second["start"] not in starts
    missing = rentengine.post("/showings/create", json={**body, "rescheduleEvent": {"id": 999999}})
    assert (missing.status_code, missing.json()) == (404, {"error": "Showing 999999 not found"})


def test_prescreening_failure_creates_nothing(app: Any, rentengine: Any) -> None:
    strict = {
        t["id"]
        for t in records(app, "prescreening_templates")
        if t["rules"]["minimumIncomeRentMultiplier"]
    }
    target = next(
        u for u in records(app, "units", owners=mine(app)) if u["prescreen_template_id"] in strict
    )
    seq = last_seq(app)
    body = {
        "unitId": target["id"],
        "plannedForTime": "2026-05-03T15:00:00Z",
        "prospectData": {
            **PERSON,
            "email": "low@example.com",
            "phone": "5125550199",
            "income": "$100/month",
        },
    }
    response = rentengine.post("/showings/create", json=body)
    assert response.status_code == 400
    assert response.json()["error"] == "Prospect did not pass prescreening"
    assert response.json()["details"][0]["dataPath"] == ".body.prospectData.income"
    assert events(app, seq) == []
    # Agents are not prescreened.
    agent = {**body["prospectData"], "prospectType": "Agent", "agentTk": "K7Q2ZP"}
    assert (
        rentengine.post("/showings/create", json={**body, "prospectData": agent}).status_code == 200
    )


def test_showing_404s(app: Any, rentengine: Any) -> None:
    hidden = records(app, "units", owners=[theirs(app)])[0]["id"]
    for unit_id in (hidden, 999999):
        assert rentengine.get(f"/showings/availability?unitId={unit_id}").status_code == 404
        body = {"unitId": unit_id, "plannedForTime": "2026-05-03T15:00:00Z", "prospectData": PERSON}
        assert rentengine.post("/showings/create", json=body).json() == {
            "error": f"Unit {unit_id} not found"
        }


def test_unit_leasing_performance(app: Any, rentengine: Any, unit: dict[str, Any]) -> None:
    response = rentengine.get(
        f"/reporting/leasing-performance/units/{unit['id']}",
        params={"start": "2026-05-01T00:00:00Z", "end": "2026-05-01T23:59:59Z"},
    )
    assert response.status_code == 200, response.text
    report = response.json()
    # This module's bookings today: one new prospect, one showing (moved, so still one).
    assert (
        report["new_prospects"],
        report["showings_scheduled"],
        report["showings_completed"],
    ) == (1, 1, 0)
    assert report["upcoming_showings"] >= 1 and report["property_health"] in ("Healthy", "At-risk")
    assert report["unit_id"] == unit["id"] and report["days_on_market"] >= 0
    bare = rentengine.get(
        f"/reporting/leasing-performance/units/{unit['id']}?start=2026-05-01&end=2026-05-02"
    )
    assert bare.status_code == 400  # a bare date is a 400 (observed)
    assert (
        rentengine.get(
            "/reporting/leasing-performance/units/999999?start=2026-05-01T00:00:00Z"
            "&end=2026-05-02T00:00:00Z"
        ).status_code
        == 404
    )


def test_marketing_sources(app: Any, rentengine: Any) -> None:
    accounts = ",".join(mine(app))
    period = "start=2026-04-01T00:00:00Z&end=2026-05-01T00:00:00Z"
    response = rentengine.get(f"/reporting/marketing-sources?account_ids={accounts}&{period}")
    assert response.status_code == 200, response.text
    leads: dict[str, int] = {}
    for p in records(app, "prospects", owners=mine(app)):
        if "2026-04-01T00:00:00.000Z" <= p["created_at"] <= "2026-05-01T00:00:00.000Z":
            leads[p["source"] or "Unknown"] = leads.get(p["source"] or "Unknown", 0) + 1
    rows = response.json()["data"]
    assert {r["source_display"]: r["leads"] for r in rows} == leads
    assert [r["leads"] for r in rows] == sorted(leads.values(), reverse=True)
    paged = rentengine.get(
        f"/reporting/marketing-sources?account_ids={accounts}&{period}&limit=1"
    ).json()
    assert paged["data"] == rows[:1] and paged["page"]["has_more"] is (len(rows) > 1)
    other = rentengine.get(
        f"/reporting/marketing-sources?account_ids={theirs(app)}&{period}"
    ).json()
    assert other["data"] == []
    long = rentengine.get(
        f"/reporting/marketing-sources?account_ids={accounts}"
        "&start=2026-01-01T00:00:00Z&end=2026-03-01T00:00:00Z"
    )
    assert long.status_code == 400 and long.json()["details"][0]["keyword"] == "maximum"


def test_application_reports(app: Any, rentengine: Any) -> None:
    groups = records(app, "rental_application_groups", owners=mine(app))
    probe = groups[len(groups) // 2]
    day = probe["created_at"][:10]
    response = rentengine.get(f"/reporting/applications?start={day}&end={day}&limit=100")
    assert response.status_code == 200, response.text
    rows = response.json()["data"]
    assert [r["application_group_id"] for r in rows] == [
        g["id"] for g in groups if g["created_at"][:10] == day
    ]
    row = next(r for r in rows if r["application_group_id"] == probe["id"])
    lead = app.services.store.get("rentengine", "prospects", probe["prospect_id"])
    unit = app.services.store.get("rentengine", "units", probe["unit_id"])
    assert (row["lead_applicant"], row["address"]) == (
        lead["name"],
        unit["address"]["formatted_address"],
    )
    everything = rentengine.get(
        f"/reporting/applications?limit=100&account_ids={','.join(mine(app))}"
    ).json()
    assert [r["application_group_id"] for r in everything["data"]] == [g["id"] for g in groups][
        :100
    ]
    assert rentengine.get(f"/reporting/applications?account_ids={theirs(app)}").json()["data"] == []
    assert rentengine.get("/reporting/applications?start=2026-02-30").status_code == 400


def test_operations_called(app: Any) -> None:
    assert OPERATIONS <= succeeded(app)
