"""Webhook delivery settings, kept in the store's meta table so every worker agrees on them."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from typing import Any

from mock_server.state.store import Store
from mock_server.webhooks import schedule
from mock_server.webhooks.signing import QSTASH_DEV_CURRENT_KEY, QSTASH_DEV_NEXT_KEY

META_KEY = "webhooks.config"


@dataclass
class WebhookConfig:
    timeout_seconds: float = 10.0  # per attempt; a timeout is a failed attempt
    paused: bool = False  # the background loop skips work; deliver-due still delivers
    aptoria_max_attempts: int = schedule.APTORIA_MAX_ATTEMPTS
    aptoria_base_seconds: float = schedule.APTORIA_BASE
    aptoria_factor: float = schedule.APTORIA_FACTOR
    aptoria_jitter: float = schedule.APTORIA_JITTER
    # Explicit delays before attempts 2, 3, ... (jittered) instead of the formula, e.g. the
    # list in specs/aptoria.yaml `x-webhook-delivery.retry_delays_seconds`.
    aptoria_delays_seconds: list[float] | None = None
    aptoria_disable_after: int = 10  # consecutive failed attempts per endpoint
    rotation_overlap_seconds: float = 86400.0  # old secret still signs (Stripe: up to 24 h)
    qstash_retries: int = schedule.QSTASH_DEFAULT_RETRIES
    qstash_cap_seconds: int = schedule.QSTASH_CAP
    qstash_current_signing_key: str = QSTASH_DEV_CURRENT_KEY
    qstash_next_signing_key: str = QSTASH_DEV_NEXT_KEY

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def updated(self, changes: dict[str, Any]) -> WebhookConfig:
        known = {f.name for f in fields(self)}
        unknown = set(changes) - known
        if unknown:
            raise ValueError(f"unknown config fields: {sorted(unknown)}")
        merged = {**self.to_dict(), **changes}
        if merged["aptoria_max_attempts"] < 1 or merged["qstash_retries"] < 0:
            raise ValueError("attempt and retry counts must be positive")
        if merged["timeout_seconds"] <= 0:
            raise ValueError("timeout_seconds must be positive")
        return WebhookConfig(**merged)


def load_config(store: Store) -> WebhookConfig:
    raw = store.get_meta(META_KEY)
    if not raw:
        return WebhookConfig()
    data = json.loads(raw)
    known = {f.name for f in fields(WebhookConfig)}
    return WebhookConfig(**{k: v for k, v in data.items() if k in known})


def save_config(store: Store, config: WebhookConfig) -> None:
    store.set_meta(META_KEY, json.dumps(config.to_dict()))
