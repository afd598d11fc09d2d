"""propmock: a stateful mock server for the RentEngine, Aptoria and KeyNest APIs."""

from __future__ import annotations

__version__ = "0.1.0"
