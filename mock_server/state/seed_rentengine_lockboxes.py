"""RentEngine seed, lockbox history: installs, uninstalls, installations, generated codes."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from mock_server.apis.rentengine_common import INSTALLATIONS, LOCKBOX_EVENTS, iso
from mock_server.state.seed_rentengine import Seeder


def seed_lockbox_history(
    s: Seeder, boxes: list[dict[str, Any]], by_account: dict[str, list[dict[str, Any]]]
) -> None:
    rng, ids = s.rng, s.ctx.ids
    events: list[dict[str, Any]] = []
    installs: list[dict[str, Any]] = []
    busy: set[int] = set()  # units with a lockbox on them
    wanted = s.count("lockbox_installations")
    for box in boxes:
        if len(installs) >= wanted:
            break
        free = [u for u in by_account.get(box["account_id"], []) if u["id"] not in busy]
        if not free:
            continue
        unit = rng.choice(free)
        busy.add(unit["id"])
        start = s.stamp(0, after=datetime.fromisoformat(box["created_at"]))
        install = _event(
            s, box, "Install", unit["id"], start, {"notes": "Installed on the front door."}
        )
        events.append(install)
        record = {
            "id": ids.uuid(INSTALLATIONS),
            "lockbox_id": box["id"],
            "serial_number": box["serial_number"],
            "lockbox_type": box["lockbox_type"],
            "unit_id": str(unit["id"]),
            "account_id": box["account_id"],
            "is_active": True,
            "installed_at": install["created_at"],
            "uninstalled_at": None,
            "install_event_id": install["id"],
            "uninstall_event_id": None,
        }
        if len(installs) % 3 == 2:  # every third one has been taken off again
            end = s.stamp(0, after=start)
            removal = _event(s, box, "Uninstall", unit["id"], end, {"notes": "Unit leased."})
            events.append(removal)
            busy.discard(unit["id"])
            record |= {
                "is_active": False,
                "uninstalled_at": removal["created_at"],
                "uninstall_event_id": removal["id"],
            }
        installs.append(record)
    active = [r for r in installs if r["is_active"]]
    boxes_by_id = {b["id"]: b for b in boxes}
    for _ in range(max(0, s.count("lockbox_events") - len(events)) if active else 0):
        install = rng.choice(active)
        box = boxes_by_id[install["lockbox_id"]]
        when = s.stamp(0, after=datetime.fromisoformat(install["installed_at"]))
        day = (when + timedelta(days=rng.randint(0, 3))).date().isoformat()
        meta = {"created_for": rng.choice(("Showing", "Vendor walkthrough", "Cleaning crew")),
                "code_type": "ACCESS", "date": day}  # fmt: skip
        events.append(_event(s, box, "Generate Code", int(install["unit_id"]), when, meta))
    events.sort(key=lambda e: e["created_at"])
    s.put(LOCKBOX_EVENTS, [(e["id"], e, e["account_id"]) for e in events])
    s.put(INSTALLATIONS, [(r["id"], r, r["account_id"]) for r in installs])


def _event(
    s: Seeder, box: dict[str, Any], kind: str, unit_id: int, when: datetime, meta: dict[str, Any]
) -> dict[str, Any]:
    users = s.users_of(box["account_id"])
    return {
        "id": s.ctx.ids.uuid(LOCKBOX_EVENTS),
        "lockbox_id": box["id"],
        "event_type": kind,
        "unit_id": str(unit_id),
        "account_id": box["account_id"],
        "created_at": iso(when),
        "metadata": {"installer_id": users[0] if users else None, **meta},
    }
