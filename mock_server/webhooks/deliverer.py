"""Delivery: claim due outbox rows, POST them signed, log attempts, retry on the one clock."""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
import socket
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx

from mock_server.webhooks import schedule
from mock_server.webhooks.config import WebhookConfig, load_config
from mock_server.webhooks.emitter import Emitter
from mock_server.webhooks.wire import build_request

log = logging.getLogger("propmock.webhooks")
LEASE_MARGIN = 30.0  # real seconds a claim outlives the attempt timeout


class Deliverer:
    """One per worker process. `deliver_due()` is one pass; `run()` repeats it every ~50 ms.

    Tests inject `transport` (httpx.MockTransport) or point endpoints at a loopback receiver,
    freeze the clock, advance it, and call `deliver_due()` to step through a schedule.
    """

    def __init__(
        self,
        emitter: Emitter,
        services: Any = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.emitter = emitter
        self.services = services
        self.store = emitter.store
        self.clock = emitter.clock
        self.outbox = emitter.outbox
        self.endpoints = emitter.endpoints
        self.transport = transport
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._ssl = None if transport else httpx.create_ssl_context()

    # -- the loop -----------------------------------------------------------------------
    async def run(self, stop: asyncio.Event, interval: float = 0.05) -> None:
        """Deliver due attempts every `interval` real seconds until `stop` is set."""
        while not stop.is_set():
            try:
                if not load_config(self.store).paused:
                    await self.deliver_due()
            except Exception:  # a bad tick or a locked database must not end delivery
                log.exception("webhook delivery pass failed")
            try:
                await asyncio.wait_for(stop.wait(), interval)
            except TimeoutError:
                pass

    async def run_ticks(self) -> None:
        for tick in list(self.emitter.ticks):
            result = tick(self.services)
            if inspect.isawaitable(result):
                await result

    # -- one pass -----------------------------------------------------------------------
    async def deliver_due(self) -> list[dict[str, Any]]:
        """Run the ticks, then make one attempt for every delivery due at the clock's now.

        Endpoints are served concurrently; one endpoint's deliveries go one after another
        (oldest due first, or newest first when its `reorder` knob is on)."""
        await self.run_ticks()
        config = load_config(self.store)
        claimed = self.outbox.claim_due(
            self.clock.time(), self.worker, time.time(), config.timeout_seconds + LEASE_MARGIN
        )
        if not claimed:
            return []
        groups: dict[str, list[dict[str, Any]]] = {}
        for delivery in claimed:
            groups.setdefault(delivery["endpoint_id"], []).append(delivery)
        async with httpx.AsyncClient(
            transport=self.transport,
            verify=self._ssl or True,
            follow_redirects=False,
            trust_env=False,
        ) as client:
            results = await asyncio.gather(
                *(self._serve(client, group, config) for group in groups.values())
            )
        return [attempt for group in results for attempt in group]

    async def _serve(
        self, client: httpx.AsyncClient, group: list[dict[str, Any]], config: WebhookConfig
    ) -> list[dict[str, Any]]:
        ep = self.endpoints.get(group[0]["endpoint_id"])
        if ep and (ep.get("faults") or {}).get("reorder"):
            group = list(reversed(group))
        out = []
        for delivery in group:
            ep = self.endpoints.get(delivery["endpoint_id"])
            if ep is None or not ep["enabled"]:
                # Deleted or disabled since the claim (maybe by the previous attempt): put back.
                self.outbox.release(delivery["id"])
                continue
            out.append(await self._attempt(client, ep, delivery, config))
        return out

    async def _attempt(
        self,
        client: httpx.AsyncClient,
        ep: dict[str, Any],
        delivery: dict[str, Any],
        config: WebhookConfig,
    ) -> dict[str, Any]:
        now = self.clock.time()
        secrets = self.endpoints.signing_secrets(ep, now) if ep["api"] == "aptoria" else []
        headers, body = build_request(ep, delivery, now, secrets, config, self.emitter.ids)
        attempt: dict[str, Any] = {
            "delivery_id": delivery["id"],
            "number": delivery["attempts"] + 1,
            "retried": delivery["retried"],
            "at": now,
            "url": ep["url"],
            "request_headers": headers,
            "request_body": body.decode("utf-8", "replace"),
            "status": None,
            "response_headers": None,
            "response_body": None,
            "error": None,
        }
        started = time.perf_counter()
        response_headers: dict[str, str] = {}
        try:
            response = await client.post(
                ep["url"], content=body, headers=headers, timeout=config.timeout_seconds
            )
            attempt["status"] = response.status_code
            response_headers = dict(response.headers)
            attempt["response_headers"] = response_headers
            attempt["response_body"] = response.text[:1024]
            if not 200 <= response.status_code < 300:
                attempt["error"] = f"HTTP {response.status_code}"  # 3xx too: never followed
        except httpx.TimeoutException:
            attempt["error"] = f"timeout after {config.timeout_seconds:g} s"
        except httpx.HTTPError as exc:
            attempt["error"] = f"{type(exc).__name__}: {exc}"
        attempt["latency_ms"] = round((time.perf_counter() - started) * 1000, 3)
        self._settle(ep, delivery, attempt, response_headers, now, config)
        return attempt

    def _settle(
        self,
        ep: dict[str, Any],
        delivery: dict[str, Any],
        attempt: dict[str, Any],
        response_headers: dict[str, str],
        now: float,
        config: WebhookConfig,
    ) -> None:
        """Record the outcome and the next step in one transaction."""
        ok = attempt["error"] is None
        n = delivery["retried"] + 1  # failed attempts since (re)publish, if this one failed
        status, next_at, reason = "delivered", None, None
        with self.store.transaction():
            current = self.endpoints.get(ep["id"]) or ep
            before = (current.get("consecutive_failures"), current["enabled"])
            if ok:
                current["consecutive_failures"] = 0
            elif ep["api"] == "aptoria":
                current["consecutive_failures"] = current.get("consecutive_failures", 0) + 1
                if n >= config.aptoria_max_attempts:
                    status, reason = "dead", f"exhausted {n} attempts"
                else:
                    status = "pending"
                    next_at = now + schedule.aptoria_delay(
                        n,
                        self.emitter.seed,
                        delivery["message_id"],
                        config.aptoria_base_seconds,
                        config.aptoria_factor,
                        config.aptoria_jitter,
                        config.aptoria_delays_seconds,
                    )
                failures = current["consecutive_failures"]
                if failures >= config.aptoria_disable_after and current["enabled"]:
                    # Aptoria: "After 10 consecutive failures the endpoint is auto-disabled".
                    current["enabled"] = False
                    current["disabled_reason"] = (
                        f"auto-disabled after {failures} consecutive failures"
                    )
            else:
                status, next_at, reason = _qstash_next(
                    ep, n, attempt, response_headers, now, config
                )
            attempt["outcome"] = status if status != "pending" else "retry"
            attempt["next_attempt_at"] = next_at
            if (current.get("consecutive_failures"), current["enabled"]) != before:
                self.endpoints.save(current)
            self.outbox.finish_attempt(delivery["id"], attempt, status, next_at, reason, now)


def _qstash_next(
    ep: dict[str, Any],
    n: int,
    attempt: dict[str, Any],
    response_headers: dict[str, str],
    now: float,
    config: WebhookConfig,
) -> tuple[str, float | None, str | None]:
    lowered = {k.lower(): v for k, v in response_headers.items()}
    if attempt["status"] == 489 and lowered.get("upstash-nonretryable-error", "").lower() == "true":
        return "dead", None, "non-retryable (489 with Upstash-NonRetryable-Error: true)"
    retries = ep.get("retries")
    retries = config.qstash_retries if retries is None else int(retries)
    if n > retries:
        return "dead", None, f"exhausted {retries} retries"
    delay = schedule.receiver_delay(response_headers, now) if response_headers else None
    if delay is None:
        delay = schedule.qstash_delay(n, config.qstash_cap_seconds)
    return "pending", now + delay, None


def deliverer_for(services: Any) -> Deliverer:
    """The app's one Deliverer (shared by the loop and the control API), made on first use."""
    emitter: Emitter = services.emitter
    existing: Deliverer | None = getattr(emitter, "deliverer", None)
    if existing is None:
        existing = Deliverer(emitter, services)
        emitter.deliverer = existing  # type: ignore[attr-defined]
    return existing


def webhook_lifespan(services: Any) -> Callable[[Any], AbstractAsyncContextManager[None]]:
    """An ASGI lifespan running the delivery loop while the app serves (one per worker)."""

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        stop = asyncio.Event()
        task = asyncio.create_task(deliverer_for(services).run(stop))
        try:
            yield
        finally:
            stop.set()
            await task

    return lifespan
