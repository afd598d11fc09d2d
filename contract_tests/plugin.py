"""The pytest side of the suite: options, the target (started, probed, closed), safety skips."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from contract_tests import conformance, known
from contract_tests.findings import Findings
from contract_tests.options import APIS, Options, add_options
from contract_tests.probe import probe
from contract_tests.report import Summary, item_check
from contract_tests.specs import operations
from contract_tests.target import Target, TargetError, build_target

OPTIONS = pytest.StashKey[Options]()
TARGET = pytest.StashKey[Target]()
SUMMARY = pytest.StashKey[Summary]()
USAGE_ERROR = 4
MARKERS = (
    "contract(check, api=None): the check (and API) a contract test belongs to",
    "needs_control: needs the mock's control API (skipped on real targets)",
    "writes: sends requests that change data (real targets: only with --allow-writes)",
    "probes_rate_limits: spends quota (real targets: only with --probe-rate-limits)",
)


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    for marker in MARKERS:
        config.addinivalue_line("markers", marker)
    options = Options.from_config(config)
    config.stash[OPTIONS] = options
    conformance.configure(options)
    if getattr(config.option, "xmlpath", None) is None and not hasattr(config, "workerinput"):
        config.option.xmlpath = str(Path(options.report_dir) / "contract-junit.xml")


def pytest_sessionstart(session: pytest.Session) -> None:
    config = session.config
    options = config.stash[OPTIONS]
    if options.errors:
        pytest.exit("propmock contract: " + "; ".join(options.errors), returncode=USAGE_ERROR)
    if config.option.collectonly or config.option.help:
        return
    try:
        target = build_target(options)
    except TargetError as exc:
        pytest.exit(f"propmock contract: {exc}", returncode=USAGE_ERROR)
    try:
        probe(target)
    except TargetError as exc:
        target.close()
        pytest.exit(f"propmock contract: {exc}", returncode=USAGE_ERROR)
    for api in target.apis:
        try:
            known.discover(target, api)
        except (httpx.HTTPError, pytest.skip.Exception):
            pass  # only a help for the generators; the checks report what is wrong

    config.stash[TARGET] = target
    config.stash[SUMMARY] = Summary(target.description, options.report_dir, target.http)
    config.pluginmanager.register(config.stash[SUMMARY], "propmock-contract-summary")


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Real targets: delete what --allow-writes created (before the summary is written)."""
    target = session.config.stash.get(TARGET, None)
    if target is not None and target.created.items:
        summary = session.config.stash[SUMMARY]
        summary.created = len(target.created.items)
        summary.left_behind = target.created.remove(target)


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Modules of unselected APIs are not even imported (each builds its API's tests)."""
    options = config.stash.get(OPTIONS, None)
    name = collection_path.name
    for api in APIS:
        if options and name.startswith(f"test_{api}_") and api not in options.apis:
            return True
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    options = config.stash[OPTIONS]
    keep: list[pytest.Item] = []
    drop: list[pytest.Item] = []
    for item in items:
        _, api = item_check(item)
        (drop if api is not None and api not in options.apis else keep).append(item)
        reason = skip_reason(options, item, api)
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def skip_reason(options: Options, item: pytest.Item, api: str | None) -> str | None:
    if not options.real:
        return None
    label = getattr(item, "operation_label", None)
    method = label.split(" ")[0] if label else None
    if item.get_closest_marker("needs_control"):
        return "needs the propmock control API (runs against the mock only)"
    op_id = _operation_id(item)
    if (api, op_id) in conformance.SELF_REVOKING:
        return "would revoke the suite's own credential"
    writes = item.get_closest_marker("writes") or (method not in (None, "GET", "HEAD", "OPTIONS"))
    if writes and not options.allow_writes:
        return "writes to the target (pass --allow-writes)"
    if item.get_closest_marker("probes_rate_limits") and not options.probe_rate_limits:
        return "spends rate-limit quota (pass --probe-rate-limits)"
    return None


def _operation_id(item: pytest.Item) -> str | None:
    label = getattr(item, "operation_label", None)
    _, api = item_check(item)
    if not label or not api:
        return None
    method, _, path = label.partition(" ")
    return next(
        (op.operation_id for op in operations(api) if op.method == method and op.path == path), None
    )


def pytest_unconfigure(config: pytest.Config) -> None:
    target = config.stash.get(TARGET, None)
    if target is not None:
        target.close()


@pytest.fixture(scope="session")
def contract(pytestconfig: pytest.Config) -> Target:
    """The target under test (see contract_tests.target.Target)."""
    return pytestconfig.stash[TARGET]


@pytest.fixture
def findings(contract: Target, request: pytest.FixtureRequest) -> Findings:
    return Findings(contract.http, request.node)
