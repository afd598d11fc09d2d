"""What every API's handler class shares: the services, its ids, the caller, paging, events."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from connexion.context import context, request

from mock_server.errors import ApiError
from mock_server.state.ids import IdFactory

if TYPE_CHECKING:
    from mock_server.services import Services


class ApiHandlers:
    """Subclasses set `api` and define one method per operationId of their spec."""

    api = ""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.store = services.store
        self.clock = services.clock
        self.ids = IdFactory(services.store, services.settings.seed, self.api)

    # -- request context ----------------------------------------------------------------
    @staticmethod
    def caller() -> dict[str, Any]:
        """The token info the security function returned for this request."""
        info = context.get("token_info") or {}
        return dict(info)

    @staticmethod
    def base_url() -> str:
        """Scheme, host and port the client used (for absolute URLs such as pdfUrl)."""
        return str(request.base_url).rstrip("/")

    # -- records ------------------------------------------------------------------------
    def get_or_404(self, kind: str, id: str | int, what: str | None = None) -> dict[str, Any]:
        record = self.store.get(self.api, kind, id)
        if record is None:
            raise ApiError(
                404, f"{what or kind.rstrip('s').replace('_', ' ').title()} {id} not found"
            )
        return record

    def emit(self, name: str, payload: dict[str, Any]) -> None:
        self.services.emitter.emit(self.api, name, payload)

    def millis(self) -> int:
        return int(self.clock.time() * 1000)
