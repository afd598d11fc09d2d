"""RentEngine seed, part two: prospects, leasing events, lockboxes, calls, reports, comps."""

# Every foreign key points at a record created earlier in the same account: a prospect's unit of
# interest, a leasing event's prospect, a lockbox event's lockbox and unit, a call's prospect.

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from mock_server.apis.rentengine_common import (
    APPLICATIONS,
    CALLS,
    COMPS,
    LEASING_EVENTS,
    LOCKBOXES,
    MESSAGES,
    PROSPECTS,
    SUBTEAMS,
    iso,
)
from mock_server.state.seed_rentengine import Seeder

PROSPECT_STATUSES = (
    "New",
    "Contacted",
    "Awaiting Information",
    "Showing Desired",
    "Showing Canceled",
    "Missed Showing",
    "Application Sent to Prospect",
    "Application Received",
    "Application Approved",
    "Prescreen Rejected",
    "Still Deciding",
    "Not Interested",
    "Withdrawn",
    "Unit of Interest Unavailable",
    "Ghosting",
    "Moved In",
)
EVENT_TYPES = (
    "New",
    "Contacted",
    "Showing Scheduled",
    "Showing Complete",
    "Missed Showing",
    "Application Received",
    "Assign to User",
    "Lease Signed",
    "Moved In",
)
FEEDBACK = ("Loved the yard.", "Second bathroom is small.", "Too far from work.", None)
SOURCES = ("Phone Call", "Text Message", "Email", "Automation", "Other")


def seed_activity(s: Seeder) -> None:
    by_account: dict[str, list[dict[str, Any]]] = {}
    for unit in s.units:
        by_account.setdefault(unit["account_id"], []).append(unit)
    prospects = seed_prospects(s, by_account)
    seed_leasing_events(s, prospects)
    seed_subteams(s, by_account)
    seed_lockboxes(s, by_account)
    seed_conversations(s, prospects)
    seed_applications(s, prospects)
    seed_comps(s)


def seed_prospects(
    s: Seeder, by_account: dict[str, list[dict[str, Any]]]
) -> list[tuple[dict[str, Any], str]]:
    rng, fake = s.rng, s.ctx.fake
    firsts = [fake.first_name() for _ in range(60)]
    lasts = [fake.last_name() for _ in range(60)]
    made = []
    for when in sorted(s.stamp(180) for _ in range(s.count("prospects"))):
        account = rng.choice(s.accounts)
        pid = s.ctx.ids.counter(PROSPECTS, 88401)
        first, last = rng.choice(firsts), rng.choice(lasts)
        units = by_account.get(account) or []
        record = {
            "id": pid,
            "name": f"{first} {last}",
            "email": f"{first}.{last}{pid % 1000}@example.com".lower().replace("'", ""),
            "phone": f"{rng.randint(201, 989)}555{rng.randint(0, 9999):04d}",
            "status": rng.choice(PROSPECT_STATUSES),
            "source": rng.choice(s.places["sources"])["display"] if rng.random() < 0.95 else None,
            "unit_of_interest": rng.choice(units)["id"] if units and rng.random() < 0.9 else None,
            "prospect_type": "Self" if rng.random() < 0.85 else "Agent",
            "created_at": iso(when),
            "updated_at": iso(s.stamp(0, after=when)),
            "notes": rng.choice((None, None, "Prefers texts.", "Asked about parking.")),
        }
        made.append((record, account))
    s.put(PROSPECTS, [(p["id"], p, a) for p, a in made])
    return made


def seed_leasing_events(s: Seeder, prospects: list[tuple[dict[str, Any], str]]) -> None:
    rng = s.rng
    address = {u["id"]: u["address"]["formatted_address"] for u in s.units}
    drafts = []
    for _ in range(s.count("leasing_events") if prospects else 0):
        prospect, account = rng.choice(prospects)
        when = s.stamp(0, after=datetime.fromisoformat(prospect["created_at"]))
        kind = rng.choice(EVENT_TYPES)
        unit = prospect["unit_of_interest"]
        users = s.users_of(account)
        showing = kind in ("Showing Scheduled", "Showing Complete", "Missed Showing")
        context: dict[str, Any] = {"unitId": unit} if showing and unit else {}
        if kind == "Assign to User" and users:
            context = {"assignedToUserIds": [rng.choice(users)], "applyActionInBulk": False}
        record = {
            "created_at": iso(when),
            "event_type": kind,
            "prospect": prospect["id"],
            "notes": rng.choice(FEEDBACK) if kind == "Showing Complete" else None,
            "planned_date_time": iso(when + timedelta(days=rng.randint(1, 6))) if showing else None,
            "source": rng.choice(SOURCES),
            "created_by": rng.choice(users) if users and rng.random() < 0.6 else None,
            "next_follow_up": iso(when + timedelta(days=3)) if kind == "Contacted" else None,
            "property_address": address.get(unit) if unit else None,
            "context": context,
        }
        drafts.append((record, account))
    drafts.sort(key=lambda d: d[0]["created_at"])
    rows = []
    for record, account in drafts:
        record = {"id": s.ctx.ids.counter(LEASING_EVENTS, 551201), **record}
        rows.append((record["id"], record, account))
    s.put(LEASING_EVENTS, rows)


def seed_subteams(s: Seeder, by_account: dict[str, list[dict[str, Any]]]) -> None:
    rng, rows = s.rng, []
    for n in range(s.count("subteams")):
        account = s.accounts[n % len(s.accounts)]
        units = by_account.get(account) or []
        users = s.users_of(account)
        created = s.stamp(500)
        record = {
            "id": s.ctx.ids.uuid(SUBTEAMS),
            "name": f"{rng.choice(s.places['cities'])['city']} leasing team {n + 1}",
            "account_id": account,
            "user_ids": rng.sample(users, min(len(users), rng.randint(1, 2))),
            "unit_ids": sorted(u["id"] for u in rng.sample(units, min(len(units), 5))),
            "created_at": iso(created),
            "updated_at": iso(s.stamp(0, after=created)),
        }
        rows.append((record["id"], record, account))
    s.put(SUBTEAMS, rows)


def seed_lockboxes(s: Seeder, by_account: dict[str, list[dict[str, Any]]]) -> None:
    """Lockboxes; the first ones installed on units (every third later uninstalled), and
    generated codes on the installed ones to make up the profile's event count."""
    from mock_server.state.seed_rentengine_lockboxes import seed_lockbox_history

    rng, ids = s.rng, s.ctx.ids
    serials: set[str] = set()
    boxes = []
    for _ in range(s.count("lockboxes")):
        serial = f"SL-{rng.randint(0, 99999999):08d}"
        while serial in serials:
            serial = f"SL-{rng.randint(0, 99999999):08d}"
        serials.add(serial)
        account = rng.choice(s.accounts)
        created = iso(s.stamp(400))
        box = {
            "id": ids.uuid(LOCKBOXES),
            "lockbox_type": "Sentrilock",
            "serial_number": serial,
            "account_id": account,
            "created_at": created,
            "updated_at": created,
        }
        boxes.append(box)
    boxes.sort(key=lambda b: b["created_at"])
    s.put(LOCKBOXES, [(b["id"], b, b["account_id"]) for b in boxes])
    seed_lockbox_history(s, boxes, by_account)


def seed_conversations(s: Seeder, prospects: list[tuple[dict[str, Any], str]]) -> None:
    rng = s.rng
    for kind, count in ((CALLS, s.count("calls")), (MESSAGES, s.count("messages"))):
        drafts = []
        for _ in range(count if prospects else 0):
            prospect, account = rng.choice(prospects)
            when = s.stamp(0, after=datetime.fromisoformat(prospect["created_at"]))
            direction = rng.choice(("inbound", "outbound", "outbound", None))
            record: dict[str, Any] = {"prospect_id": prospect["id"], "account_id": account}
            if kind == CALLS:
                record |= {
                    "direction": direction,
                    "phone": prospect["phone"],
                    "duration_seconds": rng.randint(0, 900),
                    "status": rng.choice(("completed", "completed", "missed", "voicemail")),
                }
            else:
                channel = rng.choice(("sms", "sms", "email"))
                body = rng.choice(
                    ("Is this still available?", "Your tour is confirmed.", "Thanks!")
                )
                record |= {"direction": direction, "channel": channel, "body": body}
            record["created_at"] = iso(when)
            drafts.append((record, account))
        drafts.sort(key=lambda d: d[0]["created_at"])
        rows = [({"id": s.ctx.ids.uuid(kind), **r}, a) for r, a in drafts]
        s.put(kind, [(r["id"], r, a) for r, a in rows])


def seed_applications(s: Seeder, prospects: list[tuple[dict[str, Any], str]]) -> None:
    """Rental application groups (the applications report and its webhook table); internal
    `prospect_id` names the lead applicant."""
    rng = s.rng
    candidates = [(p, a) for p, a in prospects if p["unit_of_interest"]]
    drafts = []
    for _ in range(s.count("rental_application_groups", len(prospects) // 5) if candidates else 0):
        prospect, account = rng.choice(candidates)
        created = s.stamp(0, after=datetime.fromisoformat(prospect["created_at"]))
        status = rng.choice(("Started", "Submitted", "Submitted", "Approved", "Rejected"))
        submitted = None if status == "Started" else iso(s.stamp(0, after=created))
        record = {
            "unit_id": prospect["unit_of_interest"],
            "prospect_id": prospect["id"],
            "status": status,
            "created_at": iso(created),
            "submitted_at": submitted,
            "updated_at": submitted or iso(created),
        }
        drafts.append((record, account))
    drafts.sort(key=lambda d: d[0]["created_at"])
    rows = [({"id": s.ctx.ids.uuid(APPLICATIONS), **r}, a) for r, a in drafts]
    s.put(APPLICATIONS, [(r["id"], r, a) for r, a in rows])


def seed_comps(s: Seeder) -> None:
    """Market comps (not account data: every token sees them), scattered around each city."""
    rng, rows = s.rng, []
    for n in range(s.count("comps", 150)):
        city = s.places["cities"][n % len(s.places["cities"])]
        beds = rng.choice((1, 2, 2, 3, 3, 4))
        rented = rng.random() < 0.6
        street = f"{rng.randint(100, 9999)} {rng.choice(s.streets)}"
        record: dict[str, Any] = {
            "address": f"{street}, {city['city']}, {city['state']} {rng.choice(city['zips'])}",
            "beds": beds,
            "baths": rng.choice((1, 1.5, 2, 2.5)),
            "sqft": 500 + beds * 350 + rng.randint(0, 60) * 5,
            "rent": 900 + beds * 420 + rng.randint(0, 100) * 5,
            "days_on_market": rng.randint(1, 90),
            "date_rented": (s.ctx.epoch - timedelta(days=rng.randint(1, 365))).date().isoformat()
            if rented
            else None,
            "features": rng.sample(("Garage", "Pool", "Washer/Dryer Hookups", "Yard", "Gym"), 2),
            "status": "Rented" if rented else "Available",
            "coordinates": [
                round(city["lon"] + rng.uniform(-0.2, 0.2), 6),
                round(city["lat"] + rng.uniform(-0.2, 0.2), 6),
            ],
            "property_type": rng.choice(
                ("SINGLE FAMILY RESIDENCE", "CONDO", "TOWNHOUSE", "MULTI-FAMILY")
            ),
            "image": None,
            "zipcode": None,
            "furnished": rng.random() < 0.1,
            "in_apartment_complex": rng.random() < 0.4,
            "num_parking_spots": rng.randint(0, 2),
            "description": None,
        }
        record["zipcode"] = record["address"].rsplit(" ", 1)[1]
        rows.append((f"comp-{n + 1}", record, None))
    s.put(COMPS, rows)
