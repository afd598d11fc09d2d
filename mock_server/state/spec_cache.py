"""Start-up work on the specs, remembered in the seed cache folder: parsing and schema checks."""

# Every start parses five YAML specs (~0.4 s of CPU) and Connexion checks each against the
# OpenAPI schema (~1.1 s). Both depend only on a spec's text and the library versions, so a
# parsed spec is kept as JSON (only when JSON gives back the very same values: no dates, no
# integer keys) and a passed check as an empty marker, each named by a hash of its inputs.
# A failing check is never remembered. Off, like the seed cache, with PROPMOCK_SEED_CACHE=off.

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from importlib import import_module, metadata
from pathlib import Path
from typing import Any

import yaml

from mock_server.state import seed_cache

# libyaml's safe loader parses the specs about 7x faster than the pure-Python one; same
# SafeConstructor, so the same dicts.
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
PARSED, VALIDATED = "parsed-specs", "validated-specs"
MAX_FILES = 32  # per folder; older files are specs edited since

_ConnexionSpec = import_module("connexion.spec").Specification  # untyped: Any
_connexion_validate = _ConnexionSpec._validate_spec.__func__
_VALID: set[str] = set()  # digests of specs that passed, in this process (tests build many apps)


def _digest(libraries: tuple[str, ...], head: str, body: bytes) -> str:
    versions = " ".join(f"{name} {metadata.version(name)}" for name in libraries)
    return hashlib.sha256(f"{versions}\n{head}\n".encode() + body).hexdigest()


def load_yaml(path: Path) -> dict[str, Any]:
    """The spec at `path`, parsed, or its JSON copy from an earlier start."""
    text = path.read_text()
    if not seed_cache.enabled():
        return _parse(text)
    cached = (
        seed_cache.cache_dir()
        / PARSED
        / (_digest(("PyYAML",), YAML_LOADER.__name__, text.encode()) + ".json")
    )
    try:
        spec = json.loads(cached.read_bytes())
        if isinstance(spec, dict):
            return spec
    except (OSError, ValueError):
        pass
    spec = _parse(text)
    try:
        same = json.loads(encoded := json.dumps(spec)) == spec
    except (TypeError, ValueError):
        same = False
    if same:
        _write(cached, encoded.encode())
    return spec


def _parse(text: str) -> dict[str, Any]:
    return yaml.load(text, Loader=YAML_LOADER)  # type: ignore[no-any-return]  # noqa: S506


def _validate_once(cls: Any, spec: dict[str, Any]) -> None:
    """Connexion's check (raises on a bad spec), skipped for a spec that passed before."""
    try:
        text = json.dumps(spec, sort_keys=True, default=str)
    except TypeError:  # keys of mixed types: not a spec this mock ships
        _connexion_validate(cls, spec)
        return
    digest = _digest(("connexion", "jsonschema"), cls.__name__, text.encode())
    marker = seed_cache.cache_dir() / VALIDATED / digest
    use_disk = seed_cache.enabled()
    if digest not in _VALID and not (use_disk and marker.is_file()):
        _connexion_validate(cls, spec)
        if use_disk:
            _write(marker, b"")
    _VALID.add(digest)


def remember_valid_specs() -> None:
    """Make Connexion's spec check (every add_api, every served openapi.json) remember passes."""
    _ConnexionSpec._validate_spec = classmethod(_validate_once)


def _write(path: Path, data: bytes) -> None:
    """Publish `path` whole (temporary file, os.replace); keep its folder to MAX_FILES."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    except OSError:
        return  # done again next start
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(temp, path)
        done = sorted(path.parent.glob("[!.]*"), key=lambda p: p.stat().st_mtime)
        for old in done[:-MAX_FILES]:
            old.unlink()
    except OSError:
        Path(temp).unlink(missing_ok=True)
