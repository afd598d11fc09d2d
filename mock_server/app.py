"""create_app(): one Connexion AsyncApp serving the three vendor APIs and the control API."""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import logging
import uuid
from datetime import date, datetime
from decimal import Decimal
from importlib import import_module
from pathlib import Path
from typing import Any

import connexion
from connexion.jsonifier import JSONEncoder, Jsonifier
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from connexion.middleware import MiddlewarePosition
from connexion.resolver import Resolver

from mock_server.auth import Auth, remember_signature
from mock_server.errors import ApiError, error_body
from mock_server.journal import Journal
from mock_server.middleware import VendorMiddleware
from mock_server.ratelimit import Limiter
from mock_server.ratelimit_middleware import RateLimitMiddleware
from mock_server.services import Services
from mock_server.settings import ADMIN_BASE, PACKAGE_DIR, Settings, data_dir
from mock_server.state import spec_cache
from mock_server.state.clock import Clock
from mock_server.state.seed import seed_all
from mock_server.state.store import Store
from mock_server.webhooks.admin_api import WebhookAdminHandlers
from mock_server.webhooks.deliverer import webhook_lifespan
from mock_server.webhooks.emitter import Emitter
from mock_server.webhooks.retention import Retention

try:  # optional accelerator for response bodies (see FastJson)
    import orjson
except ImportError:  # pragma: no cover - depends on the environment
    orjson = None  # type: ignore[assignment]

# Dict keys that are not strings as json writes them; datetimes in Connexion's format.
ORJSON_OPTIONS = (orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME) if orjson else 0

HANDLER_CLASSES = {
    "rentengine": "mock_server.apis.rentengine:RentEngineHandlers",
    "aptoria": "mock_server.apis.aptoria:AptoriaHandlers",
    "keynest": "mock_server.apis.keynest:KeyNestHandlers",
}


class HandlerResolver(Resolver):  # type: ignore[misc]  # connexion is untyped
    """operationId -> a bound method of this app's handler object (so apps never share state)."""

    def __init__(self, handlers: object) -> None:
        super().__init__()
        self.handlers = handlers

    def resolve_function_from_operation_id(self, operation_id: str) -> Any:
        function = getattr(self.handlers, operation_id)
        remember_signature(function)
        return function


class FastJson:
    """The `json_` that Connexion's Jsonifier calls for every JSON response body: orjson when
    installed (a 100 KB page of units in 0.1 ms instead of 1.4 ms), else the json module.
    Same values; the text is compact and UTF-8 (no spaces after separators, no \\u escapes).
    What orjson does not take (integers wider than 64 bits, other dumps options) goes to json;
    NaN and infinities, which json would write as invalid JSON, become null."""

    @staticmethod
    def dumps(data: Any, **kwargs: Any) -> str:
        if (
            orjson is not None
            and kwargs.get("cls", JSONEncoder) is JSONEncoder
            and set(kwargs) <= {"cls"}
        ):
            try:
                return orjson.dumps(data, default=_as_connexion, option=ORJSON_OPTIONS).decode()
            except (orjson.JSONEncodeError, TypeError):
                pass
        return json.dumps(data, **kwargs)

    loads = staticmethod(json.loads)


def _as_connexion(value: Any) -> Any:
    """Connexion's JSONEncoder defaults, for orjson (datetimes are passed through to here)."""
    if isinstance(value, datetime):
        return value.isoformat("T") if value.tzinfo else value.isoformat("T") + "Z"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def load_spec(path: Path) -> dict[str, Any]:
    return spec_cache.load_yaml(path)


spec_cache.remember_valid_specs()


def operation_extension(spec: dict[str, Any], name: str) -> dict[str, Any]:
    """operationId -> the value of extension `name`, for operations that carry it."""
    return {
        op["operationId"]: op[name]
        for item in spec["paths"].values()
        for op in item.values()
        if isinstance(op, dict) and name in op
    }


def build_services(settings: Settings, store: Store | None = None) -> Services:
    store = store or Store(settings.state)
    clock = Clock(store)
    auth = Auth(store, clock, settings.seed, settings.jwt_secret)
    if settings.freeze_at and not store.get_meta("clock"):  # a reused --state keeps its clock
        clock.freeze(datetime.fromisoformat(settings.freeze_at.replace("Z", "+00:00")).timestamp())
    limiter = Limiter(store, clock, settings.rate_limits)
    return Services(
        settings=settings,
        store=store,
        clock=clock,
        auth=auth,
        emitter=Emitter(
            store,
            clock,
            settings.seed,
            validate=settings.validate_responses,
            retention=Retention(
                events=settings.webhook_history,
                finished=settings.webhook_history,
                dead=settings.webhook_history,
            ),
        ),
        journal=Journal(settings.journal_size),
        limiter=limiter,
    )


def _handlers_for(api: str, services: Services) -> object:
    module, cls = HANDLER_CLASSES[api].split(":")
    return getattr(import_module(module), cls)(services)


def create_app(
    settings: Settings | None = None, services: Services | None = None
) -> connexion.AsyncApp:
    settings = settings or (services.settings if services else Settings())
    services = services or build_services(settings)
    seed_all(services)

    # The lifespan runs the webhook delivery loop (one per worker process).
    # Connexion logs every 4xx as a warning: on a mock that is the client's business (the
    # journal has it), and under fuzzing it floods the output. 5xx are still logged.
    logging.getLogger("connexion.middleware.exceptions").setLevel(logging.ERROR)
    app = connexion.AsyncApp(
        __name__, lifespan=webhook_lifespan(services), jsonifier=Jsonifier(FastJson)
    )
    app.add_middleware(
        VendorMiddleware, position=MiddlewarePosition.BEFORE_EXCEPTION, services=services
    )
    app.add_middleware(
        RateLimitMiddleware, position=MiddlewarePosition.BEFORE_VALIDATION, services=services
    )
    specs_dir = data_dir("specs")
    for api in settings.apis:
        spec = load_spec(specs_dir / f"{api}.yaml")
        base = settings.base_path(api)
        services.mount(api, base, spec)
        if api == "aptoria":
            services.auth.aptoria_scopes = operation_extension(spec, "x-required-scope")
        if api == "keynest":
            services.auth.keynest_roles = operation_extension(spec, "x-allowed-roles")
        app.add_api(
            spec,
            base_path=base,
            name=api,
            resolver=HandlerResolver(_handlers_for(api, services)),
            pythonic_params=True,
            strict_validation=True,
            validate_responses=settings.validate_responses,
        )
    # Mounted before /_propmock itself: Starlette takes the first mount whose prefix matches.
    webhooks_spec = load_spec(PACKAGE_DIR / "admin_webhooks.yaml")
    services.mount("admin", ADMIN_BASE + "/webhooks", webhooks_spec)
    app.add_api(
        webhooks_spec,
        base_path=ADMIN_BASE + "/webhooks",
        name="admin_webhooks",
        resolver=HandlerResolver(WebhookAdminHandlers(services)),
        strict_validation=True,
        validate_responses=settings.validate_responses,
    )
    admin_spec = load_spec(PACKAGE_DIR / "admin.yaml")
    services.mount("admin", ADMIN_BASE, admin_spec)
    admin_handlers = import_module("mock_server.admin").AdminHandlers(services)
    app.add_api(
        admin_spec,
        base_path=ADMIN_BASE,
        name="admin",
        resolver=HandlerResolver(admin_handlers),
        strict_validation=True,
        validate_responses=settings.validate_responses,
    )

    app.add_error_handler(ApiError, _api_error)
    app.add_error_handler(UnicodeDecodeError, _bad_encoding)
    app.add_error_handler(RecursionError, _too_deep)
    app.services = services  # for tests and the CLI
    release_free_memory()
    return app


def release_free_memory() -> None:
    """Hand the heap that seeding and spec parsing freed back to the OS (glibc keeps it
    otherwise: at 100,000 units, 770 MB resident after seeding drops to 425 MB). A no-op
    where the C library has no malloc_trim (musl, macOS)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"))
        libc.malloc_trim(0)
    except (OSError, AttributeError, TypeError):
        pass


def _respond(
    request: ConnexionRequest,
    status: int,
    message: str,
    details: list[Any] | None = None,
    headers: dict[str, str] | None = None,
) -> ConnexionResponse:
    api = request.scope["propmock"].api_for_path(request.url.path)
    return ConnexionResponse(
        status_code=status,
        mimetype="application/json",
        body=json.dumps(error_body(api, status, message, details)),
        headers=headers or {},
    )


def _api_error(request: ConnexionRequest, exc: ApiError) -> ConnexionResponse:
    return _respond(request, exc.status, exc.message, exc.details, exc.headers)


def _bad_encoding(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    # Connexion decodes the body before its try block (spec-first/connexion#1860): a 400, not a 500.
    return _respond(request, 400, "Request body is not valid UTF-8 JSON")


def _too_deep(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    return _respond(request, 400, "Request body is nested too deeply")


def app_from_env() -> connexion.AsyncApp:
    """Factory for `uvicorn --factory` worker processes: settings come from PROPMOCK_SETTINGS."""
    import os

    return create_app(Settings.from_json(os.environ["PROPMOCK_SETTINGS"]))
