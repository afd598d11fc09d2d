"""Seeds Aptoria: two organizations, each with properties, people, leases, rent and upkeep."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

import yaml

from mock_server.apis.aptoria_ledger import stamp
from mock_server.settings import data_dir
from mock_server.state.seed_aptoria_activity import seed_activity
from mock_server.state.seed_aptoria_leases import millis, people_and_leases, rent

if TYPE_CHECKING:
    from mock_server.state.seed import SeedContext

API = "aptoria"
Record = dict[str, Any]


def spec_scopes() -> list[str]:
    """Every `x-required-scope` of the spec, in first-use order (the spec owns the list)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    spec = yaml.load((data_dir("specs") / "aptoria.yaml").read_text(), Loader=loader)  # noqa: S506
    scopes: list[str] = []
    for item in spec["paths"].values():
        for op in item.values():
            scope = op.get("x-required-scope") if isinstance(op, dict) else None
            if scope and scope not in scopes:
                scopes.append(scope)
    return scopes


def seed(ctx: SeedContext) -> list[dict[str, Any]]:
    """Seed both organizations; the demo keys belong to the first (the second must never leak)."""
    catalog = yaml.safe_load((data_dir("fixtures") / "aptoria" / "catalog.yaml").read_text())
    counts = {k: int(v) for k, v in ctx.profile.items()}
    # The second organization gets a sixth of each count, the demo organization the rest.
    other = {k: max(1, v // 6) if v else 0 for k, v in counts.items()}
    orgs = []
    for index, name in enumerate(catalog["organizations"]):
        share = {k: v - other[k] for k, v in counts.items()} if index == 0 else other
        orgs.append(OrgSeeder(ctx, catalog, name, share, demo=index == 0).run())
    scopes = spec_scopes()
    claims = {"scopes": scopes, "organization_id": orgs[0]}
    read_only = {**claims, "scopes": [s for s in scopes if s.startswith("read:")]}
    return [
        {"subject": orgs[0], "claims": claims, "label": "demo"},
        {"subject": orgs[0], "claims": read_only, "label": "demo-readonly"},
    ]


class OrgSeeder:
    """One organization's records, built in memory and written with one put_many per kind."""

    def __init__(
        self, ctx: SeedContext, catalog: Record, name: str, counts: dict[str, int], demo: bool
    ) -> None:
        self.ctx, self.cat, self.n, self.demo = ctx, catalog, counts, demo
        self.fake, self.rnd, self.epoch = ctx.fake, ctx.fake.random, ctx.epoch
        self.records: dict[str, list[tuple[str, Record]]] = {}
        self.delinquent: list[str] = []  # lease ids with unpaid rent, set by rent()
        founded = self.ago(2300)
        self.org = ctx.ids.ulid("org", "organizations", millis(founded))
        self.add("organizations", {"id": self.org, "name": name, "created_at": stamp(founded)})

    # -- helpers ------------------------------------------------------------------------
    def ago(self, days: float, hour: int = 0, minute: int = 0) -> datetime:
        day = (self.epoch - timedelta(days=days)).date()
        return datetime.combine(day, time(hour, minute), tzinfo=UTC)

    def add(self, kind: str, record: Record, key: str | None = None) -> Record:
        self.records.setdefault(kind, []).append((key or record["id"], record))
        return record

    def rows(self, kind: str) -> list[Record]:
        return [record for _, record in self.records.get(kind, [])]

    def object_id(self, kind: str, created: datetime) -> str:
        """MongoDB-style: 4 bytes of creation time, 8 seeded random bytes (24 hex)."""
        return f"{int(created.timestamp()):08x}{self.ctx.ids.hex(kind, 16)}"

    def phone(self) -> str:
        return f"+1612555{self.rnd.randint(0, 9999):04d}"  # 555: fictional numbers

    def run(self) -> str:
        self.portfolio()
        self.vendors()
        people_and_leases(self)
        rent(self)
        seed_activity(self)
        for kind, items in self.records.items():
            self.ctx.store.put_many(API, kind, [(key, rec, self.org) for key, rec in items])
        return self.org

    # -- properties and units -----------------------------------------------------------
    def portfolio(self) -> None:
        n_props, n_units = self.n.get("properties", 0), self.n.get("units", 0)
        streets = self.rnd.sample(self.cat["streets"], min(n_props, len(self.cat["streets"])))
        for index in range(n_props):
            created = self.ago(self.rnd.randint(1930, 2100), 17, 30)
            city, state, zip3 = self.rnd.choice(self.cat["cities"])
            number = self.rnd.randint(100, 4999)
            street = f"{streets[index % len(streets)]}"
            line1 = f"{number} {street} {self.rnd.choice(self.cat['street_suffixes'])}"
            address = {
                "line1": line1,
                "line2": None,
                "city": city,
                "state": state,
                "postal_code": f"{zip3}{self.rnd.randint(0, 99):02d}",
                "country": "US",
            }
            prop = {
                "id": self.object_id("properties", created),
                "name": f"{number} {street}",
                "address": address,
                "unit_count": 0,
                "created_at": stamp(created),
            }
            if self.demo and index == 0:
                docs = self.cat["demo"]["property"]
                prop["name"] = docs["name"]
                address.update(
                    line1=docs["line1"],
                    city=docs["city"],
                    state=docs["state"],
                    postal_code=docs["postal_code"],
                )
            self.add("properties", prop)
            size = n_units // n_props + (1 if index < n_units % n_props else 0)
            for slot in range(size):
                self.unit(prop, slot, created + timedelta(minutes=slot + 1))

    def unit(self, prop: Record, slot: int, created: datetime) -> None:
        beds = self.rnd.choice([0, 1, 1, 2, 2, 3])
        unit = {
            "id": self.object_id("units", created),
            "property_id": prop["id"],
            "label": f"{slot // 2 + 1}{'AB'[slot % 2]}",
            "bedrooms": beds,
            "bathrooms": self.rnd.choice([1, 1, 1.5, 2]) if beds > 1 else 1,
            "square_feet": 420 + beds * 210 + self.rnd.randint(0, 12) * 10,
            "market_rent_usd": 900 + beds * 350 + self.rnd.randint(0, 12) * 25,
            "status": "vacant",
            "created_at": stamp(created),
        }
        if self.demo and prop is self.rows("properties")[0] and unit["label"] == "1B":
            unit.update(self.cat["demo"]["unit"])
        prop["unit_count"] += 1
        self.add("units", unit)

    def vendors(self) -> None:
        trades = list(self.cat["vendor_words"])
        for index in range(self.n.get("vendors", 0)):
            created = self.ago(self.rnd.randint(200, 1700), 15)
            trade = trades[index % len(trades)]
            name = f"{self.fake.last_name()} {self.rnd.choice(self.cat['vendor_words'][trade])}"
            slug = "".join(c for c in name.lower() if c.isalnum())[:20]
            vendor = {
                "id": self.ctx.ids.ulid("v", "vendors", millis(created)),
                "name": name,
                "trade": trade,
                "email": f"dispatch@{slug}.example.com",
                "phone": self.phone(),
                "created_at": stamp(created),
            }
            if self.demo and index == 0:
                vendor.update(self.cat["demo"]["vendor"])
            self.add("vendors", vendor)
