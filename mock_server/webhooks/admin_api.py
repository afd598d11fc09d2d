"""Handlers of the webhooks control API at /_propmock/webhooks (spec: admin_webhooks.yaml)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mock_server.errors import ApiError
from mock_server.state.seed import demo_credentials
from mock_server.webhooks.config import load_config, save_config
from mock_server.webhooks.deliverer import deliverer_for
from mock_server.webhooks.emitter import Emitter
from mock_server.webhooks.payloads import deep_merge, default_body, spec_for
from mock_server.webhooks.wire import iso

if TYPE_CHECKING:
    from mock_server.services import Services


def present_attempt(a: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in a.items() if k not in ("id", "at", "next_attempt_at")}
    out.update(
        at=iso(a["at"]),
        at_epoch=a["at"],
        next_attempt_at=iso(a["next_attempt_at"]) if a.get("next_attempt_at") else None,
        next_attempt_epoch=a.get("next_attempt_at"),
    )
    return out


def present(d: dict[str, Any], attempts: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    hidden = ("seq", "attempts", "lease_until", "next_attempt_at", "created_at", "updated_at")
    out = {k: v for k, v in d.items() if k not in hidden}
    due = d["next_attempt_at"]
    out.update(
        attempt_count=d["attempts"],
        created_at=iso(d["created_at"]),
        updated_at=iso(d["updated_at"]),
        next_attempt_epoch=due,
        next_attempt_at=iso(due) if due is not None and d["status"] == "pending" else None,
    )
    if attempts is not None:
        out["attempts"] = [present_attempt(a) for a in attempts]
    return out


class WebhookAdminHandlers:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.emitter: Emitter = services.emitter
        self.endpoints = self.emitter.endpoints
        self.outbox = self.emitter.outbox

    # -- endpoints ----------------------------------------------------------------------
    def _endpoint(self, endpoint_id: str) -> dict[str, Any]:
        ep = self.endpoints.get(endpoint_id)
        if ep is None:
            raise ApiError(404, f"Endpoint {endpoint_id} not found")
        return ep

    async def list_endpoints(self, api: str | None = None) -> list[dict[str, Any]]:
        return self.endpoints.all(api)

    async def create_endpoint(self, body: dict[str, Any]) -> tuple[dict[str, Any], int]:
        try:
            return self.endpoints.create(body), 201
        except ValueError as exc:
            raise ApiError(400, str(exc)) from exc

    async def get_endpoint(self, endpoint_id: str) -> dict[str, Any]:
        return self._endpoint(endpoint_id)

    async def update_endpoint(self, endpoint_id: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            ep = self.endpoints.update(endpoint_id, body)
        except ValueError as exc:
            raise ApiError(400, str(exc)) from exc
        if ep is None:
            raise ApiError(404, f"Endpoint {endpoint_id} not found")
        return ep

    async def delete_endpoint(self, endpoint_id: str) -> tuple[None, int]:
        with self.services.store.transaction():
            self.outbox.cancel_endpoint(endpoint_id, self.emitter.clock.time())
            if not self.endpoints.delete(endpoint_id):
                raise ApiError(404, f"Endpoint {endpoint_id} not found")
        return None, 204

    async def disable_endpoint(self, endpoint_id: str) -> dict[str, Any]:
        return self.endpoints.set_enabled(endpoint_id, False) or self._endpoint(endpoint_id)

    async def enable_endpoint(self, endpoint_id: str) -> dict[str, Any]:
        return self.endpoints.set_enabled(endpoint_id, True) or self._endpoint(endpoint_id)

    async def rotate_endpoint_secret(
        self, endpoint_id: str, body: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        body = body or {}
        overlap = body.get("overlap_seconds")
        if overlap is None:
            overlap = load_config(self.services.store).rotation_overlap_seconds
        ep = self.endpoints.rotate(endpoint_id, float(overlap), body.get("secret"))
        return ep or self._endpoint(endpoint_id)

    # -- deliveries ---------------------------------------------------------------------
    def _delivery(self, delivery_id: str) -> dict[str, Any]:
        d = self.outbox.get(delivery_id)
        if d is None:
            raise ApiError(404, f"Delivery {delivery_id} not found")
        return d

    async def list_deliveries(
        self,
        api: str | None = None,
        endpoint_id: str | None = None,
        status: str | None = None,
        event: str | None = None,
        message_id: str | None = None,
        limit: int = 100,
        include_attempts: bool = False,
    ) -> list[dict[str, Any]]:
        rows = self.outbox.find(
            {
                "api": api,
                "endpoint_id": endpoint_id,
                "status": status,
                "event": event,
                "message_id": message_id,
            },
            limit,
        )
        return [
            present(d, self.outbox.attempts(d["id"]) if include_attempts else None) for d in rows
        ]

    async def get_delivery(self, delivery_id: str) -> dict[str, Any]:
        d = self._delivery(delivery_id)
        return present(d, self.outbox.attempts(delivery_id))

    async def replay_delivery(self, delivery_id: str) -> tuple[dict[str, Any], int]:
        d = self._delivery(delivery_id)
        ep = self.endpoints.get(d["endpoint_id"])
        if ep is None:
            raise ApiError(409, f"Endpoint {d['endpoint_id']} was deleted")
        [new_id] = self.emitter.enqueue(
            ep,
            d["event_seq"],
            d["event"],
            d["body"],
            message_id=d["message_id"],
            replay_of=d["id"],
            faults=False,
        )
        return present(self._delivery(new_id), []), 201

    # -- dead letters -------------------------------------------------------------------
    async def list_dead_letters(
        self, api: str | None = None, endpoint_id: str | None = None, limit: int = 100
    ) -> list[dict[str, Any]]:
        rows = self.outbox.find({"api": api, "endpoint_id": endpoint_id, "status": "dead"}, limit)
        return [present(d) for d in rows]

    def _dead(self, delivery_id: str) -> dict[str, Any]:
        d = self.outbox.get(delivery_id)
        if d is None or d["status"] != "dead":
            raise ApiError(404, f"Dead letter {delivery_id} not found")
        return d

    async def redrive_dead_letter(self, delivery_id: str) -> dict[str, Any]:
        self._dead(delivery_id)
        # QStash's DLQ "Retry" republishes: a fresh retry budget (Upstash-Retried from 0).
        self.outbox.set_status(
            delivery_id,
            "pending",
            self.emitter.clock.time(),
            due=self.emitter.clock.time(),
            reset_retries=True,
        )
        return present(self._delivery(delivery_id))

    async def redrive_dead_letters(self, body: dict[str, Any] | None = None) -> dict[str, Any]:
        body = body or {}
        done = []
        with self.services.store.transaction():
            for d in self.outbox.find(
                {"api": body.get("api"), "status": "dead", "endpoint_id": body.get("endpoint_id")},
                100000,
            ):
                now = self.emitter.clock.time()
                self.outbox.set_status(d["id"], "pending", now, due=now, reset_retries=True)
                done.append(d["id"])
        return {"redriven": done}

    async def delete_dead_letter(self, delivery_id: str) -> tuple[None, int]:
        d = self._dead(delivery_id)
        self.outbox.set_status(d["id"], "discarded", self.emitter.clock.time(), reason=d["reason"])
        return None, 204

    # -- control ------------------------------------------------------------------------
    async def trigger_event(self, body: dict[str, Any]) -> tuple[dict[str, Any], int]:
        api, event = body["api"], body["event"]
        try:
            payload = trigger_body(
                self.services, api, event, body.get("organization_id"), body.get("overrides") or {}
            )
            seq = self.emitter.emit(api, event, payload)
        except (KeyError, ValueError) as exc:
            raise ApiError(400, str(exc).strip("'\"")) from exc
        made = [d["id"] for d in self.outbox.find({"event_seq": seq}, 1000)]
        return {
            "event_seq": seq,
            "api": api,
            "event": event,
            "body": payload,
            "deliveries": made,
        }, 201

    async def list_events(self, api: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        return self.emitter.events(api, limit)

    async def deliver_due(self) -> dict[str, Any]:
        attempts = await deliverer_for(self.services).deliver_due()
        due = self.outbox.next_due_at()
        return {
            "attempts": [present_attempt(a) for a in attempts],
            "next_due_at": iso(due) if due is not None else None,
            "next_due_epoch": due,
        }

    async def get_config(self) -> dict[str, Any]:
        return load_config(self.services.store).to_dict()

    async def update_config(self, body: dict[str, Any]) -> dict[str, Any]:
        try:
            config = load_config(self.services.store).updated(body)
        except (ValueError, TypeError) as exc:
            raise ApiError(400, str(exc)) from exc
        save_config(self.services.store, config)
        return config.to_dict()

    async def rotate_qstash_keys(self) -> dict[str, str]:
        store = self.services.store
        with store.transaction():
            config = load_config(store)
            # QStash: "the current key will be replaced with the next key and a new next key
            # will be generated".
            new = self.emitter.ids.alnum("sig", "qstash_signing_keys", 28)
            config = config.updated(
                {
                    "qstash_current_signing_key": config.qstash_next_signing_key,
                    "qstash_next_signing_key": new,
                }
            )
            save_config(store, config)
        return {
            "current_signing_key": config.qstash_current_signing_key,
            "next_signing_key": config.qstash_next_signing_key,
        }


def trigger_body(
    services: Services, api: str, event: str, organization_id: str | None, overrides: dict[str, Any]
) -> dict[str, Any]:
    """The default body for `event` (the spec's example, stamped now) with overrides merged."""
    if api == "aptoria" and organization_id is None:
        organization_id = next(
            (
                c["subject"]
                for c in demo_credentials(services)
                if c["api"] == "aptoria" and str(c.get("subject", "")).startswith("org_")
            ),
            None,
        )
    base = default_body(spec_for(api), api, event, services.clock.time(), organization_id)
    return deep_merge(base, overrides)  # type: ignore[no-any-return]
