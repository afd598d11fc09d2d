"""The suite's command-line options (and their environment variables), parsed once per run."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import pytest

APIS = ("rentengine", "aptoria", "keynest")
# Where a real target's credential comes from (issue 6); the mock hands out its own.
TOKEN_ENV = {
    "rentengine": "RENTENGINE_TOKEN",
    "aptoria": "APTORIA_API_KEY",
    "keynest": "KEYNEST_TOKEN",
}
DEFAULT_REAL_BUDGET = 2000


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("contract", "propmock contract suite")
    add = group.addoption
    add(
        "--api",
        action="append",
        default=[],
        metavar="NAME",
        help="API(s) to check: rentengine, aptoria, keynest (repeat or comma-separate; "
        "default: all three on the mock; required with --base-url)",
    )
    add(
        "--base-url",
        metavar="URL",
        help="a real target's base URL (e.g. https://app.aptoria.ai); env <API>_BASE_URL",
    )
    add(
        "--token",
        metavar="TOKEN",
        help="the credential for --base-url; default from RENTENGINE_TOKEN, APTORIA_API_KEY "
        "or KEYNEST_TOKEN",
    )
    add(
        "--revoked-token",
        metavar="TOKEN",
        help="a revoked credential of the target (env <ENV>_REVOKED), for the revoked-auth check",
    )
    add(
        "--limited-token",
        metavar="TOKEN",
        help="a credential lacking scopes/roles (env <ENV>_LIMITED), for the under-scoped check",
    )
    add(
        "--limited-scopes",
        metavar="LIST",
        default=None,
        help="Aptoria scopes --limited-token holds, comma-separated (default: none)",
    )
    add(
        "--limited-role",
        metavar="ROLE",
        default=None,
        help="KeyNest role --limited-token holds (default: tenant)",
    )
    add(
        "--mock-url",
        metavar="URL",
        help="a running propmock (e.g. http://127.0.0.1:8000): its APIs and control API",
    )
    add(
        "--admin-token",
        metavar="TOKEN",
        help="the mock's control-API token, if it was started with one (env PROPMOCK_ADMIN_TOKEN)",
    )
    add(
        "--mock-mode",
        choices=("process", "thread"),
        default="process",
        help="how to start the mock when no target is given (default: process)",
    )
    add(
        "--allow-writes",
        action="store_true",
        help="real targets: run operations that write (records are labelled and cleaned up)",
    )
    add(
        "--probe-rate-limits",
        action="store_true",
        help="real targets: spend quota to check 429 and Retry-After at the boundary",
    )
    add(
        "--max-requests",
        type=int,
        default=None,
        metavar="N",
        help=f"request budget; later tests are skipped (default {DEFAULT_REAL_BUDGET} on real "
        "targets, none on the mock)",
    )
    add(
        "--max-retry-wait",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="honour a 429's Retry-After up to this long, then give up (default 60)",
    )
    add("--request-timeout", type=float, default=10.0, metavar="SECONDS")
    add(
        "--examples",
        type=int,
        default=8,
        metavar="N",
        help="Hypothesis examples per operation in the fuzzing phase (default 8)",
    )
    add(
        "--stateful-examples",
        type=int,
        default=6,
        metavar="N",
        help="stateful scenarios per API (default 6)",
    )
    add(
        "--phases",
        default="examples,coverage,fuzzing",
        metavar="LIST",
        help="Schemathesis phases per operation (default examples,coverage,fuzzing; the "
        "stateful runs are separate tests)",
    )
    add(
        "--random",
        action="store_true",
        help="random generation (default: derandomized, the same cases on every run)",
    )
    add(
        "--contract-report",
        metavar="DIR",
        default="reports",
        help="where the JUnit XML (unless --junitxml) and the summary go (default reports)",
    )


def _env(name: str) -> str | None:
    value = os.environ.get(name)
    return value or None


@dataclass
class Options:
    apis: tuple[str, ...]
    base_url: str | None
    mock_url: str | None
    mock_mode: str
    admin_token: str | None
    tokens: dict[str, str | None]
    revoked_tokens: dict[str, str | None]
    limited_tokens: dict[str, str | None]
    limited_scopes: list[str]
    limited_role: str
    allow_writes: bool
    probe_rate_limits: bool
    max_requests: int | None
    max_retry_wait: float
    request_timeout: float
    examples: int
    stateful_examples: int
    phases: list[str]
    deterministic: bool
    report_dir: str
    errors: list[str] = field(default_factory=list)

    @property
    def real(self) -> bool:
        return self.base_url is not None

    @classmethod
    def from_config(cls, config: pytest.Config) -> Options:
        opt: Any = config.option
        errors: list[str] = []
        apis = tuple(a.strip().lower() for v in opt.api for a in v.split(",") if a.strip())
        unknown = [a for a in apis if a not in APIS]
        if unknown:
            errors.append(f"unknown --api {', '.join(unknown)} (choose from {', '.join(APIS)})")
        base_url = opt.base_url
        if base_url is None and len(apis) == 1:
            base_url = _env(f"{apis[0].upper()}_BASE_URL")
        if base_url and opt.mock_url:
            errors.append("give --base-url (a real target) or --mock-url (a propmock), not both")
        if base_url and len(apis) != 1:
            errors.append("--base-url needs exactly one --api (rentengine, aptoria or keynest)")
        bad_phases = set(opt.phases.split(",")) - {"examples", "coverage", "fuzzing"}
        if bad_phases:
            errors.append(
                f"unknown --phases {', '.join(sorted(bad_phases))} (examples, coverage, fuzzing)"
            )
        if base_url and not base_url.startswith(("http://", "https://")):
            errors.append(f"--base-url must be an http(s) URL, got {base_url!r}")
        tokens = {a: (opt.token if base_url else None) or _env(TOKEN_ENV[a]) for a in APIS}
        scopes = opt.limited_scopes or _env("APTORIA_LIMITED_SCOPES") or ""
        budget = opt.max_requests
        if budget is None and base_url:
            budget = DEFAULT_REAL_BUDGET
        return cls(
            apis=apis or APIS,
            base_url=base_url.rstrip("/") if base_url else None,
            mock_url=opt.mock_url.rstrip("/") if opt.mock_url else None,
            mock_mode=opt.mock_mode,
            admin_token=opt.admin_token or _env("PROPMOCK_ADMIN_TOKEN"),
            tokens=tokens,
            revoked_tokens={a: opt.revoked_token or _env(TOKEN_ENV[a] + "_REVOKED") for a in APIS},
            limited_tokens={a: opt.limited_token or _env(TOKEN_ENV[a] + "_LIMITED") for a in APIS},
            limited_scopes=[s.strip() for s in scopes.split(",") if s.strip()],
            limited_role=opt.limited_role or _env("KEYNEST_LIMITED_ROLE") or "tenant",
            allow_writes=bool(opt.allow_writes),
            probe_rate_limits=bool(opt.probe_rate_limits),
            max_requests=budget if budget and budget > 0 else None,
            max_retry_wait=float(opt.max_retry_wait),
            request_timeout=float(opt.request_timeout),
            examples=max(1, int(opt.examples)),
            stateful_examples=max(1, int(opt.stateful_examples)),
            phases=[p.strip() for p in opt.phases.split(",") if p.strip()],
            deterministic=not opt.random,
            report_dir=opt.contract_report,
            errors=errors,
        )
