"""The `propmock` command: serve the mock, trigger webhooks, run the contract suite."""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from mock_server.ratelimit import all_off
from mock_server.settings import APIS, Settings, load_profile
from mock_server.state import seed_cache
from mock_server.webhooks import cli_trigger as trigger_cli


def _serve_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("serve", help="serve the three APIs (and the control API) on one port")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--seed", type=int, default=1, help="data seed (same seed, same bytes)")
    p.add_argument(
        "--size", default="small", help="seed profile in fixtures/profiles (small, large)"
    )
    p.add_argument(
        "--state", metavar="FILE", help="SQLite file: persistent state, shared by workers"
    )
    p.add_argument("--workers", type=int, default=1, help="worker processes (share --state)")
    p.add_argument("--api", choices=APIS, help="serve one API alone at its production path")
    p.add_argument(
        "--validate-responses",
        action="store_true",
        help="check every response against the spec (slower)",
    )
    p.add_argument("--admin-token", help="require this bearer token on the control API")
    p.add_argument(
        "--freeze-at",
        metavar="ISO8601",
        help="start with the clock frozen at this instant (fully repeatable responses)",
    )
    p.add_argument(
        "--rate-limits",
        metavar="off|FILE",
        help="'off', or a YAML/JSON file of limits per API and credential",
    )
    p.add_argument(
        "--no-seed-cache",
        action="store_true",
        help="seed, parse and check the specs from scratch and write no cache (also "
        "PROPMOCK_SEED_CACHE=off; the cache is in PROPMOCK_CACHE_DIR, else ~/.cache/propmock)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="propmock", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    _serve_parser(sub)
    trigger_cli.add_parser(sub)
    sub.add_parser(
        "contract",
        add_help=False,
        help="run the contract suite against the mock or --api NAME --base-url URL "
        "(options go to pytest; `propmock contract -h` for usage)",
    )
    return parser


def contract(argv: Sequence[str]) -> int:
    """`propmock contract ...`: pytest on the contract suite; the exit status is pytest's."""
    from contract_tests.runner import run

    return run(argv)


def settings_from(args: argparse.Namespace) -> Settings:
    if args.workers < 1:
        raise SystemExit("propmock: --workers must be at least 1")
    if not 0 <= args.port <= 65535:
        raise SystemExit("propmock: --port must be between 0 and 65535")
    try:
        load_profile(args.size)
    except ValueError as exc:
        raise SystemExit(f"propmock: {exc}") from exc
    return Settings(
        rate_limits=rate_limits_from(args.rate_limits),
        seed=args.seed,
        size=args.size,
        state=args.state,
        host=args.host,
        port=args.port,
        workers=args.workers,
        api=args.api,
        validate_responses=args.validate_responses,
        admin_token=args.admin_token,
        freeze_at=_instant(args.freeze_at),
    )


def _instant(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise SystemExit(f"propmock: --freeze-at: not an ISO 8601 instant: {value}") from exc
    return value


def rate_limits_from(value: str | None) -> dict[str, Any]:
    """`--rate-limits off` or a file; the file is checked now, not at the first request."""
    if not value:
        return {}
    if value == "off":
        return all_off()
    path = Path(value)
    if not path.is_file():
        raise SystemExit(f"propmock: --rate-limits: no such file {value}")
    try:
        config = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise SystemExit(f"propmock: --rate-limits: {value} is not YAML/JSON: {exc}") from exc
    if not isinstance(config, dict) or not set(config) <= {*APIS, "credentials"}:
        raise SystemExit(
            f"propmock: --rate-limits: {value} must map API names and 'credentials' to settings"
        )
    return config


def banner(settings: Settings, credentials: list[dict[str, object]]) -> str:
    root = f"http://{settings.host}:{settings.port}"
    lines = [
        f"propmock serving on {root} (seed {settings.seed}, size {settings.size}, "
        f"state {settings.state or 'in memory'}, workers {settings.workers})"
    ]
    for api in settings.apis:
        base = root + settings.base_path(api)
        lines.append(f"  {api:<11} {base}   docs: {base}/ui/")
        for cred in credentials:
            if cred["api"] == api:
                extra = cred.get("role") or ",".join(cred.get("scopes", []) or [])  # type: ignore[arg-type]
                lines.append(
                    f"              token: {cred['token']}" + (f"  ({extra})" if extra else "")
                )
    lines.append(f"  control API {root}/_propmock   docs: {root}/_propmock/ui/")
    return "\n".join(lines)


# Idle keep-alive connections stay open 75 s (nginx's default), not uvicorn's 5 s: httpx and
# requests also drop idle connections after about 5 s, and at equal timeouts a client can reuse
# a connection just as the server closes it (a reset, seen once in the 64-client soak).
KEEP_ALIVE_S = 75


def serve(settings: Settings) -> None:
    import uvicorn

    from mock_server.app import build_services, create_app, release_free_memory
    from mock_server.http_protocol import VendorHttpToolsProtocol
    from mock_server.state.seed import demo_credentials, seed_all

    if settings.workers > 1 and not settings.state:
        # Workers share state through one SQLite file; an in-memory store would split it.
        settings.state = os.path.join(tempfile.mkdtemp(prefix="propmock-"), "state.sqlite")
    services = build_services(settings)
    seed_all(services)
    print(banner(settings, demo_credentials(services)), flush=True)
    if settings.workers == 1:
        app = create_app(settings, services)
        uvicorn.run(
            app,
            host=settings.host,
            port=settings.port,
            log_level="warning",
            http=VendorHttpToolsProtocol,
            timeout_keep_alive=KEEP_ALIVE_S,
        )
        return
    services.store.close()
    del services
    # This process only supervises the workers from now on: hand back the heap that seeding
    # used (~700 MB at 100,000 units, which glibc would otherwise keep while the server runs).
    gc.collect()
    release_free_memory()
    os.environ["PROPMOCK_SETTINGS"] = settings.to_json()
    uvicorn.run(
        "mock_server.app:app_from_env",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        http=VendorHttpToolsProtocol,
        log_level="warning",
        timeout_keep_alive=KEEP_ALIVE_S,
    )


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["contract"]:  # everything after it is pytest's, unparsed here
        return contract(argv[1:])
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        if args.no_seed_cache:  # the environment, so that worker processes see it too
            os.environ[seed_cache.ENV_SWITCH] = "off"
        serve(settings_from(args))
    if args.command == "trigger":
        return trigger_cli.run(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
