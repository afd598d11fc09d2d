"""The three side-by-side workloads, and how each target (propmock, Prism) is started for them."""

from __future__ import annotations

import json
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks import servers

# Where `propmock serve --api NAME` mounts each API (its production base path); Prism serves
# the spec's paths at the root.
PROPMOCK_BASES = {"rentengine": "/api/public/v1", "aptoria": "", "keynest": "/v1"}
TARGETS = ("propmock", "prism-static", "prism-dynamic")


@dataclass(frozen=True)
class Workload:
    name: str
    api: str
    path: str  # relative to the API's base; for a mix, the path Prism is probed on
    credential: dict[str, Any]  # the body for POST /_propmock/credentials
    mix: str | None = None  # a wrk script in benchmarks/lua (else a plain GET of `path`)
    note: str = ""


WORKLOADS = {
    "rentengine-units": Workload(
        "rentengine-units",
        "rentengine",
        "/units?limit=50",
        {"api": "rentengine", "label": "bench"},
        note="authenticated GET /units?limit=50 (propmock: a full page of 50 seeded units)",
    ),
    "aptoria-ar-aging": Workload(
        "aptoria-ar-aging",
        "aptoria",
        "/api/ar-aging",
        {"api": "aptoria", "scopes": ["read:rent"], "label": "bench"},
        note="authenticated GET /api/ar-aging (read:rent key)",
    ),
    "keynest-create-read": Workload(
        "keynest-create-read",
        "keynest",
        "/properties",
        {"api": "keynest", "role": "landlord", "label": "bench"},
        mix="create_read",
        note="POST /properties then GET /properties/{id} of the created id (about 1:1); "
        "Prism does not persist, so its read answers the spec example, not the record",
    ),
}


def issue_token(server: servers.Server, credential: dict[str, Any]) -> str:
    """A fresh credential from propmock's control API (loopback only)."""
    req = urllib.request.Request(
        server.root + "/_propmock/credentials",
        data=json.dumps(credential).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        return str(json.loads(resp.read())["token"])


def start_target(
    target: str, wl: Workload, token: str | None, size: str, before: Path | None = None
) -> servers.Server:
    """Start `target` for `wl`. Prism gets the same Authorization header as propmock;
    `propmock-before` is propmock served from the `before` checkout."""
    if target == "propmock":
        return servers.propmock(wl.api, size=size).start()
    if target == "propmock-before":
        if before is None:
            raise SystemExit("the propmock-before target needs --before TREE")
        return servers.propmock(wl.api, size=size, tree=before).start()
    headers = {"Authorization": f"Bearer {token}"}
    probe = wl.path if not wl.mix else "/properties"
    return servers.prism(wl.api, target == "prism-dynamic", probe, headers).start(timeout=60)


def base_of(target: str, wl: Workload) -> str:
    return PROPMOCK_BASES[wl.api] if target.startswith("propmock") else ""
