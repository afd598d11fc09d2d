"""`propmock contract ...`: the contract suite through pytest, every option passed through."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
USAGE = """usage: propmock contract [--api NAME] [--base-url URL] [options] [pytest options]

Runs the contract suite (pytest + Schemathesis). Without --base-url it starts the mock and
checks all three APIs; with --api NAME --base-url URL it checks a real target, read-only,
with the credential from RENTENGINE_TOKEN, APTORIA_API_KEY or KEYNEST_TOKEN.
Exit status: pytest's (0 passed; 1 failures; 4 target unusable; 5 nothing ran).
The contract options: `propmock contract --help` lists them under "propmock contract suite".
"""


def run(argv: Sequence[str]) -> int:
    args = list(argv)
    if args in (["-h"], ["--usage"]):
        print(USAGE)
        return 0
    # No cache directory beside an installed package; everything else is pytest's.
    return int(pytest.main([str(HERE), "-p", "no:cacheprovider", *args]))
