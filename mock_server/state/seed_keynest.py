"""KeyNest seed: workspaces and users, properties and units, tenants, payments, tickets, forms."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import yaml

from mock_server.apis.keynest import session_claims
from mock_server.apis.keynest_common import (
    DEMO_PASSWORD,
    FORM_PDFS,
    FORMS,
    PAYMENTS,
    PROPERTIES,
    TENANTS,
    TICKETS,
    USERS,
    WORKSPACES,
    password_hash,
)
from mock_server.apis.keynest_forms import form_record, pdf_record
from mock_server.apis.keynest_pdf import FORM_TYPES, form_fields, render_form_pdf
from mock_server.apis.keynest_properties import address_record
from mock_server.settings import data_dir
from mock_server.state.seed import SeedContext

Rec = dict[str, Any]
Owned = list[tuple[Rec, str]]  # (record, workspace id)
TICKET_ORDER = ("title", "description", "status", "propertyId", "unitId", "contractor", "cost")


def vocabulary() -> dict[str, Any]:
    """Cities, trades, ticket issues and form reasons (fixtures/keynest/vocabulary.yaml)."""
    path = data_dir("fixtures") / "keynest" / "vocabulary.yaml"
    return yaml.safe_load(path.read_text())  # type: ignore[no-any-return]


def month(day: date, shift: int = 0) -> date:
    """The first of `day`'s month, `shift` months later (or earlier)."""
    index = day.year * 12 + day.month - 1 + shift
    return date(index // 12, index % 12 + 1, 1)


def seed(ctx: SeedContext) -> list[dict[str, Any]]:
    """Create every KeyNest record; return the demo sessions to issue: workspace 1's landlord
    first (label "demo"), then its property manager, contractor and tenant."""
    return KeyNestSeeder(ctx).run()


class KeyNestSeeder:
    def __init__(self, ctx: SeedContext) -> None:
        self.ctx, self.fake, self.ids = ctx, ctx.fake, ctx.ids
        self.rng, self.today, self.words = ctx.fake.random, ctx.epoch.date(), vocabulary()

    def count(self, name: str) -> int:
        return int(self.ctx.profile.get(name, 0))

    def days_ago(self, low: int, high: int) -> date:
        return self.today - timedelta(days=self.rng.randint(low, high))

    def later(self, day: date, most: int) -> str:
        """A stamp up to `most` days after `day`, never after the seed's epoch."""
        return min(self.today, day + timedelta(days=self.rng.randint(0, most))).isoformat()

    def run(self) -> list[dict[str, Any]]:
        spaces = [
            {"id": self.ids.alnum("ws", WORKSPACES, 16), "name": "", "landlord": self.fake.name()}
            for _ in range(max(1, self.count("workspaces")))
        ]
        for ws in spaces:
            ws["name"] = f"{ws['landlord'].split()[-1]} Property Holdings"
        trades = self.words["trades"]
        company = {ws["id"]: f"{self.fake.last_name()} {self.rng.choice(trades)}" for ws in spaces}
        props = self.properties(spaces)
        tenants = self.tenants(props)
        users, creds = self.users(spaces, tenants, company)
        payments, tickets = self.payments(tenants), self.tickets(props, company)
        demo_tenants = [c["claims"]["tenant_id"] for c in creds if c["label"] == "demo-tenant"]
        forms = self.forms(tenants, demo_tenants)
        owner = {r["id"]: ws for r, ws in props + tenants}
        by_id = {r["id"]: r for r, _ in props + tenants}
        pdfs = []
        for f in forms:
            owner[f["id"]] = home = owner[f["tenantId"]]
            landlord = next(w["name"] for w in spaces if w["id"] == home)
            pdf = render_form_pdf(f, by_id[f["tenantId"]], by_id[f["propertyId"]], landlord)
            pdfs.append((f["id"], pdf_record(f["id"], pdf), home))
        put = self.ctx.store.put_many
        put("keynest", WORKSPACES, ((ws["id"], ws, ws["id"]) for ws in spaces))
        put("keynest", USERS, users)
        put("keynest", PROPERTIES, ((r["id"], r, ws) for r, ws in props))
        put("keynest", TENANTS, ((r["id"], r, ws) for r, ws in tenants))
        put("keynest", PAYMENTS, ((r["id"], r, owner[r["tenantId"]]) for r in payments))
        put("keynest", TICKETS, ((r["id"], r, owner[r["propertyId"]]) for r in tickets))
        put("keynest", FORMS, ((r["id"], r, owner[r["id"]]) for r in forms))
        put("keynest", FORM_PDFS, pdfs)
        return creds

    def properties(self, spaces: list[Rec]) -> Owned:
        out = []
        for i in range(self.count("properties")):
            city, letter = self.rng.choice(sorted(self.words["cities"].items()))
            r = self.rng
            postal = (
                f"{letter}{r.randint(0, 9)}{r.choice('ABCEGHJKLMNPRSTVXY')} "
                f"{r.randint(0, 9)}{r.choice('ABCEGHJKLMNPRSTVWXYZ')}{r.randint(0, 9)}"
            )
            units = []
            for n in range(1, self.count("units_per_property") + 1):
                bedrooms = r.randint(0, 3)
                units.append({
                    "id": self.ids.alnum("unit", "units", 16), "name": f"Unit {n}",
                    "bedrooms": bedrooms, "rent": 1450 + 450 * bedrooms + 25 * r.randint(0, 12),
                })  # fmt: skip
            street = f"{self.fake.building_number()} {self.fake.street_name()}"
            created = self.days_ago(400, 1500)
            prop = {
                "id": self.ids.alnum("p", PROPERTIES, 16),
                "name": f"{self.fake.last_name()} {r.choice(self.words['property_suffixes'])}",
                "units": units,
                "address": address_record({"street": street, "city": city, "postalCode": postal}),
                "createdAt": created.isoformat(),
                "updatedAt": self.later(created, 300),
            }
            out.append((prop, spaces[i % len(spaces)]["id"]))
        return sorted(out, key=lambda pw: pw[0]["createdAt"])  # lists are oldest first

    def tenants(self, props: Owned) -> Owned:
        slots = [(prop, unit, ws) for prop, ws in props for unit in prop["units"]]
        self.rng.shuffle(slots)
        out, mails = [], set()
        for i in range(self.count("tenants") if slots else 0):
            prop, unit, ws = slots[i % len(slots)]
            # A unit's first tenant is usually current; later ones on the same unit moved out.
            status = self.rng.choices(["Active", "Pending", "Former"], [80, 7, 13])[0]
            status = status if i < len(slots) else "Former"
            start = {
                "Active": lambda: month(self.days_ago(30, 900)),
                "Pending": lambda: month(self.today, self.rng.randint(1, 2)),
                "Former": lambda: month(self.days_ago(500, 1400)),
            }[status]()
            end = start.replace(year=start.year + 1)
            first, last = self.fake.first_name(), self.fake.last_name()
            mail = f"{first}.{last}@example.com".lower().replace("'", "")
            while mail in mails:
                mail = mail.replace("@", "1@")
            mails.add(mail)
            created = min(self.today, start - timedelta(days=self.rng.randint(10, 45)))
            tenant = {
                "id": self.ids.alnum("t", TENANTS, 16),
                "name": f"{first} {last}",
                "status": status,
                "email": mail,
                "phone": f"({self.rng.choice(self.words['area_codes'])}) 555-01"
                f"{self.rng.randint(0, 99):02d}",
                "propertyId": prop["id"],
                "unitId": unit["id"],
                "leaseStart": start.isoformat(),
                # An active lease past its fixed term runs month to month: no end date.
                **({"leaseEnd": end.isoformat()} if status != "Active" or end > self.today else {}),
                "rent": unit["rent"] - (50 if status == "Former" else 0),
                "createdAt": created.isoformat(),
                "updatedAt": self.later(created, 200),
            }
            out.append((tenant, ws))
        return sorted(out, key=lambda tw: tw[0]["createdAt"])

    def users(
        self, spaces: list[Rec], tenants: Owned, company: dict[str, str]
    ) -> tuple[list[tuple[str, Rec, str]], list[dict[str, Any]]]:
        """Workspace N has landlordN@, managerN@, contractorN@ and tenantN@example.com, all with
        the password "propmock"; manager1 also manages workspace 2 (exercises `workspaceId`)."""
        users: list[tuple[str, Rec, str]] = []
        creds: list[dict[str, Any]] = []
        for n, ws in enumerate(spaces, start=1):
            members: list[tuple[str, str, Rec]] = [
                (f"landlord{n}@example.com", ws["landlord"], {"role": "landlord"}),
                (f"manager{n}@example.com", self.fake.name(), {"role": "property_manager"}),
                (f"contractor{n}@example.com", company[ws["id"]],
                 {"role": "contractor", "contractor": company[ws["id"]]}),
            ]  # fmt: skip
            mine = [t for t, w in tenants if w == ws["id"]]
            home = next((t for t in mine if t["status"] == "Active"), mine[0] if mine else None)
            if home is not None:
                home["email"] = f"tenant{n}@example.com"  # the tenant user signs in with it
                member = {"role": "tenant", "tenantId": home["id"]}
                members.append((home["email"], home["name"], member))
            for email, name, member in members:
                user_id = self.ids.alnum("u", USERS, 16)
                ships = [{"workspaceId": ws["id"], **member}]
                if n == 1 and member["role"] == "property_manager" and len(spaces) > 1:
                    ships.append({"workspaceId": spaces[1]["id"], "role": "property_manager"})
                user = {
                    "id": user_id,
                    "email": email,
                    "name": name,
                    "passwordHash": password_hash(user_id, DEMO_PASSWORD),
                    "memberships": ships,
                }
                users.append((user_id, user, ws["id"]))
                if n == 1:
                    role = member["role"]
                    label = "demo" if role == "landlord" else "demo-" + role.replace("_", "-")
                    claims = session_claims(ships[0], email)
                    creds.append({"subject": user_id, "claims": claims, "label": label})
        return users, creds

    def payments(self, tenants: Owned) -> list[Rec]:
        """Monthly rent, the newest periods first across tenants (round robin) up to the count,
        at most 36 months per tenant and none before its lease, then stored oldest first."""
        queues = []
        for tenant, _ in tenants:
            if tenant["status"] != "Pending":
                first = date.fromisoformat(tenant["leaseStart"])
                last = min(
                    month(self.today), date.fromisoformat(tenant.get("leaseEnd", "9999-12-31"))
                )
                months = [month(last, -k) for k in range(36) if month(last, -k) >= first]
                queues.append((tenant, months))
        picked: list[tuple[date, Rec]] = []
        for depth in range(36):
            picked += [(m[depth], t) for t, m in queues if depth < len(m)]
        out = []
        for period, tenant in sorted(picked[: self.count("payments")], key=lambda pt: pt[0]):
            now = period == month(self.today)
            status = self.rng.choices(
                ["Paid", "Overdue", "Pending", "Partial"], [40, 0, 60, 0] if now else [86, 7, 0, 7]
            )[0]
            share = 100 if status != "Partial" else self.rng.choice([50, 75])
            payment: Rec = {
                "id": self.ids.alnum("pay", PAYMENTS, 16),
                "tenantId": tenant["id"],
                "amount": tenant["rent"] * share // 100,
                "period": period.strftime("%Y-%m"),
                "status": status,
            }
            updated = min(self.today, period + timedelta(days=5))
            if status in ("Paid", "Partial"):
                updated = min(self.today, period + timedelta(days=self.rng.randint(0, 4)))
                payment["paidAt"] = updated.isoformat()
                payment["method"] = self.rng.choices(
                    ["e-Transfer", "Cheque", "Card", "Cash"], [70, 15, 10, 5]
                )[0]
            payment.update(createdAt=period.isoformat(), updatedAt=updated.isoformat())
            out.append(payment)
        return out

    def tickets(self, props: Owned, company: dict[str, str]) -> list[Rec]:
        drafts = []
        issues = sorted(self.words["issues"].items())
        for _ in range(self.count("tickets") if props else 0):
            prop, ws = self.rng.choice(props)
            title, text = self.rng.choice(issues)
            ticket: Rec = {"title": title, "description": text, "propertyId": prop["id"]}
            if self.rng.random() < 0.7:
                ticket["unitId"] = self.rng.choice(prop["units"])["id"]
            ticket["status"] = status = self.rng.choices(
                ["Open", "Scheduled", "In Progress", "Completed", "Cancelled"], [30, 20, 15, 30, 5]
            )[0]
            if status in ("Scheduled", "In Progress", "Completed"):
                mine = self.rng.random() < 0.6
                ticket["contractor"] = company[ws] if mine else self.fake.company()
            if status == "Completed":
                ticket["cost"] = self.rng.randint(8000, 150000) / 100
            created = self.days_ago(0, 150)
            ticket.update(createdAt=created.isoformat(), updatedAt=self.later(created, 14))
            drafts.append((ticket, ws))
        drafts.sort(key=lambda tw: tw[0]["createdAt"])
        seen: set[str] = set()
        for ticket, ws in drafts:
            if ws not in seen:  # every contractor user has at least one job to see
                seen.add(ws)
                ticket.update(status="Scheduled", contractor=company[ws])
                ticket.pop("cost", None)
        return [
            {"id": self.ids.alnum("tk", TICKETS, 16), **{k: t[k] for k in TICKET_ORDER if k in t},
             "createdAt": t["createdAt"], "updatedAt": t["updatedAt"]}
            for t, _ in drafts
        ]  # fmt: skip

    def forms(self, tenants: Owned, demo_tenants: list[str]) -> list[Rec]:
        active = [t for t, _ in tenants if t["status"] == "Active"]
        by_id = {t["id"]: t for t, _ in tenants}
        reasons = self.words["reasons"]
        out = []
        for i in range(self.count("forms") if active else 0):
            # The first forms concern the demo tenant, so a tenant session has a form to read.
            tenant = by_id[demo_tenants[i]] if i < len(demo_tenants) else self.rng.choice(active)
            kind = self.rng.choice(list(FORM_TYPES))
            created = max(date.fromisoformat(tenant["createdAt"]), self.days_ago(0, 60))
            given = {"reason": reasons[kind]} if kind in reasons else {}
            fields = form_fields(kind, given, tenant, created)
            form_id = self.ids.alnum("f", FORMS, 16)
            serve = self.rng.random() < 0.5
            out.append(form_record(form_id, kind, tenant, fields, created.isoformat(), serve))
        return sorted(out, key=lambda f: f["createdAt"])
