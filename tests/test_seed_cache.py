"""The seed cache: a hit gives the bytes of a fresh seed; misses, corrupt entries, the off switch,
reset, --state files and two processes starting together."""

from __future__ import annotations

import json
import logging
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx
import pytest
from connexion.exceptions import InvalidSpecification
from connexion.spec import Specification

from mock_server.app import build_services, create_app
from mock_server.services import Services
from mock_server.settings import Settings, data_dir, load_profile
from mock_server.state import seed as seed_module
from mock_server.state import seed_cache, spec_cache
from mock_server.state.seed import seed_all
from mock_server.testing import free_port, server_process, wait_until_up

FROZEN = "2026-05-20T12:00:00Z"  # credentials are stamped by the clock: freeze it to compare


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The cache on, in a fresh folder; counts the seeder runs in `seeders` (a list)."""
    folder = tmp_path / "cache"
    monkeypatch.setenv(seed_cache.ENV_SWITCH, "on")
    monkeypatch.setenv(seed_cache.ENV_DIR, str(folder))
    return folder


@pytest.fixture
def seeders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    runs: list[str] = []
    real = seed_module._seeder

    def counting(api: str) -> Any:
        runs.append(api)
        return real(api)

    monkeypatch.setattr(seed_module, "_seeder", counting)
    return runs


def seeded(**overrides: Any) -> Services:
    overrides.setdefault("freeze_at", FROZEN)
    services = build_services(Settings(**overrides))
    seed_all(services)
    return services


def fresh_snapshot(monkeypatch: pytest.MonkeyPatch, **overrides: Any) -> dict[str, Any]:
    """The state of a seed with the cache off (the reference)."""
    with monkeypatch.context() as m:
        m.setenv(seed_cache.ENV_SWITCH, "off")
        return seeded(**overrides).store.snapshot()


def entries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("*.sqlite"))


def test_miss_then_hit_give_the_bytes_of_a_fresh_seed(cache, seeders, monkeypatch):
    reference = fresh_snapshot(monkeypatch)
    assert seeders == ["rentengine", "aptoria", "keynest"]
    built = seeded().store.snapshot()  # a miss: seeds, writes the entry, copies it in
    assert len(seeders) == 6 and len(entries(cache)) == 1
    hit = seeded().store.snapshot()  # a hit: no seeder runs
    assert len(seeders) == 6
    assert built == reference and hit == reference
    assert len(reference["records"]) > 500 and len(reference["credentials"]) == 8
    assert entries(cache)[0].startswith("propmock-seed-small-1-")
    assert [p.name for p in cache.iterdir() if p.name.startswith(".tmp-")] == []


def test_lists_and_demo_tokens_from_a_hit_match_a_fresh_app(cache, monkeypatch):
    paths = {
        "rentengine": "/rentengine/api/public/v1/units?limit=100&page_number=0",
        "aptoria": "/aptoria/api/tenants",
        "keynest": "/keynest/v1/tenants",
    }

    def bodies() -> dict[str, bytes]:
        app = create_app(Settings(freeze_at=FROZEN))
        creds = {c["api"]: c["token"] for c in reversed(seed_module.demo_credentials(app.services))}
        client = app.test_client()  # no lifespan: no delivery loop ticking late rent meanwhile
        out = {}
        for api, path in paths.items():
            r = client.get(path, headers={"Authorization": f"Bearer {creds[api]}"})
            assert r.status_code == 200, (api, r.text)
            out[api] = r.content
        return out

    with monkeypatch.context() as m:
        m.setenv(seed_cache.ENV_SWITCH, "off")
        reference = bodies()
    seeded()  # writes the entry
    assert bodies() == reference


def test_another_seed_profile_or_code_is_a_miss(cache, seeders, monkeypatch):
    seeded()
    seeded(seed=2)
    assert len(seeders) == 6 and len(entries(cache)) == 2
    assert [n.split("-")[3] for n in entries(cache)] == ["1", "2"]  # propmock-seed-small-<seed>

    bigger = load_profile("small")
    bigger["rentengine"]["units"] += 1
    monkeypatch.setattr("mock_server.settings.load_profile", lambda size: bigger)
    services = seeded()
    assert len(seeders) == 9 and len(entries(cache)) == 3
    assert services.store.count("rentengine", "units") == 41
    assert services.store.snapshot() == fresh_snapshot(monkeypatch)

    monkeypatch.setattr(seed_cache, "code_fingerprint", lambda: "other code")
    seeded()
    assert len(seeders) == 15 and len(entries(cache)) == 4  # fresh_snapshot ran them too


def _rewrite_info(entry: Path, field: str, json_value: str) -> None:
    """Change one field of an entry's description in place (the file stays whole pages)."""
    sql = f"UPDATE {seed_cache.INFO_TABLE} SET value = json_set(value, ?, json(?))"
    with closing(sqlite3.connect(entry)) as db, db:
        db.execute(sql, (field, json_value))


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda p: p.write_bytes(b"not a database\n" * 100), id="garbage"),
        pytest.param(lambda p: p.write_bytes(p.read_bytes()[: p.stat().st_size // 2]), id="cut"),
        pytest.param(lambda p: p.write_bytes(b""), id="empty"),
        pytest.param(lambda p: _rewrite_info(p, "$.key", '"another"'), id="another-key"),
        pytest.param(lambda p: _rewrite_info(p, "$.credentials", "[1]"), id="bad-credentials"),
    ],
)
def test_an_unreadable_entry_is_reported_and_seeded_again(cache, monkeypatch, caplog, damage):
    reference = fresh_snapshot(monkeypatch)
    seeded()
    (entry,) = cache.glob("*.sqlite")
    damage(entry)
    with caplog.at_level(logging.WARNING, "propmock.seed_cache"):
        services = seeded()
    assert services.store.snapshot() == reference
    (warning,) = [r.getMessage() for r in caplog.records]
    assert warning.startswith(f"propmock: seed cache {entry} unreadable (")
    assert warning.endswith("); seeding again")
    assert entries(cache) == [entry.name]  # rebuilt in place
    caplog.clear()
    assert seeded().store.snapshot() == reference and caplog.records == []


def test_an_entry_that_does_not_hold_its_rows_is_dropped(cache, seeders, monkeypatch, caplog):
    reference = fresh_snapshot(monkeypatch)
    seeded()
    (entry,) = cache.glob("*.sqlite")
    with sqlite3.connect(entry) as db:  # the description still says 934 records
        db.execute("DELETE FROM records WHERE kind = 'units'")
    with sqlite3.connect(entry) as db:
        db.execute("VACUUM")  # keeps the file a whole number of pages
    runs = len(seeders)
    with caplog.at_level(logging.WARNING, "propmock.seed_cache"):
        services = seeded()
    assert "does not have its" in caplog.text and "not usable" in caplog.text
    assert services.store.snapshot() == reference  # nothing half-copied
    assert len(seeders) == runs + 3  # seeded directly
    assert entries(cache) == []  # the next start builds it again


def test_off_writes_nothing(cache, seeders, monkeypatch):
    monkeypatch.setenv(seed_cache.ENV_SWITCH, "off")
    seeded()
    seeded()
    assert len(seeders) == 6
    assert not cache.exists()


def test_a_store_with_rows_is_seeded_without_the_cache(cache, seeders):
    services = build_services(Settings(freeze_at=FROZEN))
    services.store.put("rentengine", "notes", 1, {"id": 1})
    seed_all(services)
    assert len(seeders) == 3 and not cache.exists()


def test_reset_uses_the_cache(cache, seeders):
    services = seeded()  # a miss
    first = services.store.snapshot()
    seed_module.reset(services, seed=2)  # what POST /_propmock/reset runs: a miss
    assert len(seeders) == 6 and len(entries(cache)) == 2
    assert services.store.snapshot()["records"] != first["records"]
    seed_module.reset(services, seed=1)  # a hit
    assert len(seeders) == 6
    assert services.store.snapshot() == first


def test_a_new_state_file_is_filled_from_the_cache(cache, seeders, tmp_path, monkeypatch):
    reference = fresh_snapshot(monkeypatch)
    seeded()
    services = seeded(state=str(tmp_path / "state.sqlite"))
    assert len(seeders) == 6  # the reference and the miss; the state file came from the entry
    assert services.store.snapshot() == reference
    assert services.store.execute("PRAGMA journal_mode") == [("wal",)]
    services.store.close()
    again = seeded(state=str(tmp_path / "state.sqlite"))  # reused: not seeded again
    assert again.store.snapshot() == reference and len(seeders) == 6


def test_cache_folder_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(seed_cache.ENV_DIR, str(tmp_path / "mine"))
    assert seed_cache.cache_dir() == tmp_path / "mine"
    monkeypatch.delenv(seed_cache.ENV_DIR)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert seed_cache.cache_dir() == tmp_path / "xdg" / "propmock"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert seed_cache.cache_dir() == tmp_path / "home" / ".cache" / "propmock"
    for value, on in (("off", False), ("0", False), ("No", False), ("on", True), ("", True)):
        monkeypatch.setenv(seed_cache.ENV_SWITCH, value)
        assert seed_cache.enabled() is on


def test_only_the_most_recently_used_entries_are_kept(cache, monkeypatch):
    monkeypatch.setattr(seed_cache, "MAX_ENTRIES", 2)
    for seed in (1, 2, 3):
        seeded(seed=seed)
    assert [n.split("-")[3] for n in entries(cache)] == ["2", "3"]
    seeded(seed=2)  # a hit: now the most recently used
    seeded(seed=4)
    assert [n.split("-")[3] for n in entries(cache)] == ["2", "4"]


def test_a_spec_is_checked_once_and_a_broken_one_every_time(cache, monkeypatch):
    checks: list[str] = []
    real = spec_cache._connexion_validate
    monkeypatch.setattr(
        spec_cache, "_connexion_validate", lambda cls, spec: (checks.append("x"), real(cls, spec))
    )
    spec = {"openapi": "3.0.3", "info": {"title": "memo", "version": "1"}, "paths": {}}
    Specification.from_dict(spec)
    Specification.from_dict(spec)
    assert len(checks) == 1 and len(list((cache / "validated-specs").iterdir())) == 1
    monkeypatch.setattr(spec_cache, "_VALID", set())  # another process: the marker is enough
    Specification.from_dict(spec)
    assert len(checks) == 1
    del spec["info"]["version"]
    for _ in range(2):
        with pytest.raises(InvalidSpecification):
            Specification.from_dict(spec)
    assert len(checks) == 3
    monkeypatch.setenv(seed_cache.ENV_SWITCH, "off")  # no marker read or written
    monkeypatch.setattr(spec_cache, "_VALID", set())
    Specification.from_dict({**spec, "info": {"title": "memo", "version": "2"}})
    assert len(checks) == 4 and len(list((cache / "validated-specs").iterdir())) == 1


def test_a_parsed_spec_is_read_back_from_json(cache, monkeypatch, tmp_path):
    parses: list[str] = []
    real = spec_cache._parse
    monkeypatch.setattr(spec_cache, "_parse", lambda text: (parses.append(text), real(text))[1])
    spec = data_dir("specs") / "keynest.yaml"
    first, second = spec_cache.load_yaml(spec), spec_cache.load_yaml(spec)
    assert first == second == real(spec.read_text()) and len(parses) == 1
    (cached,) = (cache / "parsed-specs").iterdir()
    cached.write_text("{not json")  # a damaged copy: parsed again and replaced
    assert spec_cache.load_yaml(spec) == first and len(parses) == 2
    assert json.loads(cached.read_text()) == first

    odd = tmp_path / "odd.yaml"  # YAML that JSON cannot give back: never kept
    odd.write_text("responses:\n  200: {description: ok}\nwhen: 2026-05-01\n")
    assert spec_cache.load_yaml(odd) == spec_cache.load_yaml(odd) == real(odd.read_text())
    assert len(parses) == 4 and len(list((cache / "parsed-specs").iterdir())) == 1

    monkeypatch.setenv(seed_cache.ENV_SWITCH, "off")
    spec_cache.load_yaml(spec)
    assert len(parses) == 5


# -- the command ----------------------------------------------------------------------------------
def settled_snapshot(root: str) -> dict[str, Any]:
    """A running server's state once its delivery loop's first pass (late rent on the frozen
    clock) is done: two snapshots in a row the same."""
    last = None
    for _ in range(50):
        now = httpx.get(f"{root}/_propmock/snapshot", timeout=30).json()
        if now == last:
            return now  # type: ignore[no-any-return]
        last = now
        time.sleep(0.1)
    raise AssertionError("the state kept changing")


def _serve_snapshot(*args: str) -> dict[str, Any]:
    with server_process("--freeze-at", FROZEN, *args, timeout=90) as (server, _):
        return settled_snapshot(server.root)


def test_no_seed_cache_flag_writes_nothing(cache):
    snapshot = _serve_snapshot("--no-seed-cache")
    assert len(snapshot["records"]) > 500
    assert not cache.exists()


def test_two_processes_starting_together_build_one_entry(cache):
    reference = _serve_snapshot("--no-seed-cache")
    ports = [free_port(), free_port()]
    logs = [cache.parent / f"serve-{n}.log" for n in (1, 2)]
    procs = []
    try:
        for port, log in zip(ports, logs, strict=True):  # both started before either is up
            cmd = [sys.executable, "-m", "mock_server.cli", "serve", "--port", str(port)]
            with log.open("wb") as out:
                procs.append(
                    subprocess.Popen([*cmd, "--freeze-at", FROZEN], stdout=out, stderr=out)
                )
        snapshots = []
        for port, proc in zip(ports, procs, strict=True):
            root = f"http://127.0.0.1:{port}"
            wait_until_up(root + "/_propmock/clock", 90, proc)
            snapshots.append(settled_snapshot(root))
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=10)
    assert snapshots == [reference, reference]
    assert len(entries(cache)) == 1
    folders = ["parsed-specs", "validated-specs"]
    assert sorted(p.name for p in cache.iterdir()) == sorted([*entries(cache), *folders])
    assert all("seed cache" not in log.read_text() for log in logs)  # no warning
    assert _serve_snapshot() == reference  # and the entry they left is a whole one


def test_a_server_starts_over_a_corrupt_entry_and_says_so(cache):
    reference = _serve_snapshot("--no-seed-cache")
    seeded()  # the entry the server will look for (same seed, profile and code)
    (entry,) = cache.glob("*.sqlite")
    entry.write_bytes(b"\0" * 4096)
    with server_process("--freeze-at", FROZEN, timeout=90) as (server, _):
        snapshot = settled_snapshot(server.root)
        log = server.log.read_text() if server.log else ""
    assert snapshot == reference
    assert f"propmock: seed cache {entry} unreadable (" in log and "; seeding again" in log
    assert seed_cache._read_info(entry, seed_cache.entry_path(1, "small", load_profile("small"))[1])
