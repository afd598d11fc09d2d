"""Seeding: fill an empty store from a profile, one Faker per API, and issue demo credentials."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import import_module
from typing import TYPE_CHECKING, Any

from mock_server.settings import load_profile
from mock_server.state import seed_cache
from mock_server.state.ids import IdFactory

if TYPE_CHECKING:
    from faker import Faker

    from mock_server.services import Services

DEMO_KEY = "demo_credentials"


@dataclass
class SeedContext:
    """What a per-API seeder gets: the store, its id factory and Faker, its part of the profile."""

    services: Services
    api: str
    ids: IdFactory
    fake: Faker
    profile: dict[str, Any]
    epoch: datetime  # seeded records are stamped relative to this, never the wall clock

    @property
    def store(self) -> Any:
        return self.services.store


def _seeder(api: str) -> Callable[[SeedContext], list[dict[str, Any]]]:
    """`mock_server.state.seed_<api>.seed(ctx)` returns the demo credentials to issue."""
    return import_module(f"mock_server.state.seed_{api}").seed  # type: ignore[no-any-return]


CredentialRequest = tuple[str, dict[str, Any]]  # (api, {subject, claims, label})


def seed_records(services: Services) -> list[CredentialRequest]:
    """Run every API's seeder on `services.store`; return the demo credentials to issue, in
    order. Reads the seed and the profile, never the clock: its rows are what the seed cache
    keeps (`seed_cache.py`), so they must be a function of (seed, profile, code) alone."""
    from faker import Faker  # imported here: ~0.3 s that a seed-cache hit never needs

    store, settings = services.store, services.settings
    profile = settings.profile()
    epoch = datetime.fromisoformat(profile.get("epoch", "2026-05-01T00:00:00+00:00"))
    if epoch.tzinfo is None:
        epoch = epoch.replace(tzinfo=UTC)
    requests: list[CredentialRequest] = []
    with store.transaction():
        for index, api in enumerate(("rentengine", "aptoria", "keynest")):
            fake = Faker(profile.get("locale", "en_US"))
            fake.seed_instance(settings.seed * 1000 + index)
            ctx = SeedContext(
                services,
                api,
                IdFactory(store, settings.seed, api),
                fake,
                profile.get(api, {}),
                epoch,
            )
            requests += [(api, cred) for cred in _seeder(api)(ctx)]
    return requests


def issue_demo_credentials(services: Services, requests: list[CredentialRequest]) -> None:
    """Issue the seeders' demo credentials (stamped by the clock, so never cached) and mark
    the store seeded."""
    demo = [
        services.auth.issue(api, cred["subject"], cred.get("claims"), cred.get("label", "demo"))
        for api, cred in requests
    ]
    services.store.set_meta(DEMO_KEY, json.dumps(demo))
    settings = services.settings
    services.store.set_meta("seeded", json.dumps({"seed": settings.seed, "size": settings.size}))


def seed_all(services: Services) -> None:
    """Seed every API into an empty store, unless it was seeded before (a reused --state file):
    from the seed cache when it has this seed and profile, else by running the seeders."""
    store = services.store
    if store.get_meta("seeded"):
        return
    if seed_cache.seed_from_cache(services, seed_records, issue_demo_credentials):
        return
    with store.transaction():
        issue_demo_credentials(services, seed_records(services))


def demo_credentials(services: Services) -> list[dict[str, Any]]:
    raw = services.store.get_meta(DEMO_KEY)
    return json.loads(raw) if raw else []


def reset(services: Services, seed: int | None = None, size: str | None = None) -> None:
    """Wipe everything but the clock (records, credentials, events, outbox) and seed again."""
    if size is not None:
        load_profile(size)  # an unknown size fails here, before anything is wiped
        services.settings.size = size
    if seed is not None:
        services.settings.seed = seed
    clock = services.store.get_meta("clock")  # a frozen test clock stays frozen
    services.store.wipe()
    if clock:
        services.store.set_meta("clock", clock)
    seed_all(services)
