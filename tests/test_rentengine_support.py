"""Helpers the RentEngine test modules share, and the check that they cover every operation."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import yaml
from faker import Faker
from openapi_schema_validator import OAS30Validator

from mock_server.settings import REPO_DIR, SHARED_BASES
from mock_server.state.ids import IdFactory
from mock_server.state.seed import SeedContext, demo_credentials
from mock_server.state.seed_rentengine import Seeder, add_units

API = "rentengine"
BASE = SHARED_BASES[API]


@cache
def spec() -> dict[str, Any]:
    return yaml.safe_load((REPO_DIR / "specs" / "rentengine.yaml").read_text())  # type: ignore[no-any-return]


def operations() -> dict[str, tuple[str, re.Pattern[str]]]:
    """operationId -> (METHOD, regex matching its full path on the shared server)."""
    found = {}
    for template, item in spec()["paths"].items():
        pattern = re.compile(
            "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(BASE + template)) + "$"
        )
        for method, op in item.items():
            if isinstance(op, dict) and "operationId" in op:
                found[op["operationId"]] = (method.upper(), pattern)
    return found


def succeeded(app: Any) -> set[str]:
    """The operations this app's journal saw answer 2xx."""
    ops = operations()
    done = set()
    for entry in app.services.journal.entries(api=API, limit=10**6):
        if 200 <= entry["status"] < 300:
            for op_id, (method, pattern) in ops.items():
                if entry["method"] == method and pattern.match(entry["path"]):
                    done.add(op_id)
    return done


# -- the store --------------------------------------------------------------------------------
def records(app: Any, kind: str, owners: list[str] | None = None) -> list[dict[str, Any]]:
    return app.services.store.list(API, kind, owners=owners)  # type: ignore[no-any-return]


def users(app: Any) -> dict[str, dict[str, Any]]:
    """label ("demo", "demo-other-user") -> the user record behind that demo credential."""
    creds = {c["label"]: c for c in demo_credentials(app.services) if c["api"] == API}
    return {label: app.services.store.get(API, "users", c["subject"]) for label, c in creds.items()}


def token(app: Any, label: str) -> str:
    return next(
        c["token"]
        for c in demo_credentials(app.services)
        if c["api"] == API and c["label"] == label
    )


def mine(app: Any) -> list[str]:
    return list(users(app)["demo"]["account_ids"])


def theirs(app: Any) -> str:
    return str(users(app)["demo-other-user"]["account_ids"][0])


def set_units(app: Any, count: int, seed: int = 7) -> list[dict[str, Any]]:
    """Replace every unit with `count` new ones in the demo user's accounts."""
    services = app.services
    services.store.execute("DELETE FROM records WHERE api=? AND kind='units'", (API,))
    fake = Faker("en_US")
    fake.seed_instance(seed)
    profile = services.settings.profile()
    from datetime import datetime

    ctx = SeedContext(
        services, API, IdFactory(services.store, seed, API), fake, profile[API],
        datetime.fromisoformat(profile["epoch"]),
    )  # fmt: skip
    seeder = Seeder(ctx)
    seeder.streets = ["Main St", "Oak Ave", "Elm St"]
    with services.store.transaction():
        return add_units(seeder, count, mine(app))


# -- webhooks -----------------------------------------------------------------------------------
def check_payload(name: str, payload: dict[str, Any]) -> None:
    """Validate an emitted payload against its `x-webhooks` body schema, independently of the
    emitter's own check (openapi-schema-validator's OAS 3.0 dialect, formats on)."""
    hooks = spec()["x-webhooks"]
    table = name.rpartition(".")[0]
    for hook in hooks.values():
        ref = hook["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        schema_name = ref.rsplit("/", 1)[1]
        table_enum = spec()["components"]["schemas"][schema_name]["properties"]["table"]["enum"]
        if table in table_enum:
            root = {"components": spec()["components"], "$ref": ref}
            OAS30Validator(root, format_checker=OAS30Validator.FORMAT_CHECKER).validate(payload)
            return
    raise AssertionError(f"no x-webhooks entry for {name}")


def events(app: Any, since: int = 0) -> list[dict[str, Any]]:
    """RentEngine events emitted after event seq `since`."""
    return [e for e in app.services.emitter.events(API, limit=10**6) if e["seq"] > since]


def last_seq(app: Any) -> int:
    found = app.services.emitter.events(API, limit=1)
    return int(found[-1]["seq"]) if found else 0


def test_the_operation_modules_cover_every_operation() -> None:
    """Each module asserts (from its app's journal) that its OPERATIONS answered 2xx with
    response validation on; together they must name all 36 operations of the spec."""
    from tests import (
        test_rentengine_comps,
        test_rentengine_lockboxes,
        test_rentengine_properties,
        test_rentengine_prospects,
        test_rentengine_showings,
        test_rentengine_units,
    )

    modules = (
        test_rentengine_units,
        test_rentengine_lockboxes,
        test_rentengine_prospects,
        test_rentengine_properties,
        test_rentengine_showings,
        test_rentengine_comps,
    )
    covered = set().union(*(m.OPERATIONS for m in modules))
    assert covered == set(operations()) and len(covered) == 36
