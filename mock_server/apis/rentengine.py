"""RentEngine API handlers: one method per operationId of specs/rentengine.yaml, by resource."""

# A token acts as the user who created it, across all that user's accounts (documented): every
# record is stored with owner = its account, lists are narrowed to the caller's accounts, and a
# record in another account reads as a 404. Lists page with `limit`/`page_number` (0-indexed)
# in insertion order. Inserts and updates of the tables with an `x-webhooks` entry (units,
# prospects, leasing_events, lockbox_events, lockboxes) emit the Supabase-style change event the
# developer portal's webhooks deliver; the spec has no delete operation, so no REST call emits a
# DELETE (the payload builder supports it: see RentEngineBase.changed).

from __future__ import annotations

from mock_server.apis.rentengine_lockbox_events import LockboxEventsMixin
from mock_server.apis.rentengine_properties import PropertiesMixin
from mock_server.apis.rentengine_prospects import ProspectsMixin
from mock_server.apis.rentengine_reports import ReportsMixin
from mock_server.apis.rentengine_showings import ShowingsMixin
from mock_server.apis.rentengine_units import UnitsMixin


class RentEngineHandlers(
    UnitsMixin,
    LockboxEventsMixin,
    ProspectsMixin,
    PropertiesMixin,
    ShowingsMixin,
    ReportsMixin,
):
    """The handler object create_app binds the RentEngine spec to (see HANDLER_CLASSES)."""

    api = "rentengine"


__all__ = ["RentEngineHandlers"]
