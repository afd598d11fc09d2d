"""RentEngine lockboxes, lockbox events and installations, access codes, webhook events."""

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

OPERATIONS = {
    "list_lockboxes",
    "create_lockboxes",
    "get_lockbox",
    "generate_lockbox_code",
    "list_lockbox_events",
    "create_lockbox_events",
    "get_lockbox_event",
    "list_lockbox_installations",
    "get_lockbox_installation",
}


@pytest.fixture(scope="module")
def app() -> Any:
    return make_app(journal_size=100_000)


def listed(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return [r["id"] for r in response.json()]


def test_list_lockboxes_and_filters(app: Any, rentengine: Any) -> None:
    boxes = records(app, "lockboxes", owners=mine(app))
    assert listed(rentengine.get("/lockboxes?limit=100")) == [b["id"] for b in boxes]
    a, b = boxes[1], boxes[4]
    assert listed(
        rentengine.get(f"/lockboxes?serial_numbers={b['serial_number']},{a['serial_number']}")
    ) == [a["id"], b["id"]]
    assert listed(rentengine.get(f"/lockboxes?lockbox_ids={a['id']}&lockbox_type=Sentrilock")) == [
        a["id"]
    ]
    own = mine(app)[0]
    assert listed(rentengine.get(f"/lockboxes?limit=100&account_id={own}")) == [
        x["id"] for x in boxes if x["account_id"] == own
    ]
    assert listed(rentengine.get(f"/lockboxes?account_id={theirs(app)}")) == []
    assert listed(rentengine.get("/lockboxes?limit=3&page_number=1")) == [
        x["id"] for x in boxes[3:6]
    ]


def test_register_read_and_conflicts(app: Any, rentengine: Any) -> None:
    seq = last_seq(app)
    body = {
        "lockbox_type": "Sentrilock",
        "serial_numbers": ["SL-NEW-1", "SL-NEW-2"],
        "account_id": mine(app)[0],
    }
    response = rentengine.post("/lockboxes", json=body)
    assert response.status_code == 201, response.text
    made = response.json()
    assert [m["serial_number"] for m in made] == ["SL-NEW-1", "SL-NEW-2"]
    assert rentengine.get(f"/lockboxes/{made[0]['id']}").json() == made[0]
    assert listed(rentengine.get("/lockboxes?serial_numbers=SL-NEW-2")) == [made[1]["id"]]
    emitted = events(app, seq)
    assert [e["name"] for e in emitted] == ["lockboxes.INSERT"] * 2
    for event in emitted:
        check_payload(event["name"], event["payload"])
    assert [e["payload"]["record"] for e in emitted] == made
    # The same serial again (with a fresh one): 409, and nothing is created.
    again = rentengine.post("/lockboxes", json={**body, "serial_numbers": ["SL-NEW-3", "SL-NEW-1"]})
    assert (again.status_code, again.json()) == (
        409,
        {"error": "Lockbox with serial number SL-NEW-1 already exists"},
    )
    assert listed(rentengine.get("/lockboxes?serial_numbers=SL-NEW-3")) == []
    other = rentengine.post(
        "/lockboxes", json={**body, "serial_numbers": ["SL-X"], "account_id": theirs(app)}
    )
    assert (other.status_code, other.json()) == (404, {"error": f"Account {theirs(app)} not found"})


def test_get_lockbox_404s(app: Any, rentengine: Any) -> None:
    hidden = records(app, "lockboxes", owners=[theirs(app)])[0]["id"]
    for box_id in (hidden, "00000000-0000-4000-8000-000000000000"):
        response = rentengine.get(f"/lockboxes/{box_id}")
        assert (response.status_code, response.json()) == (
            404,
            {"error": f"Lockbox {box_id} not found"},
        )


def test_lockbox_event_filters(app: Any, rentengine: Any) -> None:
    evs = records(app, "lockbox_events", owners=mine(app))
    assert listed(rentengine.get("/lockbox_events?limit=100")) == [e["id"] for e in evs]
    probe = evs[len(evs) // 2]
    box = app.services.store.get("rentengine", "lockboxes", probe["lockbox_id"])
    cases = {
        f"lockbox_ids={probe['lockbox_id']}": lambda e: e["lockbox_id"] == probe["lockbox_id"],
        f"serial_numbers={box['serial_number']}": lambda e: e["lockbox_id"] == box["id"],
        f"lockbox_event_ids={probe['id']}": lambda e: e["id"] == probe["id"],
        f"event_types={probe['event_type']}": lambda e: e["event_type"] == probe["event_type"],
        "event_types=Install,Uninstall": lambda e: e["event_type"] in ("Install", "Uninstall"),
        f"unit_ids={probe['unit_id']}": lambda e: e["unit_id"] == probe["unit_id"],
        f"created_at_from={probe['created_at']}": lambda e: e["created_at"] >= probe["created_at"],
        f"created_at_to={probe['created_at']}": lambda e: e["created_at"] <= probe["created_at"],
        f"account_id={mine(app)[0]}&lockbox_type=Sentrilock": lambda e: (
            e["account_id"] == mine(app)[0]
        ),
    }
    for query, keep in cases.items():
        expected = [e["id"] for e in evs if keep(e)]
        assert probe["id"] in expected or "Install" in query, query
        assert listed(rentengine.get(f"/lockbox_events?limit=100&{query}")) == expected, query
    assert listed(rentengine.get(f"/lockbox_events?account_id={theirs(app)}")) == []


def test_install_uninstall_and_installations(app: Any, rentengine: Any) -> None:
    own = mine(app)[0]
    box = rentengine.post(
        "/lockboxes",
        json={"lockbox_type": "Sentrilock", "serial_numbers": ["SL-INST"], "account_id": own},
    ).json()[0]
    unit = records(app, "units", owners=[own])[0]
    seq = last_seq(app)
    install = {"lockbox_id": box["id"], "event_type": "Install", "unit_id": unit["id"]}
    response = rentengine.post("/lockbox_events", json={"events": [install]})
    assert response.status_code == 201, response.text
    event = response.json()
    assert (event["event_type"], event["unit_id"], event["account_id"]) == (
        "Install",
        str(unit["id"]),
        own,
    )
    assert rentengine.get(f"/lockbox_events/{event['id']}").json() == event
    [active] = rentengine.get(f"/lockbox_installations?lockbox_ids={box['id']}").json()
    assert (active["is_active"], active["install_event_id"], active["unit_id"]) == (
        True,
        event["id"],
        str(unit["id"]),
    )
    assert rentengine.get(f"/lockbox_installations/{active['id']}").json() == active
    # A second install of the same lockbox conflicts.
    again = rentengine.post("/lockbox_events", json={"events": [install]})
    assert again.status_code == 409
    # Generate a code by unit, by serial and by lockbox id.
    for target in (
        {"unit_id": unit["id"]},
        {"serial_number": "SL-INST"},
        {"lockbox_id": box["id"]},
    ):
        code = rentengine.post(
            "/lockboxes/generate_code",
            json={**target, "date": "2026-06-01", "code_type": "SHACKLE"},
        )
        assert code.status_code == 200, code.text
        assert code.json()["lockboxType"] == "Sentrilock" and len(code.json()["code"]) == 8
    # A batch whose second event fails rolls back the first.
    bad = {"events": [{**install, "event_type": "Uninstall"}, {**install, "unit_id": 999999}]}
    assert rentengine.post("/lockbox_events", json=bad).status_code == 404
    assert rentengine.get(f"/lockbox_installations/{active['id']}").json()["is_active"] is True
    response = rentengine.post(
        "/lockbox_events", json={"events": [{**install, "event_type": "Uninstall"}]}
    )
    assert response.status_code == 201
    closed = rentengine.get(f"/lockbox_installations/{active['id']}").json()
    assert (closed["is_active"], closed["uninstall_event_id"]) == (False, response.json()["id"])
    assert closed["uninstalled_at"] == response.json()["created_at"]
    emitted = events(app, seq)
    assert [e["payload"]["record"]["event_type"] for e in emitted] == ["Install"] + [
        "Generate Code"
    ] * 3 + ["Uninstall"]
    for e in emitted:
        check_payload(e["name"], e["payload"])
        assert e["name"] == "lockbox_events.INSERT"
    # Uninstalled: no code for it, and no second uninstall.
    response = rentengine.post(
        "/lockboxes/generate_code", json={"lockbox_id": box["id"], "date": "2026-06-01"}
    )
    assert (response.status_code, response.json()) == (
        409,
        {"error": f"Lockbox {box['id']} is not installed on a unit"},
    )
    response = rentengine.post(
        "/lockbox_events", json={"events": [{**install, "event_type": "Uninstall"}]}
    )
    assert response.status_code == 409


def test_generate_code_errors(app: Any, rentengine: Any) -> None:
    bare = next(
        u
        for u in records(app, "units", owners=mine(app))
        if not records(app, "lockbox_installations")
        or all(
            i["unit_id"] != str(u["id"]) or not i["is_active"]
            for i in records(app, "lockbox_installations")
        )
    )
    cases = [
        ({"unit_id": 999999, "date": "2026-06-01"}, 404, "Unit 999999 not found"),
        (
            {"unit_id": bare["id"], "date": "2026-06-01"},
            404,
            f"Installed lockbox on unit {bare['id']} not found",
        ),
        (
            {"serial_number": "SL-NOPE", "date": "2026-06-01"},
            404,
            "Lockbox with serial number SL-NOPE not found",
        ),
    ]
    for body, status, message in cases:
        response = rentengine.post("/lockboxes/generate_code", json=body)
        assert (response.status_code, response.json()) == (status, {"error": message})
    response = rentengine.post(
        "/lockboxes/generate_code", json={"unit_id": bare["id"], "date": "2026-02-30"}
    )
    assert response.status_code == 400 and response.json()["details"][0]["dataPath"] == ".body.date"


def test_installation_filters(app: Any, rentengine: Any) -> None:
    found = records(app, "lockbox_installations", owners=mine(app))
    probe = found[0]
    cases = {
        "is_active=true": lambda i: i["is_active"],
        "is_active=false": lambda i: not i["is_active"],
        f"unit_ids={probe['unit_id']}": lambda i: i["unit_id"] == probe["unit_id"],
        f"lockbox_ids={probe['lockbox_id']}": lambda i: i["lockbox_id"] == probe["lockbox_id"],
        f"account_id={mine(app)[0]}": lambda i: i["account_id"] == mine(app)[0],
    }
    for query, keep in cases.items():
        expected = [i["id"] for i in found if keep(i)]
        assert expected, query
        assert listed(rentengine.get(f"/lockbox_installations?limit=100&{query}")) == expected, (
            query
        )
    hidden = records(app, "lockbox_installations", owners=[theirs(app)])
    if hidden:
        assert rentengine.get(f"/lockbox_installations/{hidden[0]['id']}").status_code == 404


def test_operations_called(app: Any) -> None:
    assert OPERATIONS <= succeeded(app)
