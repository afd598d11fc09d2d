"""`propmock trigger <api> <event> --to URL --secret S`: one signed webhook, no server needed."""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import Any

from mock_server.state.clock import Clock
from mock_server.state.store import Store
from mock_server.webhooks.config import load_config, save_config
from mock_server.webhooks.deliverer import Deliverer
from mock_server.webhooks.emitter import Emitter
from mock_server.webhooks.payloads import deep_merge, default_body, spec_for

# Stable across runs (like `stripe listen`'s secret), so a receiver can be configured once.
DEV_SECRET = "whsec_propmock_dev_secret"


def add_parser(sub: Any) -> None:
    p = sub.add_parser("trigger", help="send one signed webhook to a URL (like stripe trigger)")
    p.add_argument("api", choices=("aptoria", "rentengine"))
    p.add_argument(
        "event",
        help="Aptoria event kind (rent.paid, ...) or RentEngine <table>.<TYPE> (units.INSERT, ...)",
    )
    p.add_argument("--to", required=True, metavar="URL", help="the receiver")
    p.add_argument(
        "--secret",
        help=f"Aptoria signing secret (default {DEV_SECRET}); "
        "RentEngine API key (default: none sent)",
    )
    p.add_argument("--api-key-header", default="X-API-Key", help="RentEngine API key header")
    p.add_argument("--org", help="Aptoria organization_id")
    p.add_argument(
        "--override",
        action="append",
        default=[],
        metavar="PATH=VALUE|JSON",
        help="payload.amount_usd=10 (value parsed as JSON when it parses), or a JSON "
        "object deep-merged into the body; repeatable",
    )
    p.add_argument("--timeout", type=float, default=10.0, help="seconds for the attempt")
    p.add_argument("--seed", type=int, default=1, help="id seed (message ids, jti)")


def parse_override(text: str) -> dict[str, Any]:
    """`a.b=1` -> {"a": {"b": 1}}; a JSON object passes through."""
    if text.lstrip().startswith("{"):
        value = json.loads(text)
        if not isinstance(value, dict):
            raise ValueError("a JSON override must be an object")
        return value
    path, sep, raw = text.partition("=")
    if not sep or not path:
        raise ValueError(f"override {text!r} is not PATH=VALUE")
    try:
        leaf: Any = json.loads(raw)
    except ValueError:
        leaf = raw
    for key in reversed(path.split(".")):
        leaf = {key: leaf}
    return leaf  # type: ignore[no-any-return]


async def send_once(args: argparse.Namespace) -> dict[str, Any]:
    store = Store(None)
    clock = Clock(store)
    emitter = Emitter(store, clock, args.seed)
    save_config(store, load_config(store).updated({"timeout_seconds": args.timeout}))
    fields: dict[str, Any] = {"api": args.api, "url": args.to}
    if args.api == "aptoria":
        fields["secret"] = args.secret or DEV_SECRET
    else:
        fields.update(api_key=args.secret, api_key_header=args.api_key_header)
    emitter.endpoints.create(fields)
    body = default_body(spec_for(args.api), args.api, args.event, clock.time(), args.org)
    for text in args.override:
        body = deep_merge(body, parse_override(text))
    emitter.emit(args.api, args.event, body)
    [attempt] = await Deliverer(emitter).deliver_due()
    return attempt


def run(args: argparse.Namespace) -> int:
    try:
        attempt = asyncio.run(send_once(args))
    except (KeyError, ValueError) as exc:
        raise SystemExit(f"propmock trigger: {str(exc).strip(chr(39))}") from exc
    keep = (
        "url",
        "status",
        "error",
        "latency_ms",
        "request_headers",
        "request_body",
        "response_body",
    )
    print(json.dumps({k: attempt.get(k) for k in keep}, indent=2, ensure_ascii=False))
    return 0 if attempt["error"] is None else 1
