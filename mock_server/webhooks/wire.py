"""What goes on the wire for one attempt: the body and each vendor's headers, signed afresh."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from mock_server.state.ids import IdFactory
from mock_server.webhooks.config import WebhookConfig
from mock_server.webhooks.emitter import dumps
from mock_server.webhooks.signing import APTORIA_HEADER, aptoria_header, qstash_token

# Aptoria documents no event id (neither in the envelope nor as a header), so the mock sends
# none: a receiver that deduplicated on a mock-only header would break against production.
# The event id (`evt_...`) is the delivery's message_id in the control API's log.
APTORIA_USER_AGENT = "Aptoria-Webhooks/1.0"  # inferred: the docs name no user agent


def iso(epoch: float) -> str:
    return (
        datetime.fromtimestamp(epoch, tz=UTC)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z")
    )


def aptoria_body(stored: str, now: float) -> str:
    """The documented envelope order `event, delivered_at, organization_id, payload`, with
    `delivered_at` the attempt time (so every attempt's body, and signature, differs)."""
    envelope: dict[str, Any] = json.loads(stored)
    body = {
        "event": envelope.get("event"),
        "delivered_at": iso(now),
        "organization_id": envelope.get("organization_id"),
        "payload": envelope.get("payload"),
    }
    body.update({k: v for k, v in envelope.items() if k not in body})
    return dumps(body)


def build_request(
    ep: dict[str, Any],
    delivery: dict[str, Any],
    now: float,
    secrets: list[str],
    config: WebhookConfig,
    ids: IdFactory,
) -> tuple[dict[str, str], bytes]:
    """Headers and body bytes for an attempt at clock time `now`."""
    if ep["api"] == "aptoria":
        body = aptoria_body(delivery["body"], now).encode("utf-8")
        headers = {
            "Content-Type": "application/json",
            "User-Agent": APTORIA_USER_AGENT,
            APTORIA_HEADER: aptoria_header(body, int(now), secrets),
        }
        return headers, body
    body = delivery["body"].encode("utf-8")  # "passed as is, we do not modify it at all"
    jti = ids.alnum("jwt", "webhook_jti", 28)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Upstash-QStash",
        "Upstash-Message-Id": delivery["message_id"],
        "Upstash-Retried": str(delivery["retried"]),
        "Upstash-Signature": qstash_token(
            config.qstash_current_signing_key, ep["url"], body, int(now), jti
        ),
    }
    if ep.get("api_key"):
        # QStash forwards `Upstash-Forward-<Name>` as `<Name>`; RentEngine does not document
        # the name, so it is per endpoint (default X-API-Key, what observed receivers check).
        headers[ep.get("api_key_header") or "X-API-Key"] = ep["api_key"]
    return headers, body
