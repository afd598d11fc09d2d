"""The reliability soak: N concurrent clients (asyncio + httpx) against one propmock serving all
three APIs, state in memory, rate limits off, for M minutes; every acknowledged create is read
back by id at the end.

Each client loops over a weighted mix (`MIX`) of valid requests across the three APIs: list
reads (RentEngine units paged through, Aptoria and KeyNest lists), reads by id, creates and
updates (some of which emit webhook events). Every request is expected to get a 2xx: a 4xx means
the harness or the server is wrong and is counted apart, with samples. A create is recorded when
it is acknowledged (2xx with an id), with a few of the fields sent; an update of a client's own
record updates what it expects to read. After the load stops (the server still up) the verifier
reads every recorded create back (by id, or for KeyNest tenants and tickets, which have no read
by id, through their property's list) and reports the lost and the changed ones.

Server RSS is sampled at the start, every `sample_s` (30 s) and at the end of the load; growth is
measured from the end of the first minute, as `soak.py` does. `acceptance()` lists what failed:
5xx, connection errors or timeouts, unexpected 4xx, lost or changed creates, growth >= 10 %.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import json
import random
import ssl
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter, defaultdict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from benchmarks import quiet, servers
from benchmarks.workloads import issue_token

RE = "/rentengine/api/public/v1"
AP = "/aptoria"
KN = "/keynest/v1"
SAMPLE_S = 30.0
GROWTH_LIMIT_PCT = 10.0
TIMEOUT_S = 30.0
# Idle connections are dropped before uvicorn's 5 s keep-alive timeout closes them, so that a
# client never reuses a connection just as the server closes it.
KEEPALIVE_EXPIRY_S = 4.0
MAX_SAMPLES = 20  # error samples kept per category

CREDENTIALS = {
    "rentengine": {"api": "rentengine", "label": "soak"},
    "aptoria": {
        "api": "aptoria",
        "label": "soak",
        "scopes": [
            "read:rent",
            "read:properties",
            "read:work_orders",
            "write:work_orders",
            "read:tenants",
            "write:tenants",
            "read:expenses",
            "write:expenses",
        ],
    },
    "keynest": {"api": "keynest", "role": "landlord", "label": "soak"},
}

# Reads and updates: operation -> weight (about 84 % reads, lists and reads by id, and 16 %
# updates; the RentEngine unit update emits a webhook event).
MIX: dict[str, int] = {
    "re_units_page": 12,
    "re_unit_get": 8,
    "re_prospects_list": 4,
    "re_prospect_get": 4,
    "re_unit_update": 5,
    "ap_work_orders_list": 6,
    "ap_tenants_list": 5,
    "ap_ar_aging": 3,
    "ap_work_order_get": 5,
    "ap_tenant_get": 4,
    "ap_work_order_update": 5,
    "kn_properties_list": 4,
    "kn_property_get": 5,
    "kn_tenants_list": 4,
    "kn_tickets_list": 4,
    "kn_ticket_update": 5,
}
# Creates: operation -> weight. They are paced (CREATE_RATE a second, all clients together)
# rather than a share of the mix, so that the state the soak adds on purpose is the same on a
# fast or a slow machine: with state in memory every record kept costs RSS, and the growth
# criterion is about what the server keeps beyond the data it was asked to keep. The
# Aptoria work order and tenant creates emit webhook events.
CREATES: dict[str, int] = {
    "re_unit_insert": 3,
    "ap_work_order_create": 3,
    "ap_tenant_create": 2,
    "ap_expense_create": 2,
    "kn_property_create": 1,
    "kn_tenant_create": 2,
    "kn_ticket_create": 2,
}
CREATE_RATE = 2.0

# How each kind of created record is read back: a path by id, or (KeyNest tenants and tickets)
# the list of its property.
READ_BY_ID = {
    "re_unit": RE + "/units/{id}",
    "ap_work_order": AP + "/api/work-orders/{id}",
    "ap_tenant": AP + "/api/tenants/{id}",
    "ap_expense": AP + "/api/expenses/{id}",
    "kn_property": KN + "/properties/{id}",
}
READ_BY_LIST = {"kn_tenant": KN + "/tenants", "kn_ticket": KN + "/tickets"}
API_OF_KIND = {"re": "rentengine", "ap": "aptoria", "kn": "keynest"}


def api_of(kind_or_op: str) -> str:
    return API_OF_KIND[kind_or_op.split("_", 1)[0]]


# -- what the clients know about the seeded server -------------------------------------------------
@dataclass
class World:
    """Credentials and seeded ids, read once from the server before the load."""

    root: str
    tokens: dict[str, str]
    re_account: str = ""
    re_units: list[int] = field(default_factory=list)
    re_prospects: list[int] = field(default_factory=list)
    ap_units: list[tuple[str, str]] = field(default_factory=list)  # (property id, unit id)
    ap_work_orders: list[str] = field(default_factory=list)
    ap_open_work_orders: list[str] = field(default_factory=list)  # updatable (not closed)
    ap_tenants: list[str] = field(default_factory=list)
    kn_properties: list[str] = field(default_factory=list)
    kn_tickets: list[str] = field(default_factory=list)

    def headers(self, api: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[api]}"}


async def discover(http: httpx.AsyncClient, server: servers.Server) -> World:
    """Fresh credentials from the control API, and the seeded ids the mix reads."""
    tokens = {
        api: await asyncio.to_thread(issue_token, server, cred) for api, cred in CREDENTIALS.items()
    }
    root = server.root
    world = World(root, tokens)

    async def get(api: str, path: str) -> Any:
        resp = await http.get(root + path, headers=world.headers(api))
        resp.raise_for_status()
        return resp.json()

    units = await get("rentengine", RE + "/units?limit=100")
    world.re_account = units[0]["account_id"]
    world.re_units = [u["id"] for u in units]
    world.re_prospects = [p["id"] for p in await get("rentengine", RE + "/prospects?limit=100")]
    rows = (await get("aptoria", AP + "/api/units?limit=100"))["rows"]
    world.ap_units = [(u["property_id"], u["id"]) for u in rows]
    rows = (await get("aptoria", AP + "/api/work-orders?limit=100"))["rows"]
    world.ap_work_orders = [w["id"] for w in rows]
    closed = ("completed", "cancelled")
    world.ap_open_work_orders = [w["id"] for w in rows if w["status"] not in closed]
    rows = (await get("aptoria", AP + "/api/tenants?limit=100"))["rows"]
    world.ap_tenants = [t["id"] for t in rows]
    world.kn_properties = [p["id"] for p in await get("keynest", KN + "/properties")]
    world.kn_tickets = [t["id"] for t in await get("keynest", KN + "/tickets")]
    return world


# -- accounting ------------------------------------------------------------------------------------
@dataclass
class Created:
    """An acknowledged create: what to read back and the fields it should still have."""

    kind: str
    id: str | int
    expect: dict[str, Any]
    client: int
    parent: str | None = None  # KeyNest tenants and tickets: their property


@dataclass
class Stats:
    requests: int = 0
    by_class: Counter[str] = field(default_factory=Counter)
    by_status: Counter[int] = field(default_factory=Counter)
    ops: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    op_latency: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    latencies: list[float] = field(default_factory=list)
    conn_errors: int = 0
    timeouts: int = 0
    bad_bodies: int = 0  # a 2xx whose body is not the JSON expected (e.g. a create without id)
    samples: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    creates: int = 0
    # CPU seconds over the load (the machine may be shared): the server's process tree, this
    # harness, and the whole machine busy.
    seconds: float = 0.0
    cpu_server_s: float = 0.0
    cpu_harness_s: float = 0.0
    cpu_busy_s: float = 0.0

    def sample(self, what: str, entry: dict[str, Any]) -> None:
        if len(self.samples[what]) < MAX_SAMPLES:
            self.samples[what].append(entry)

    def errors(self) -> int:
        return (
            self.by_class["4xx"]
            + self.by_class["5xx"]
            + self.conn_errors
            + self.timeouts
            + self.bad_bodies
        )


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * pct / 100))]


# -- one client ------------------------------------------------------------------------------------
class Client:
    """One simulated integrator: its own random stream, paging cursor and created records."""

    def __init__(
        self,
        number: int,
        http: httpx.AsyncClient,
        world: World,
        stats: Stats,
        created: list[Created],
        seed: int,
        create_every_s: float,
    ) -> None:
        self.n = number
        self.http = http
        self.world = world
        self.stats = stats
        self.created = created
        self.rng = random.Random(seed * 1000 + number)
        self.page = self.rng.randrange(20)
        self.seq = 0
        self.mine: dict[str, list[Created]] = defaultdict(list)
        self.kn_property: Created | None = None  # where this client's tenants and tickets go
        self.kn_units: list[str] = []
        self.create_every_s = create_every_s

    # The request helper: times it, classifies it, keeps samples of whatever is not a 2xx.
    async def call(
        self,
        op: str,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        parse: bool = False,
    ) -> Any:
        """The JSON body of a 2xx when `parse`, else True for a 2xx with a JSON content type
        (parsing every list read would cost this harness more CPU than the server); None
        otherwise, counted and sampled."""
        api = api_of(op)
        began = time.perf_counter()
        where = {"op": op, "method": method, "path": path, "body": body}
        try:
            resp = await self.http.request(
                method, self.world.root + path, headers=self.world.headers(api), json=body
            )
        except httpx.TimeoutException as exc:
            self.stats.timeouts += 1
            self.stats.ops[op]["timeout"] += 1
            self.stats.sample("timeouts", where | {"error": repr(exc)})
            return None
        except httpx.TransportError as exc:
            self.stats.conn_errors += 1
            self.stats.ops[op]["conn_error"] += 1
            self.stats.sample("conn_errors", where | {"error": repr(exc)})
            return None
        elapsed = time.perf_counter() - began
        status = resp.status_code
        cls = f"{status // 100}xx"
        self.stats.requests += 1
        self.stats.by_class[cls] += 1
        self.stats.by_status[status] += 1
        self.stats.ops[op][cls] += 1
        self.stats.latencies.append(elapsed)
        self.stats.op_latency[op].append(elapsed)
        if not 200 <= status < 300:
            self.stats.sample(cls, where | {"status": status, "response": resp.text[:500]})
            return None
        try:
            if parse:
                return resp.json()
            if resp.content and resp.headers.get("content-type", "").startswith("application/json"):
                return True
        except ValueError:
            pass
        self.stats.bad_bodies += 1
        self.stats.sample("bad_bodies", where | {"status": status, "response": resp.text[:500]})
        return None

    def acknowledge(
        self, op: str, kind: str, result: Any, expect: dict[str, Any], parent: str | None = None
    ) -> Created | None:
        """Record a 2xx create; one without an id is a bad body (nothing to read back)."""
        if result is None:
            return None
        if not isinstance(result, dict) or "id" not in result:
            self.stats.bad_bodies += 1
            self.stats.sample("bad_bodies", {"op": op, "response": str(result)[:500]})
            return None
        record = Created(kind, result["id"], expect, self.n, parent)
        self.created.append(record)
        self.mine[kind].append(record)
        self.stats.creates += 1
        return record

    def tag(self) -> str:
        self.seq += 1
        return f"c{self.n}-{self.seq}"

    def pick(self, seeded: list[Any], kind: str) -> Any:
        """A seeded id or, half the time when there is one, one of this client's own creates."""
        own = self.mine.get(kind)
        if own and self.rng.random() < 0.5:
            return self.rng.choice(own).id
        return self.rng.choice(seeded)

    async def loop(self, deadline: float) -> None:
        """The client's first property (its KeyNest tenants and tickets go there), then the
        mix until the deadline, with a create whenever the client's next one is due."""
        ops, weights = list(MIX), list(MIX.values())
        creates, create_weights = list(CREATES), list(CREATES.values())
        await self.kn_property_create("kn_property_create")
        next_create = time.monotonic() + self.rng.uniform(0, self.create_every_s)
        while (now := time.monotonic()) < deadline:
            if now >= next_create:
                next_create += self.create_every_s
                op = self.rng.choices(creates, create_weights)[0]
            else:
                op = self.rng.choices(ops, weights)[0]
            await getattr(self, op)(op)

    # -- RentEngine ------------------------------------------------------------------------------
    async def re_units_page(self, op: str) -> None:
        page = await self.call(
            op, "GET", f"{RE}/units?limit=50&page_number={self.page}", parse=True
        )
        # A short page ends the walk: start again from the first.
        self.page = self.page + 1 if isinstance(page, list) and len(page) == 50 else 0

    async def re_unit_get(self, op: str) -> None:
        await self.call(op, "GET", f"{RE}/units/{self.pick(self.world.re_units, 're_unit')}")

    async def re_prospects_list(self, op: str) -> None:
        await self.call(op, "GET", f"{RE}/prospects?limit=50&page_number={self.rng.randrange(2)}")

    async def re_prospect_get(self, op: str) -> None:
        await self.call(op, "GET", f"{RE}/prospects/{self.rng.choice(self.world.re_prospects)}")

    async def re_unit_insert(self, op: str) -> None:
        tag = self.tag()
        rate = 1000 + self.rng.randrange(3000)
        body = {
            "account_id": self.world.re_account,
            "address": {
                "street_number": str(self.seq),
                "street_name": f"Soak {tag} St",
                "zip_code": "78704",
                "state": "TX",
                "city": "Austin",
            },
            "property_type": "SINGLE FAMILY RESIDENCE",
            "target_rental_rate": rate,
            "bedrooms": self.rng.randrange(1, 5),
        }
        expect = {"address.street_name": f"Soak {tag} St", "target_rental_rate": rate}
        result = await self.call(op, "POST", f"{RE}/units", body, parse=True)
        self.acknowledge(op, "re_unit", result, expect)

    async def re_unit_update(self, op: str) -> None:
        """A unit update (a DB-change webhook event): half the time one of this client's units
        when it has one (the new rate is then expected on read-back), else a seeded unit."""
        rate = 1000 + self.rng.randrange(3000)
        own = self.mine.get("re_unit")
        target = self.rng.choice(own) if own and self.rng.random() < 0.5 else None
        unit_id = target.id if target else self.rng.choice(self.world.re_units)
        body = {"id": unit_id, "target_rental_rate": rate}
        if await self.call(op, "POST", f"{RE}/units", body) is not None and target:
            target.expect["target_rental_rate"] = rate

    # -- Aptoria ---------------------------------------------------------------------------------
    async def ap_work_orders_list(self, op: str) -> None:
        await self.call(op, "GET", f"{AP}/api/work-orders?limit=50&offset={self.rng.randrange(3)}")

    async def ap_tenants_list(self, op: str) -> None:
        await self.call(op, "GET", f"{AP}/api/tenants?limit=50&offset={self.rng.randrange(3)}")

    async def ap_ar_aging(self, op: str) -> None:
        await self.call(op, "GET", f"{AP}/api/ar-aging")

    async def ap_work_order_get(self, op: str) -> None:
        wo = self.pick(self.world.ap_work_orders, "ap_work_order")
        await self.call(op, "GET", f"{AP}/api/work-orders/{wo}")

    async def ap_tenant_get(self, op: str) -> None:
        await self.call(
            op, "GET", f"{AP}/api/tenants/{self.pick(self.world.ap_tenants, 'ap_tenant')}"
        )

    async def ap_work_order_create(self, op: str) -> None:
        prop, unit = self.rng.choice(self.world.ap_units)
        title = f"Soak leak {self.tag()}"
        body = {
            "property_id": prop,
            "unit_id": unit,
            "title": title,
            "description": "Opened by the soak harness.",
            "category": "plumbing",
            "priority": "normal",
        }
        expect = {"title": title, "property_id": prop, "unit_id": unit, "priority": "normal"}
        result = await self.call(op, "POST", f"{AP}/api/work-orders", body, parse=True)
        self.acknowledge(op, "ap_work_order", result, expect)

    async def ap_work_order_update(self, op: str) -> None:
        """Priority and title (the status untouched, so the update is always allowed) of one of
        this client's work orders, then expected on read-back; else of an open seeded one."""
        own = self.mine.get("ap_work_order")
        target = self.rng.choice(own) if own and self.rng.random() < 0.5 else None
        wo = target.id if target else self.rng.choice(self.world.ap_open_work_orders)
        body = {
            "priority": self.rng.choice(["low", "normal", "high", "emergency"]),
            "title": f"Soak leak {self.tag()}",
        }
        if await self.call(op, "PATCH", f"{AP}/api/work-orders/{wo}", body) is not None and target:
            target.expect |= body

    async def ap_tenant_create(self, op: str) -> None:
        _, unit = self.rng.choice(self.world.ap_units)
        tag = self.tag()
        body = {
            "first_name": "Soak",
            "last_name": f"Client {tag}",
            "email": f"soak.{tag}@example.com",
            "phone": f"+1612555{self.rng.randrange(10000):04d}",
            "unit_id": unit,
        }
        expect = {"last_name": body["last_name"], "email": body["email"], "unit_id": unit}
        result = await self.call(op, "POST", f"{AP}/api/tenants", body, parse=True)
        self.acknowledge(op, "ap_tenant", result, expect)

    async def ap_expense_create(self, op: str) -> None:
        prop, _ = self.rng.choice(self.world.ap_units)
        label = f"Soak supplies {self.tag()}"
        amount = round(self.rng.uniform(5, 500), 2)
        body = {
            "action": "add_entry",
            "property_id": prop,
            "category_id": "supplies",
            "label": label,
            "amount_usd": amount,
            "paid_on": "2026-05-01",
        }
        expect = {"label": label, "amount_usd": amount, "property_id": prop}
        result = await self.call(op, "POST", f"{AP}/api/expenses", body, parse=True)
        self.acknowledge(op, "ap_expense", result, expect)

    # -- KeyNest ---------------------------------------------------------------------------------
    async def kn_properties_list(self, op: str) -> None:
        await self.call(op, "GET", f"{KN}/properties")

    async def kn_property_get(self, op: str) -> None:
        prop = self.pick(self.world.kn_properties, "kn_property")
        await self.call(op, "GET", f"{KN}/properties/{prop}")

    async def kn_tenants_list(self, op: str) -> None:
        """Filtered by a seeded property (the workspace's whole list grows with the creates)."""
        prop = self.rng.choice(self.world.kn_properties)
        await self.call(op, "GET", f"{KN}/tenants?propertyId={prop}")

    async def kn_tickets_list(self, op: str) -> None:
        prop = self.rng.choice(self.world.kn_properties)
        await self.call(op, "GET", f"{KN}/tickets?propertyId={prop}")

    async def kn_property_create(self, op: str) -> None:
        name = f"Soak Court {self.tag()}"
        units = self.rng.randrange(1, 5)
        body = {
            "name": name,
            "units": units,
            "address": {
                "street": f"{self.seq} Soak St",
                "city": "Hamilton",
                "postalCode": "L8P 4R5",
            },
        }
        result = await self.call(op, "POST", f"{KN}/properties", body, parse=True)
        record = self.acknowledge(op, "kn_property", result, {"name": name, "units#": units})
        if record and self.kn_property is None:
            self.kn_property = record
            self.kn_units = [u["id"] for u in result["units"]]

    async def kn_tenant_create(self, op: str) -> None:
        if self.kn_property is None:
            await self.kn_property_create("kn_property_create")
            return
        prop = str(self.kn_property.id)
        unit = self.rng.choice(self.kn_units)
        name = f"Soak Tenant {self.tag()}"
        body = {"name": name, "propertyId": prop, "unitId": unit, "rent": 1800}
        result = await self.call(op, "POST", f"{KN}/tenants", body, parse=True)
        self.acknowledge(op, "kn_tenant", result, {"name": name, "unitId": unit}, parent=prop)

    async def kn_ticket_create(self, op: str) -> None:
        if self.kn_property is None:
            await self.kn_property_create("kn_property_create")
            return
        prop = str(self.kn_property.id)
        title = f"Soak ticket {self.tag()}"
        body = {"title": title, "propertyId": prop, "unitId": self.rng.choice(self.kn_units)}
        result = await self.call(op, "POST", f"{KN}/tickets", body, parse=True)
        expect = {"title": title, "status": "Open"}
        self.acknowledge(op, "kn_ticket", result, expect, parent=prop)

    async def kn_ticket_update(self, op: str) -> None:
        """Status and contractor of one of this client's tickets (then expected on read-back),
        else of a seeded one (any status may follow any other)."""
        own = self.mine.get("kn_ticket")
        target = self.rng.choice(own) if own and self.rng.random() < 0.5 else None
        ticket = target.id if target else self.rng.choice(self.world.kn_tickets)
        body = {
            "status": self.rng.choice(["Scheduled", "In Progress", "Open"]),
            "contractor": f"Soak Co {self.tag()}",
        }
        if await self.call(op, "PATCH", f"{KN}/tickets/{ticket}", body) is not None and target:
            target.expect |= body


# -- the verifier ----------------------------------------------------------------------------------
def _field(record: dict[str, Any], name: str) -> Any:
    """A dotted field; `name#` is the length of a list field."""
    count = name.endswith("#")
    value: Any = record
    for part in name.rstrip("#").split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return len(value) if count and isinstance(value, list) else value


def _differences(record: dict[str, Any], expect: dict[str, Any]) -> dict[str, Any]:
    return {
        name: {"sent": want, "read": _field(record, name)}
        for name, want in expect.items()
        if _field(record, name) != want
    }


async def verify(
    root: str, tokens: dict[str, str], created: list[Created], concurrency: int = 16
) -> dict[str, Any]:
    """Read every recorded create back. Lost: a 404 by id, or missing from its property's list.
    Changed: read back with a field other than the one sent (or last updated). Unverified: the
    read itself failed (a non-2xx other than 404, a connection error)."""
    by_kind: dict[str, Counter[str]] = defaultdict(Counter)
    lost: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    unverified: list[dict[str, Any]] = []
    requests = 0
    limits = httpx.Limits(
        max_connections=concurrency,
        max_keepalive_connections=concurrency,
        keepalive_expiry=KEEPALIVE_EXPIRY_S,
    )
    sem = asyncio.Semaphore(concurrency)

    def headers(kind: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens[api_of(kind)]}"}

    def judge(rec: Created, found: dict[str, Any] | None) -> None:
        by_kind[rec.kind]["created"] += 1
        if found is None:
            by_kind[rec.kind]["lost"] += 1
            lost.append({"kind": rec.kind, "id": rec.id, "client": rec.client})
            return
        diff = _differences(found, rec.expect)
        if diff:
            by_kind[rec.kind]["changed"] += 1
            changed.append({"kind": rec.kind, "id": rec.id, "fields": diff})
        else:
            by_kind[rec.kind]["verified"] += 1

    async with httpx.AsyncClient(timeout=TIMEOUT_S, limits=limits) as http:

        async def fetch(kind: str, path: str) -> tuple[int, Any]:
            nonlocal requests
            async with sem:
                requests += 1
                try:
                    resp = await http.get(root + path, headers=headers(kind))
                except httpx.TransportError as exc:
                    return 0, repr(exc)
                try:
                    return resp.status_code, resp.json()
                except ValueError:
                    return resp.status_code, resp.text[:500]

        async def by_id(rec: Created) -> None:
            status, body = await fetch(rec.kind, READ_BY_ID[rec.kind].format(id=rec.id))
            if status == 200 and isinstance(body, dict):
                judge(rec, body)
            elif status == 404:
                judge(rec, None)
            else:
                by_kind[rec.kind]["created"] += 1
                by_kind[rec.kind]["unverified"] += 1
                unverified.append({"kind": rec.kind, "id": rec.id, "status": status, "body": body})

        async def by_list(kind: str, parent: str, recs: list[Created]) -> None:
            status, body = await fetch(kind, f"{READ_BY_LIST[kind]}?propertyId={parent}")
            if status != 200 or not isinstance(body, list):
                for rec in recs:
                    by_kind[kind]["created"] += 1
                    by_kind[kind]["unverified"] += 1
                    unverified.append({"kind": kind, "id": rec.id, "status": status, "body": body})
                return
            rows = {row.get("id"): row for row in body if isinstance(row, dict)}
            for rec in recs:
                judge(rec, rows.get(rec.id))

        groups: dict[tuple[str, str], list[Created]] = defaultdict(list)
        jobs: list[Awaitable[None]] = []
        for rec in created:
            if rec.kind in READ_BY_LIST:
                groups[(rec.kind, str(rec.parent))].append(rec)
            else:
                jobs.append(by_id(rec))
        jobs += [by_list(kind, parent, recs) for (kind, parent), recs in groups.items()]
        began = time.perf_counter()
        await asyncio.gather(*jobs)
    return {
        "recorded": len(created),
        "verified": sum(c["verified"] for c in by_kind.values()),
        "lost": len(lost),
        "changed": len(changed),
        "unverified": len(unverified),
        "requests": requests,
        "seconds": round(time.perf_counter() - began, 1),
        "by_kind": {kind: dict(c) for kind, c in sorted(by_kind.items())},
        "lost_samples": lost[:MAX_SAMPLES],
        "changed_samples": changed[:MAX_SAMPLES],
        "unverified_samples": unverified[:MAX_SAMPLES],
    }


# -- the load --------------------------------------------------------------------------------------
def _measure(server_pid: int | None) -> dict[str, float]:
    """RSS (KiB) and CPU seconds of the server's process tree, this process's CPU seconds and the
    machine's busy CPU seconds, now."""
    return {
        "rss_kb": servers.tree_rss_kb(server_pid) if server_pid else 0,
        "server": quiet.tree_cpu_s(server_pid) if server_pid else 0.0,
        "harness": time.process_time(),
        "busy": quiet.busy_s(),
    }


def _no_sniffio_lookups() -> None:
    """httpcore tries `import sniffio` for every connection lock it sets up; without sniffio
    installed (it is optional) the failed import searches sys.path each time, about a fifth of
    this harness's CPU per request. A None entry makes that import fail at once (httpcore then
    assumes asyncio, which it is)."""
    if "sniffio" not in sys.modules and importlib.util.find_spec("sniffio") is None:
        sys.modules["sniffio"] = None  # type: ignore[assignment]


async def load(
    world: World,
    seconds: float,
    clients: int,
    server_pid: int | None = None,
    sample_s: float = SAMPLE_S,
    seed: int = 1,
    create_rate: float = CREATE_RATE,
    log: Callable[[str], None] = print,
) -> tuple[Stats, list[Created], list[dict[str, Any]]]:
    """Run `clients` clients for `seconds`, creating `create_rate` records a second between
    them (and each its first KeyNest property); returns the stats, the acknowledged creates and
    the progress samples (t = 0, every `sample_s`, and the end of the load) with the RSS of
    the server's process tree and the cores used since the previous sample by the server, by
    this harness and by everything else on the machine."""
    _no_sniffio_lookups()
    stats = Stats()
    created: list[Created] = []
    samples: list[dict[str, Any]] = []
    # One connection per client, as each integrator has its own.
    limits = httpx.Limits(
        max_connections=1, max_keepalive_connections=1, keepalive_expiry=KEEPALIVE_EXPIRY_S
    )
    began = deadline = 0.0
    mark: dict[str, Any] = {"requests": 0, "latencies": 0, "t": 0.0}

    async def take_sample() -> None:
        t = time.monotonic() - began
        now = await asyncio.to_thread(_measure, server_pid)
        window = stats.latencies[mark["latencies"] :]
        span = max(t - mark["t"], 1e-9)
        first = "cpu" not in mark
        before = now if first else mark["cpu"]
        cpu = {k: (now[k] - before[k]) / span for k in ("server", "harness", "busy")}
        entry = {
            "t_s": round(t, 1),
            "rss_mb": round(now["rss_kb"] / 1024, 1),
            "requests": stats.requests,
            "rps": 0.0 if first else round((stats.requests - mark["requests"]) / span, 1),
            "p99_ms": round(percentile(window, 99) * 1000, 1),
            "creates": stats.creates,
            "5xx": stats.by_class["5xx"],
            "4xx": stats.by_class["4xx"],
            "conn_errors": stats.conn_errors + stats.timeouts,
            "cores_server": round(cpu["server"], 2),
            "cores_harness": round(cpu["harness"], 2),
            "cores_other": round(max(0.0, cpu["busy"] - cpu["server"] - cpu["harness"]), 2),
        }
        samples.append(entry)
        if first:
            mark["start"] = now
        mark.update(requests=stats.requests, latencies=len(stats.latencies), t=t, cpu=now)
        stats.seconds = t
        stats.cpu_server_s = now["server"] - mark["start"]["server"]
        stats.cpu_harness_s = now["harness"] - mark["start"]["harness"]
        stats.cpu_busy_s = now["busy"] - mark["start"]["busy"]
        log(
            f"  soak {entry['t_s']:>6.0f} s: {entry['requests']} requests ({entry['rps']}/s, "
            f"p99 {entry['p99_ms']} ms), {entry['creates']} creates, errors: "
            f"{entry['5xx']} 5xx, {entry['4xx']} 4xx, {entry['conn_errors']} connection; "
            f"RSS {entry['rss_mb']} MB; cores: server {entry['cores_server']}, "
            f"harness {entry['cores_harness']}, other {entry['cores_other']}"
        )

    async def sampler() -> None:
        n = 1
        while True:
            await asyncio.sleep(max(0.0, began + n * sample_s - time.monotonic()))
            if time.monotonic() >= deadline - 0.5:
                return
            await take_sample()
            n += 1

    tls = ssl.create_default_context()  # one for all (loading it per client takes seconds)
    async with contextlib.AsyncExitStack() as stack:
        https = [
            await stack.enter_async_context(
                httpx.AsyncClient(timeout=TIMEOUT_S, limits=limits, verify=tls)
            )
            for _ in range(clients)
        ]
        every = clients / create_rate
        workers = [
            Client(i, http, world, stats, created, seed, every) for i, http in enumerate(https)
        ]
        began = time.monotonic()
        deadline = began + seconds
        await take_sample()
        ticker = asyncio.create_task(sampler())
        await asyncio.gather(*(w.loop(deadline) for w in workers))
        ticker.cancel()
        await take_sample()
    return stats, created, samples


def growth(samples: list[dict[str, Any]]) -> dict[str, float]:
    """RSS growth from the end of the first minute (or the first sample of a shorter run)."""
    rss = [s["rss_mb"] for s in samples]
    base_i = next((i for i, s in enumerate(samples) if s["t_s"] >= 59), 0)
    if base_i == len(samples) - 1:  # the last sample is the end of the load: too short a run
        base_i = 0
    base = rss[base_i] or 1.0
    return {
        "rss_base_mb": rss[base_i],
        "rss_base_t_s": samples[base_i]["t_s"],
        "rss_end_mb": rss[-1],
        "rss_max_mb": max(rss),
        "growth_pct": round((rss[-1] - base) / base * 100, 2),
        "max_growth_pct": round((max(rss[base_i:]) - base) / base * 100, 2),
    }


def summary(stats: Stats) -> dict[str, Any]:
    ops = {
        op: dict(stats.ops[op])
        | {
            "p50_ms": round(percentile(stats.op_latency[op], 50) * 1000, 1),
            "p99_ms": round(percentile(stats.op_latency[op], 99) * 1000, 1),
        }
        for op in MIX
        if op in stats.ops
    }
    return {
        "requests": stats.requests,
        "attempts": stats.requests + stats.conn_errors + stats.timeouts,
        "seconds": round(stats.seconds, 1),
        "throughput_rps": round(stats.requests / max(stats.seconds, 1e-9), 1),
        "by_class": dict(sorted(stats.by_class.items())),
        "by_status": {str(k): v for k, v in sorted(stats.by_status.items())},
        "5xx": stats.by_class["5xx"],
        "4xx": stats.by_class["4xx"],
        "conn_errors": stats.conn_errors,
        "timeouts": stats.timeouts,
        "bad_bodies": stats.bad_bodies,
        "creates": stats.creates,
        "latency_ms": {
            p: round(percentile(stats.latencies, q) * 1000, 1)
            for p, q in (("p50", 50), ("p90", 90), ("p99", 99), ("max", 100))
        },
        "cpu": {
            "server_cores": round(stats.cpu_server_s / max(stats.seconds, 1e-9), 2),
            "harness_cores": round(stats.cpu_harness_s / max(stats.seconds, 1e-9), 2),
            "other_cores": round(
                max(0.0, stats.cpu_busy_s - stats.cpu_server_s - stats.cpu_harness_s)
                / max(stats.seconds, 1e-9),
                2,
            ),
            # Server CPU per request: the figure least moved by other load on the machine.
            "server_ms_per_request": round(stats.cpu_server_s / max(stats.requests, 1) * 1000, 2),
        },
        "ops": ops,
        "error_samples": {k: v for k, v in stats.samples.items() if v},
    }


def acceptance(result: dict[str, Any]) -> list[str]:
    """What failed, in words; empty when the soak passed."""
    load_, ver, mem = result["load"], result["verification"], result["memory"]
    checks = [
        (load_["5xx"], f"{load_['5xx']} responses 5xx"),
        (load_["conn_errors"], f"{load_['conn_errors']} connection errors"),
        (load_["timeouts"], f"{load_['timeouts']} timeouts"),
        (load_["4xx"], f"{load_['4xx']} unexpected 4xx (harness or server bug; see samples)"),
        (load_["bad_bodies"], f"{load_['bad_bodies']} 2xx with an unexpected body"),
        (ver["lost"], f"{ver['lost']} of {ver['recorded']} acknowledged creates lost"),
        (ver["changed"], f"{ver['changed']} creates read back with other fields than sent"),
        (ver["unverified"], f"{ver['unverified']} creates could not be read back"),
        (
            mem["growth_pct"] >= GROWTH_LIMIT_PCT,
            f"RSS growth {mem['growth_pct']} % >= {GROWTH_LIMIT_PCT:g} % "
            f"({mem['rss_base_mb']} -> {mem['rss_end_mb']} MB)",
        ),
    ]
    return [text for failed, text in checks if failed]


def _tables(root: str) -> dict[str, dict[str, int]]:
    """Rows and JSON bytes per table, from the control API's snapshot (every row): what the
    store holds, to tell the data the clients asked it to keep from any other growth."""
    with urllib.request.urlopen(root + "/_propmock/snapshot", timeout=120) as resp:
        tables = json.loads(resp.read())
    return {
        table: {"rows": len(rows), "bytes": len(json.dumps(rows, separators=(",", ":")))}
        for table, rows in tables.items()
    }


class StderrDrain:
    """Reads the server's stderr while it runs (a full pipe would block the server) and keeps
    the first and last lines (tracebacks, uvicorn warnings), machine paths replaced."""

    KEEP = 40

    def __init__(self, server: servers.Server) -> None:
        self.lines = 0
        self.head: list[str] = []
        self.tail: deque[str] = deque(maxlen=self.KEEP)
        stream = server.proc.stderr if server.proc else None
        if stream is not None:
            threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream: Any) -> None:
        try:
            for raw in stream:
                line = _no_paths(raw.decode(errors="replace").rstrip())
                self.lines += 1
                (self.head if len(self.head) < self.KEEP else self.tail).append(line)
        except (OSError, ValueError):  # closed by Server.stop()
            return

    def record(self) -> dict[str, Any]:
        return {"lines": self.lines, "head": self.head, "tail": list(self.tail)}


def _no_paths(text: str) -> str:
    for path, shown in (
        (sys.prefix, "<venv>"),
        (sys.base_prefix, "<python>"),
        (str(servers.REPO), "."),
        (tempfile.gettempdir(), "<tmp>"),
    ):
        text = text.replace(path, shown)
    return text


def _shown(cmd: list[str], port: int) -> list[str]:
    """The server command without machine paths: `python`, and the port as a placeholder."""
    return ["python" if c == sys.executable else "<port>" if c == str(port) else c for c in cmd]


Tables = dict[str, dict[str, int]]


async def _run(
    server: servers.Server,
    minutes: float,
    clients: int,
    sample_s: float,
    seed: int,
    create_rate: float,
) -> tuple[World, Stats, list[dict[str, Any]], dict[str, Any], Tables, Tables]:
    limits = httpx.Limits(max_connections=4)
    async with httpx.AsyncClient(timeout=TIMEOUT_S, limits=limits) as http:
        world = await discover(http, server)
    rows_before = await asyncio.to_thread(_tables, server.root)
    stats, created, samples = await load(
        world,
        minutes * 60,
        clients,
        server.proc.pid if server.proc else None,
        sample_s,
        seed,
        create_rate,
    )
    print(f"  soak: load stopped; reading back {len(created)} creates")
    verification = await verify(server.root, world.tokens, created)
    rows_after = await asyncio.to_thread(_tables, server.root)
    return world, stats, samples, verification, rows_before, rows_after


def run(
    minutes: float,
    clients: int,
    size: str = "bench-1k",
    sample_s: float = SAMPLE_S,
    seed: int = 1,
    create_rate: float = CREATE_RATE,
) -> dict[str, Any]:
    """Start one propmock (all three APIs, state in memory, rate limits off), soak it, verify
    the creates, stop it. The result's `failures` lists the acceptance points missed."""
    server = servers.propmock(None, size=size).start()
    stderr = StderrDrain(server)
    try:
        _, stats, samples, verification, before, after = asyncio.run(
            _run(server, minutes, clients, sample_s, seed, create_rate)
        )
    finally:
        server.stop()
    result: dict[str, Any] = {
        "minutes": minutes,
        "clients": clients,
        "size": size,
        "seed": seed,
        "sample_s": sample_s,
        "command": _shown(server.cmd, server.port),
        "create_rate": create_rate,
        "mix": MIX,
        "creates_mix": CREATES,
        "load": summary(stats),
        "verification": verification,
        "memory": growth(samples),
        "samples": samples,
        "tables_before": before,
        "tables_after": after,
        "server_stderr": stderr.record(),
    }
    result["failures"] = acceptance(result)
    result["passed"] = not result["failures"]
    return result


def report_lines(result: dict[str, Any]) -> list[str]:
    load_, ver, mem = result["load"], result["verification"], result["memory"]
    lat = load_["latency_ms"]
    lines = [
        f"soak-{result['clients']}: {result['minutes']} min, {result['clients']} clients: "
        f"{load_['requests']} requests ({load_['throughput_rps']}/s), p50 {lat['p50']} ms, "
        f"p99 {lat['p99']} ms; by class {load_['by_class']}; 5xx {load_['5xx']}, "
        f"4xx {load_['4xx']}, connection errors {load_['conn_errors']}, "
        f"timeouts {load_['timeouts']}; server {load_['cpu']['server_cores']} cores "
        f"({load_['cpu']['server_ms_per_request']} ms CPU a request), harness "
        f"{load_['cpu']['harness_cores']}, other load {load_['cpu']['other_cores']}",
        f"  creates: {ver['recorded']} acknowledged, {ver['verified']} read back as sent, "
        f"{ver['lost']} lost, {ver['changed']} changed, {ver['unverified']} unverified",
        f"  RSS: {mem['rss_base_mb']} MB at {mem['rss_base_t_s']} s -> {mem['rss_end_mb']} MB at "
        f"the end: growth {mem['growth_pct']} % (max {mem['max_growth_pct']} %)",
    ]
    if result["failures"]:
        lines.append("FAILED: " + "; ".join(result["failures"]))
    else:
        lines.append("passed: no 5xx, no connection errors, every create read back, growth < 10 %")
    return lines
