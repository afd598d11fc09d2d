"""Aptoria handlers: one object per app, methods named by the spec's operationIds."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mock_server.apis.aptoria_leasing import LeasingHandlers
from mock_server.apis.aptoria_ledger import emit_late_rent
from mock_server.apis.aptoria_operations import OperationsHandlers
from mock_server.apis.aptoria_portfolio import PortfolioHandlers
from mock_server.apis.aptoria_rent import RentHandlers
from mock_server.apis.aptoria_reports import ReportHandlers

if TYPE_CHECKING:
    from mock_server.services import Services

__all__ = ["AptoriaHandlers", "emit_late_rent"]


class AptoriaHandlers(
    PortfolioHandlers, OperationsHandlers, LeasingHandlers, RentHandlers, ReportHandlers
):
    """The 41 operations of specs/aptoria.yaml, split by resource into the mixins above.

    Every record belongs to one organization (the key's subject); lists and reads never show
    another organization's records. Time-driven changes (billing, late rent, lease expiry) run
    in `emit_late_rent`: at the start of the handlers that read them, and on the webhook
    delivery loop's tick, so `rent.late` fires even when nobody calls the API."""

    api = "aptoria"

    def __init__(self, services: Services) -> None:
        super().__init__(services)
        if emit_late_rent not in services.emitter.ticks:
            services.emitter.register_tick(emit_late_rent)
