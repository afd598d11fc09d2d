"""Schemathesis for each API: one schema per spec, the checks, and the stateful runner."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import ignored_auth, response_schema_conformance

from contract_tests import known
from contract_tests.cleanup import label
from contract_tests.http import CURL_KEY
from contract_tests.options import APIS, Options
from contract_tests.specs import spec_path

if TYPE_CHECKING:
    from contract_tests.target import Target

# An operation that revokes the very credential it is called with (KeyNest's logout): on the
# mock each call gets a fresh credential; on a real target it is never called.
SELF_REVOKING = {("keynest", "revoke_session")}
# The checks owned by other parts of the suite, so that one broken behaviour fails one test:
# credentials (auth check) and error bodies (error-shape check, which provokes every 4xx).
EXCLUDED = [ignored_auth, response_schema_conformance]

# Rules a spec states in prose because OpenAPI 3.0 cannot express them, so a schema-valid
# request may rightly get a 400: RentEngine's "One of prospect_id or phone is required" and
# "The span to end may not exceed 32 days".
PROSE_RULES = {
    "rentengine": [
        "list_calls",
        "list_messages",
        "list_marketing_sources",
        "list_application_reports",
        "get_unit_leasing_performance",
    ]
}
ACCEPTED = ["2xx", "3xx", "400", "401", "403", "404", "409", "429"]

_schemas: dict[str, Any] = {}
_options: list[Options] = []


def configure(options: Options) -> None:
    """Called from pytest_configure, before collection builds the tests from the schemas."""
    _options[:] = [options]
    for api in APIS:
        _schemas.pop(api, None)


def schema_for(api: str) -> Any:
    if api not in _schemas:
        options = _options[0] if _options else None
        config = schemathesis.Config.from_dict(_config_dict(options, api))
        _schemas[api] = schemathesis.openapi.from_path(spec_path(api), config=config)
        known.install(_schemas[api], api)
    return _schemas[api]


def _config_dict(options: Options | None, api: str) -> dict[str, Any]:
    examples = options.examples if options else 8
    generation = {
        "max-examples": examples,
        "with-security-parameters": False,
        "deterministic": options.deterministic if options else True,
    }
    chosen = options.phases if options else ["examples", "coverage", "fuzzing"]
    phases: dict[str, Any] = {p: {"enabled": p in chosen} for p in ("examples", "fuzzing")}
    phases["coverage"] = {"enabled": "coverage" in chosen}
    if options and options.real and not options.allow_writes:
        # Probing undocumented methods could write to a real API: only harmless ones.
        phases["coverage"]["unexpected-methods"] = ["options", "trace"]
    config: dict[str, Any] = {
        "generation": generation,
        "phases": phases,
        "output": {"sanitization": {"enabled": True}},
    }
    if api in PROSE_RULES:
        config["operations"] = [
            {
                "include-operation-id": PROSE_RULES[api],
                "checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTED}},
            }
        ]
    return config


def success_schema_conformance(ctx: Any, response: Any, case: Any) -> bool | None:
    """The documented schema for 2xx/3xx bodies; 4xx bodies belong to the error-shape check."""
    if response.status_code < 400:
        return response_schema_conformance(ctx, response, case)  # type: ignore[no-any-return]
    return None


def credential_accepted(is_mock: bool) -> Any:
    def credential_accepted(ctx: Any, response: Any, case: Any) -> bool | None:
        security = case.operation.definition.raw.get("security")
        if security == [] or response.status_code not in (401, 403):
            return None
        if response.status_code == 401 or is_mock:  # a real key may lack a scope: 403 is fair
            raise AssertionError(
                f"The suite's valid credential was refused with {response.status_code}"
            )
        return None

    return credential_accepted


def call_kwargs(target: Target, api: str, case: Any) -> dict[str, Any]:
    token = None
    if (api, case.operation.definition.raw.get("operationId")) in SELF_REVOKING:
        token = target.fresh_token(api)["token"]
    headers = {**(case.headers or {}), **target.auth(api, token)}
    return {"base_url": target.apis[api].base_url, "headers": headers}


def call(target: Target, api: str, case: Any, **kwargs: Any) -> Any:
    """Send a case; on a real target, label what it writes and note what it creates."""
    real_write = target.options.real and case.method.upper() not in ("GET", "HEAD", "OPTIONS")
    if real_write:
        label(api, case)
    response = target.http.call_case(case, **kwargs)
    if real_write:
        target.created.note(api, case.operation.path, response)
    return response


def run_case(target: Target, api: str, case: Any, node: pytest.Item) -> None:
    kwargs = call_kwargs(target, api, case)
    response = call(target, api, case, **kwargs)
    try:
        case.validate_response(
            response,
            excluded_checks=EXCLUDED,
            additional_checks=[success_schema_conformance, credential_accepted(target.is_mock)],
            headers=kwargs["headers"],
            transport_kwargs=kwargs,
        )
    except BaseException:
        node.stash[CURL_KEY] = target.http.curl(response.request)
        raise


def run_stateful(target: Target, api: str, node: pytest.Item) -> None:
    """Scenarios along the spec's links (create -> read/update/delete), every check per step."""
    machine = schema_for(api).as_state_machine()
    checks = [success_schema_conformance, credential_accepted(target.is_mock)]

    class Machine(machine):  # type: ignore[misc, valid-type]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return call_kwargs(target, api, case)

        def call(self, case: Any, **kwargs: Any) -> Any:
            return call(target, api, case, **kwargs)

        def validate_response(
            self, response: Any, case: Any, additional_checks: Any = None, **kwargs: Any
        ) -> None:
            try:
                case.validate_response(
                    response,
                    excluded_checks=EXCLUDED,
                    additional_checks=checks,
                    transport_kwargs=kwargs,
                    headers=kwargs.get("headers"),
                    recorder=self.recorder,
                )
            except BaseException:
                node.stash[CURL_KEY] = target.http.curl(response.request)
                raise

    options = target.options
    Machine.run(
        settings=settings(
            max_examples=options.stateful_examples,
            stateful_step_count=6,
            deadline=None,
            derandomize=options.deterministic,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
    )
