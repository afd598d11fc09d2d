"""The seed cache: seeded rows saved once per (seed, profile, code), copied into later stores."""

# Seeding 100,000 RentEngine units takes ~25 s of Faker and JSON; copying the same rows from a
# file takes ~0.4 s. The rows are a pure function of the seed, the profile, the package's code,
# its specs and fixtures, and the versions of Faker, PyYAML, fpdf2 and Python, so an entry is
# named by a hash of all of them and can never be stale: any change is a new name. The clock is
# not an input: demo credentials (stamped by the clock) are issued after the copy, as after a
# fresh seed. Entries are built in a private temporary file and published with os.replace, so a
# reader sees a complete entry or none; anything unreadable is reported and seeded again.

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import re
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mock_server.settings import PACKAGE_DIR, data_dir
from mock_server.state.store import CORE_TABLES, Store

if TYPE_CHECKING:
    from mock_server.services import Services

    Requests = list[tuple[str, dict[str, Any]]]

ENV_SWITCH = "PROPMOCK_SEED_CACHE"  # off, 0, false or no: seed every time, write nothing
ENV_DIR = "PROPMOCK_CACHE_DIR"  # else $XDG_CACHE_HOME/propmock, else ~/.cache/propmock
FORMAT = 1  # bump when the entry layout changes
INFO_TABLE = "propmock_seed_cache"
PREFIX = "propmock-seed-"
MAX_ENTRIES = 8  # least recently used entries beyond these, or beyond MAX_BYTES, are removed
MAX_BYTES = 2 * 1024**3
STALE_TEMP_S = 3600  # a temporary file this old was left by a process that died mid-build
VERSIONED = ("Faker", "PyYAML", "fpdf2")
ALIAS = "seed_cache"

log = logging.getLogger("propmock.seed_cache")


def enabled() -> bool:
    return os.environ.get(ENV_SWITCH, "on").strip().lower() not in {"off", "0", "false", "no"}


def cache_dir() -> Path:
    if os.environ.get(ENV_DIR):
        return Path(os.environ[ENV_DIR]).expanduser().absolute()
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(xdg) if os.path.isabs(xdg) else Path.home() / ".cache"  # the XDG rule
    return base.absolute() / "propmock"


@cache
def code_fingerprint() -> str:
    """Everything but the seed and the profile that decides the seeded rows: the package's
    Python source, the specs and fixtures it reads, and the library versions. Per process."""
    digest = hashlib.sha256(f"format {FORMAT}; python {sys.version_info[:2]}\n".encode())
    for name in VERSIONED:
        try:
            digest.update(f"{name} {metadata.version(name)}\n".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{name} absent\n".encode())
    sources = [(PACKAGE_DIR, "*.py"), (data_dir("specs"), "*"), (data_dir("fixtures"), "*")]
    for root, pattern in sources:
        for path in sorted(p for p in root.rglob(pattern) if p.is_file()):
            content = path.read_bytes()
            name = f"{root.name}/{path.relative_to(root).as_posix()}"
            digest.update(f"{name} {len(content)}\n".encode() + content)
    return digest.hexdigest()


def entry_path(seed: int, size: str, profile: dict[str, Any]) -> tuple[Path, str]:
    """The entry's file and the key written inside it (checked on every read)."""
    text = json.dumps(profile, sort_keys=True, default=str)
    key = hashlib.sha256(f"{code_fingerprint()}\n{seed}\n{text}".encode()).hexdigest()
    label = re.sub(r"[^A-Za-z0-9_.-]", "_", size)[:40]
    return cache_dir() / f"{PREFIX}{label}-{seed}-{key[:32]}.sqlite", key


def seed_from_cache(
    services: Services,
    seed_records: Callable[[Services], Requests],
    issue: Callable[[Services, Requests], None],
) -> bool:
    """Fill the empty store from the cache entry for its seed and profile, building the entry
    first on a miss (`seed_records` on a scratch store), then `issue` the demo credentials in
    the same transaction. False, with nothing written to the store, when the cache is off, the
    store already has rows, or the entry cannot be written or read: the caller seeds itself."""
    store, settings = services.store, services.settings
    if not enabled() or not _pristine(store):
        return False
    path, key = entry_path(settings.seed, settings.size, settings.profile())
    info = _read_info(path, key)
    if info is None:
        info = _build(services, path, key, seed_records)
        if info is None:
            return False
    try:
        with _journal_for_bulk(store), store.attached(str(path), ALIAS), store.transaction():
            for table, rows in info["tables"].items():
                if rows and store.copy_table(ALIAS, table) != rows:
                    raise ValueError(f"table {table} does not have its {rows} rows")
            issue(services, [(api, cred) for api, cred in info["credentials"]])
    except (sqlite3.Error, ValueError, TypeError, KeyError, OSError) as exc:
        log.warning("propmock: seed cache %s not usable (%s); seeding without it", path, exc)
        _remove(path)  # the next start builds it again
        return False
    return True


@contextmanager
def _journal_for_bulk(store: Store) -> Iterator[None]:
    """A --state file takes the copy through a rollback journal, WAL again after: in WAL mode
    every page is written twice (log, then checkpoint), 3.3 s instead of 1.3 s at 100,000
    units. Still one transaction. Left in WAL when other processes have the file open."""
    bulk = False
    if store.path:
        try:
            bulk = store.execute("PRAGMA journal_mode=DELETE") == [("delete",)]
        except sqlite3.OperationalError:
            pass
    try:
        yield
    finally:
        if bulk:
            store.execute("PRAGMA journal_mode=WAL")


def _pristine(store: Store) -> bool:
    rows = store.execute(
        "SELECT EXISTS (SELECT 1 FROM records) OR EXISTS (SELECT 1 FROM counters)"
        " OR EXISTS (SELECT 1 FROM credentials)"
    )
    return not rows[0][0]


def _read_info(path: Path, key: str) -> dict[str, Any] | None:
    """The entry's description when `path` is a complete entry for `key`, else None (a miss, or
    a warning when a file is there but is not one)."""
    if not path.exists():
        return None
    try:
        with closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as db:
            pages = db.execute("PRAGMA page_count").fetchone()[0]
            page_size = db.execute("PRAGMA page_size").fetchone()[0]
            if pages * page_size != path.stat().st_size:
                raise ValueError(f"{path.stat().st_size} bytes, {pages} pages of {page_size}")
            info: dict[str, Any] = json.loads(
                db.execute(f"SELECT value FROM {INFO_TABLE}").fetchone()[0]
            )
        if info.get("format") != FORMAT or info.get("key") != key:
            raise ValueError("written for another key")
        credentials = info["credentials"]
        if not set(info["tables"]) <= set(CORE_TABLES) or not all(
            isinstance(c, list) and len(c) == 2 and isinstance(c[1], dict) for c in credentials
        ):
            raise ValueError("unexpected contents")
    except (sqlite3.Error, ValueError, TypeError, KeyError, OSError) as exc:
        log.warning("propmock: seed cache %s unreadable (%s); seeding again", path, exc)
        return None
    try:
        os.utime(path)  # most recently used: pruned last
    except OSError:
        pass
    return info


def _build(
    services: Services, path: Path, key: str, seed_records: Callable[[Services], Requests]
) -> dict[str, Any] | None:
    """Seed into a private file next to `path`, describe it, publish it as `path`."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=".tmp-" + PREFIX, suffix=".sqlite", dir=path.parent)
        os.close(fd)
    except OSError as exc:
        log.warning("propmock: cannot write the seed cache in %s (%s)", path.parent, exc)
        return None
    try:
        scratch = Store(temp, scratch=True)
        try:
            requests = seed_records(dataclasses.replace(services, store=scratch))
            counts = {t: scratch.execute(f"SELECT COUNT(*) FROM {t}")[0][0] for t in CORE_TABLES}
            info = {"format": FORMAT, "key": key, "tables": counts, "credentials": requests}
            # Written last, so its pages are the file's last: a truncated file has no info.
            scratch.execute(f"CREATE TABLE {INFO_TABLE} (name TEXT PRIMARY KEY, value TEXT)")
            scratch.execute(f"INSERT INTO {INFO_TABLE} VALUES ('info', ?)", (json.dumps(info),))
        finally:
            scratch.close()
        os.replace(temp, path)
    except (OSError, sqlite3.Error) as exc:
        _remove(Path(temp))
        log.warning("propmock: cannot write the seed cache %s (%s)", path, exc)
        return None
    except BaseException:
        _remove(Path(temp))
        raise
    _prune(path.parent, keep=path)
    return info


def _prune(directory: Path, keep: Path) -> None:
    """Keep the MAX_ENTRIES most recently used entries within MAX_BYTES; drop old temp files."""
    entries, now = [], time.time()
    for path in directory.glob(f"*{PREFIX}*.sqlite"):
        try:
            stat = path.stat()
        except OSError:
            continue
        if path.name.startswith(".tmp-"):
            if now - stat.st_mtime > STALE_TEMP_S:
                _remove(path)
        else:
            entries.append((stat.st_mtime, stat.st_size, path))
    total = 0
    for rank, (_, size, path) in enumerate(sorted(entries, reverse=True)):
        total += size
        if path != keep and (rank >= MAX_ENTRIES or total > MAX_BYTES):
            _remove(path)


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass
