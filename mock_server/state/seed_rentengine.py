"""RentEngine seed: accounts, users, templates, multifamily properties, floorplans, units."""

# The activity on top of them (prospects, leasing events, lockboxes, calls, ...) is in
# seed_rentengine_activity.py. Everything is stamped relative to the profile's epoch and drawn
# from the seeded Faker's own `random`, so one seed gives the same bytes. Units are the bulk
# (10,000 in the large profile): each is built from pools drawn once, with no Faker call of its
# own, and written with one `put_many`.

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from mock_server.apis.rentengine_common import (
    ACCOUNTS,
    API,
    FLOORPLANS,
    MULTIFAMILY,
    TEMPLATES,
    UNITS,
    USERS,
    iso,
    load_places,
)
from mock_server.state.seed import SeedContext
from mock_server.state.seed_rentengine_units import unit_record

# Integer id sequences start where the vendor's docs examples sit (unit 3318, prospect 88412,
# leasing event 551203), so the spec's examples name records that exist.
UNIT_ID_START = 3301


def address_id_of(unit_id: int) -> int:
    """The unit's address record id (one address row per unit; inferred), as webhook rows
    carry it in `address`."""
    return unit_id + 87_700


@dataclass
class Seeder:
    """One seeding run: the context, its random source and what earlier steps created."""

    ctx: SeedContext
    rng: random.Random = field(init=False)
    places: dict[str, Any] = field(default_factory=load_places)
    accounts: list[str] = field(default_factory=list)
    users: list[dict[str, Any]] = field(default_factory=list)
    templates: dict[str, list[str]] = field(default_factory=dict)
    floorplans: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    units: list[dict[str, Any]] = field(default_factory=list)
    streets: list[str] = field(default_factory=list)
    days: dict[int, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rng = self.ctx.fake.random

    def count(self, key: str, default: int = 0) -> int:
        return max(0, int(self.ctx.profile.get(key, default)))

    def stamp(self, max_days: float, after: datetime | None = None) -> datetime:
        """A moment before the epoch (within `max_days`), or between `after` and the epoch."""
        epoch = self.ctx.epoch
        start = after or epoch - timedelta(days=max_days)
        span = max(0.0, (epoch - start).total_seconds())
        return start + timedelta(milliseconds=self.rng.randint(0, int(span * 1000)))

    def put(self, kind: str, records: Iterable[tuple[Any, Any, Any]]) -> None:
        self.ctx.store.put_many(API, kind, records)

    def day(self, offset: int) -> str:
        """The date `offset` days after the epoch, YYYY-MM-DD (cached: units ask 20,000 times)."""
        found = self.days.get(offset)
        if found is None:
            found = self.days[offset] = (self.ctx.epoch + timedelta(days=offset)).date().isoformat()
        return found

    def users_of(self, account: str) -> list[str]:
        return [u["id"] for u in self.users if account in u["account_ids"]]


def seed(ctx: SeedContext) -> list[dict[str, Any]]:
    """Create every RentEngine record; return the demo user's token first, then another user's."""
    from mock_server.state.seed_rentengine_activity import seed_activity

    s = Seeder(ctx)
    fake = ctx.fake
    s.streets = sorted({fake.street_name() for _ in range(80)})
    seed_accounts(s)
    seed_templates(s)
    seed_properties(s)
    add_units(s, s.count("units"))
    seed_activity(s)
    return [
        {"subject": s.users[0]["id"], "claims": {}, "label": "demo"},
        {"subject": s.users[1]["id"], "claims": {}, "label": "demo-other-user"},
    ]


def seed_accounts(s: Seeder) -> None:
    """The demo user gets every account but the last; the second user only the last one, so
    the demo token must never see it. Further users share subsets of the demo's accounts."""
    fake, ids = s.ctx.fake, s.ctx.ids
    s.accounts = [ids.uuid(ACCOUNTS) for _ in range(max(2, s.count("accounts", 2)))]
    mine, theirs = s.accounts[:-1], s.accounts[-1:]
    s.put(
        ACCOUNTS,
        [(a, {"id": a, "name": f"{fake.last_name()} Property Group"}, a) for a in s.accounts],
    )
    for n in range(max(2, s.count("users", 2))):
        if n == 0:
            access = list(mine)
        elif n == 1:
            access = list(theirs)
        else:
            access = sorted(s.rng.sample(mine, s.rng.randint(1, len(mine))), key=mine.index)
        first, last = fake.first_name(), fake.last_name()
        s.users.append(
            {
                "id": ids.uuid(USERS),
                "name": f"{first} {last}",
                "email": f"{first}.{last}@example.com".lower(),
                "account_ids": access,
            }
        )
    s.put(USERS, [(u["id"], u, None) for u in s.users])


def seed_templates(s: Seeder) -> None:
    """Round-robin over the accounts, so each has one; an account's first is its default."""
    rng, records = s.rng, []
    names = ("Standard single-family", "Student housing", "Luxury units", "Section 8 friendly")
    for n in range(max(len(s.accounts), s.count("prescreening_templates"))):
        account = s.accounts[n % len(s.accounts)]
        template_id = s.ctx.ids.uuid(TEMPLATES)
        questions = [
            {
                "fixedQuestionType": "housing_voucher",
                "question": "Will you be using a housing voucher?",
                "type": "yes_no",
            },
            {
                "fixedQuestionType": None,
                "question": "How many people will live in the unit?",
                "type": "number",
            },
        ]
        record = {
            "id": template_id,
            "name": names[n % len(names)] + ("" if n < len(names) else f" {n // len(names) + 1}"),
            "accountId": account,
            "isDefault": account not in s.templates,
            "rules": {
                "minimumCreditScore": rng.choice([None, 550, 600, 620, 650]),
                "minimumIncomeRentMultiplier": rng.choice([None, 2.5, 3]),
                "enableVoIPPhoneVerification": rng.random() < 0.7,
                "enableIDVerification": rng.random() < 0.8,
                "enableSelfieVerification": rng.random() < 0.3,
                "allowIDWithoutExpiryDate": rng.random() < 0.2,
                "allowIDExpiredInDays": rng.choice([None, 30, 90]),
                "minimumAge": 18,
                "enableShowingLocationVerification": rng.random() < 0.6,
            },
            "questions": questions[: rng.randint(1, 2)],
        }
        s.templates.setdefault(account, []).append(template_id)
        records.append((template_id, record, account))
    s.put(TEMPLATES, records)


def seed_properties(s: Seeder) -> None:
    """Multifamily properties, and floorplans spread over them round-robin."""
    rng, fake, ids = s.rng, s.ctx.fake, s.ctx.ids
    props: list[tuple[str, dict[str, Any], str]] = []
    for _ in range(s.count("multifamily_properties")):
        account, city = rng.choice(s.accounts), rng.choice(s.places["cities"])
        prop_id = ids.uuid(MULTIFAMILY)
        street = f"{rng.randint(100, 9999)} {rng.choice(s.streets)}"
        record = {
            "id": prop_id,
            "community_name": f"The {fake.last_name()} at {street.split(' ', 1)[1]}",
            "building_count": rng.randint(1, 8),
            "unit_count": rng.randint(24, 320),
            "description": rng.choice(
                [
                    None,
                    "Garden-style community with a pool.",
                    "Mid-rise near downtown with a rooftop deck.",
                ]
            ),
            "structure_type": rng.choice(["Mid Rise", "High Rise", "Garden Style"]),
            "year_built": rng.randint(1965, 2024),
            "photos": [
                {"path": f"multifamily/{prop_id[:8]}/{n}.jpg", "hidden": n == 2}
                for n in range(rng.randint(0, 3))
            ],
            "external_ids": {
                "mls_id": str(rng.randint(1000000, 9999999)),
                "yardi_id": f"p{rng.randint(0, 9999):04d}",
            },
            "text_address": f"{street}, {city['city']}, {city['state']} {rng.choice(city['zips'])}",
            "account_id": account,
            "deleted": False,
        }
        props.append((prop_id, record, account))
    s.put(MULTIFAMILY, props)
    plans = []
    for n in range(s.count("floorplans") if props else 0):
        prop_id, prop, account = props[n % len(props)]
        beds = rng.randint(0, 3)
        plan_id = ids.uuid(FLOORPLANS)
        low = 450 + beds * 300 + rng.randint(0, 150)
        record = {
            "id": plan_id,
            "multifamily_property_id": prop_id,
            "name": f"The {fake.first_name()} ({beds or 'S'}x{max(1, beds)})",
            "bedroom_count": beds,
            "bathroom_count": max(1, beds) if beds < 3 else 2.5,
            "unit_count": rng.randint(4, 60),
            "units_available": rng.randint(0, 6),
            "market_rent": 900 + beds * 400 + rng.randint(0, 40) * 5,
            "min_sqft": low,
            "max_sqft": low + rng.randint(0, 120),
            "photos": [{"path": f"floorplans/{plan_id[:8]}/layout.png", "hidden": False}],
            "deleted": False,
            "description": rng.choice([None, "Open kitchen and a private balcony."]),
        }
        s.floorplans.setdefault(account, []).append((prop_id, plan_id))
        plans.append((plan_id, record, account))
    s.put(FLOORPLANS, plans)


def add_units(s: Seeder, count: int, accounts: list[str] | None = None) -> list[dict[str, Any]]:
    """`count` new units in `accounts` (default: all), oldest first, ids in creation order."""
    accounts = accounts or s.accounts
    epoch = s.ctx.epoch
    created = sorted(s.stamp(720) for _ in range(count))
    made = []
    for unit_id, when in zip(s.ctx.ids.counters(UNITS, count, UNIT_ID_START), created, strict=True):
        address_id = address_id_of(unit_id)
        account = accounts[s.rng.randrange(len(accounts))]
        record = unit_record(s, unit_id, address_id, account, when, epoch)
        made.append((unit_id, record, account))
    s.put(UNITS, made)
    s.units.extend(r for _, r, _ in made)
    return [r for _, r, _ in made]


__all__ = ["Seeder", "add_units", "iso", "seed"]
