"""Check emitted payloads against the specs' `x-webhooks` body schemas (on when responses are)."""

from __future__ import annotations

from typing import Any

from connexion.json_schema import Draft4ResponseValidator
from jsonschema import FormatChecker

from mock_server.webhooks.payloads import rentengine_webhook_for, request_schema, spec_for, webhooks

# Any valid stamp: the real `delivered_at` is set per attempt, after emission.
_PLACEHOLDER_DELIVERED_AT = "2026-01-01T00:00:00.000Z"


class PayloadValidator:
    """Validators per (api, webhook), built on first use with Connexion's own response
    validator (Draft 4 + OpenAPI `nullable`), so webhooks are held to the same rules as
    the responses the mock returns."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, str], Any] = {}

    def _validator(self, api: str, webhook: str) -> Any:
        key = (api, webhook)
        if key not in self._cache:
            spec = spec_for(api)
            root = {"components": spec.get("components", {}), **request_schema(spec, webhook)}
            self._cache[key] = Draft4ResponseValidator(root, format_checker=FormatChecker())
        return self._cache[key]

    def check(self, api: str, name: str, payload: dict[str, Any]) -> None:
        """Raise ValueError naming the first mismatch; APIs without webhooks are not checked."""
        if api == "aptoria":
            if name not in webhooks(spec_for(api)):
                raise ValueError(f"Aptoria has no webhook event {name!r}")
            webhook = name
            body = {**payload, "delivered_at": _PLACEHOLDER_DELIVERED_AT}
        elif api == "rentengine":
            found = rentengine_webhook_for(spec_for(api), name.rpartition(".")[0])
            if found is None:
                raise ValueError(f"RentEngine has no webhook for {name!r}")
            webhook, body = found, payload
            # The spec's anyOf(record, null) cannot tie nullness to the type; Supabase does.
            op = payload.get("type")
            if (op == "INSERT") != (payload.get("old_record") is None) or (op == "DELETE") != (
                payload.get("record") is None
            ):
                raise ValueError(
                    f"RentEngine {name}: record is null exactly on DELETE and "
                    "old_record exactly on INSERT"
                )
        else:
            return
        error = next(iter(self._validator(api, webhook).iter_errors(body)), None)
        if error is not None:
            where = "/".join(str(p) for p in error.absolute_path) or "(root)"
            raise ValueError(
                f"{api} webhook {name} does not match the spec at {where}: {error.message}"
            )
