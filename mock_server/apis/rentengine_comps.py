"""RentEngine market comps: seeded comparables near a point, and the per-token daily cap."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from mock_server.apis.rentengine_common import COMPS, RentEngineBase, bad_input
from mock_server.errors import ApiError
from mock_server.ratelimit import Rule

MAX_COMPS = 200
# Billed per successful call, capped at 40 calls in 24 hours (observed). The cap is a quota,
# so it follows the API's rate-limit switch: off with `--rate-limits off`.
DAILY_CAP = Rule("comps_billing", 40, 86_400)
DEFAULT_RADIUS_MILES = 5.0  # neither radius nor zipcodes: the mock searches 5 miles (inferred)


def miles(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine), in miles."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 3958.8 * 2 * math.asin(min(1.0, math.sqrt(h)))


def _in(value: Any, low: float | None, high: float | None) -> bool:
    if low is None and high is None:
        return True
    if value is None:
        return False
    return (low is None or value >= low) and (high is None or value <= high)


class CompsMixin(RentEngineBase):
    async def get_market_comps(
        self,
        latitude: float,
        longitude: float,
        radius_miles: float | None = None,
        zipcodes: list[str] | None = None,
        min_beds: float | None = None,
        max_beds: float | None = None,
        min_baths: float | None = None,
        max_baths: float | None = None,
        min_sqft: float | None = None,
        max_sqft: float | None = None,
        min_days_on_market: int | None = None,
        max_days_on_market: int | None = None,
        start_date: str | None = None,
        end_date: str | None = None,
        account_id: str | None = None,
    ) -> list[dict[str, Any]]:
        """Nearest first, at most 200. `zipcodes` replaces the radius. Dates bound a rented
        comp's `date_rented`; available comps are on the market now and always match them."""
        first = self._day(start_date, "start_date")
        last = self._day(end_date, "end_date")
        if account_id is not None:
            self.account(account_id)
        radius = DEFAULT_RADIUS_MILES if radius_miles is None else radius_miles
        found = []
        for comp in self.store.list(self.api, COMPS):
            lon, lat = comp["coordinates"]
            distance = miles(latitude, longitude, lat, lon)
            if zipcodes is not None:
                if comp["zipcode"] not in zipcodes:
                    continue
            elif distance > radius:
                continue
            rented = comp.get("date_rented")
            if rented and ((first and rented < first) or (last and rented > last)):
                continue
            if not (
                _in(comp["beds"], min_beds, max_beds)
                and _in(comp["baths"], min_baths, max_baths)
                and _in(comp["sqft"], min_sqft, max_sqft)
                and _in(comp["days_on_market"], min_days_on_market, max_days_on_market)
            ):
                continue
            found.append((round(distance, 6), comp))
        found.sort(key=lambda pair: pair[0])
        self._bill()
        return [comp for _, comp in found[:MAX_COMPS]]

    @staticmethod
    def _day(value: str | None, name: str) -> str | None:
        if value is None:
            return None
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            raise bad_input(name, 'must match format "date"', params={"format": "date"}) from None

    def _bill(self) -> None:
        """Count this successful call against the token's daily cap; 429 past it."""
        token_id = str(self.caller().get("token_id", ""))
        limiter = self.services.limiter
        if limiter.rules_for(self.api, token_id, "get_market_comps") is None:
            return
        decision = limiter.hit(f"{self.api}|{token_id}|comps", [DAILY_CAP])
        if not decision.allowed:
            headers = {"Retry-After": str(decision.retry_after), "X-Ratelimit-Limit": "40"}
            raise ApiError(
                429, "Daily comps limit reached (40 calls per 24 hours)", headers=headers
            )
