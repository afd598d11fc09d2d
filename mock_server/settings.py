"""Server settings: what `propmock serve` flags and the control API can change."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

APIS = ("rentengine", "aptoria", "keynest")
# Where each API is mounted when all three share one port, and alone (`--api NAME`).
SHARED_BASES = {
    "rentengine": "/rentengine/api/public/v1",
    "aptoria": "/aptoria",
    "keynest": "/keynest/v1",
}
PRODUCTION_BASES = {"rentengine": "/api/public/v1", "aptoria": "", "keynest": "/v1"}
ADMIN_BASE = "/_propmock"

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent


def data_dir(name: str) -> Path:
    """`specs` or `fixtures`: next to the package in a checkout, inside it when installed."""
    for candidate in (REPO_DIR / name, PACKAGE_DIR / "_data" / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"cannot find the {name}/ folder")


@dataclass
class Settings:
    seed: int = 1
    size: str = "small"
    state: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    api: str | None = None  # serve one API alone at its production path
    validate_responses: bool = False
    admin_token: str | None = None
    jwt_secret: str = "propmock-rentengine-jwt-signing-key-v1"
    max_body_bytes: int = 1_048_576
    journal_size: int = 1000
    webhook_history: int = 1000  # newest webhook events, finished deliveries, dead letters kept
    rate_limits: dict[str, Any] = field(default_factory=dict)
    freeze_at: str | None = None  # ISO 8601: start with the clock frozen there

    @property
    def apis(self) -> tuple[str, ...]:
        return (self.api,) if self.api else APIS

    def base_path(self, api: str) -> str:
        return PRODUCTION_BASES[api] if self.api else SHARED_BASES[api]

    def profile(self) -> dict[str, Any]:
        return load_profile(self.size)

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, raw: str) -> Settings:
        return cls(**json.loads(raw))


def load_profile(size: str) -> dict[str, Any]:
    path = data_dir("fixtures") / "profiles" / f"{size}.yaml"
    if not path.is_file():
        known = sorted(p.stem for p in path.parent.glob("*.yaml"))
        raise ValueError(f"unknown size {size!r}; known sizes: {', '.join(known)}")
    return yaml.safe_load(path.read_text())  # type: ignore[no-any-return]
