"""What the suite runs against: a mock it starts, a running propmock, or a real base URL."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from typing import Any

import httpx

from contract_tests.cleanup import Created
from contract_tests.control import Control, ControlError
from contract_tests.http import Http
from contract_tests.options import TOKEN_ENV, Options


class TargetError(Exception):
    """The target cannot be used; the message says why in one line."""


@dataclass
class ApiTarget:
    name: str
    base_url: str
    token: str | None
    token_id: str | None = None  # the mock's id for `token` (for rate-limit overrides)
    revoked_token: str | None = None
    limited_token: str | None = None
    limited_scopes: list[str] = field(default_factory=list)
    limited_role: str | None = None


@dataclass
class Target:
    options: Options
    apis: dict[str, ApiTarget]
    control: Control | None
    http: Http
    description: str
    stack: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)
    saved_limits: dict[str, Any] | None = None
    created: Created = field(default_factory=Created)

    @property
    def is_mock(self) -> bool:
        return self.control is not None

    @property
    def writes_allowed(self) -> bool:
        return self.is_mock or self.options.allow_writes

    def url(self, api: str, path: str) -> str:
        return self.apis[api].base_url + path

    def auth(self, api: str, token: str | None = None) -> dict[str, str]:
        token = token or self.apis[api].token
        return {"Authorization": f"Bearer {token}"} if token else {}

    def fresh_token(self, api: str, **claims: Any) -> dict[str, Any]:
        """A new credential from the mock (full rights unless claims narrow them)."""
        assert self.control is not None, "fresh credentials need the control API"
        return self.control.issue(api, **claims)

    def close(self) -> None:
        if self.control is not None:
            with contextlib.suppress(Exception):
                self.control.restore_clock()
                if self.saved_limits is not None:
                    self.control.reset_rate_limits(config=True)
                    self.control.patch_rate_limits(self.saved_limits)
            self.control.close()
        self.http.close()
        self.stack.close()


def build_target(options: Options) -> Target:
    secrets: dict[str, str] = {}
    if options.real:
        api = options.apis[0]
        apis = {api: _real_api(options, api)}
        for tok, env in (
            (apis[api].token, TOKEN_ENV[api]),
            (apis[api].revoked_token, TOKEN_ENV[api] + "_REVOKED"),
            (apis[api].limited_token, TOKEN_ENV[api] + "_LIMITED"),
        ):
            if tok:
                secrets[tok] = env
        http = Http(
            budget=options.max_requests,
            honour_429=True,
            max_wait=options.max_retry_wait,
            timeout=options.request_timeout,
            secrets=secrets,
        )
        return Target(options, apis, None, http, f"real target {options.base_url}")
    stack = contextlib.ExitStack()
    root = options.mock_url
    how = f"propmock at {root}"
    if root is None:
        root = _start_mock(stack, options.mock_mode)
        how = f"propmock started ({options.mock_mode}) at {root}"
    control = Control(root, options.request_timeout, options.admin_token)
    try:
        listed = control.apis()
    except (httpx.HTTPError, ControlError) as exc:
        stack.close()
        raise TargetError(
            f"no usable propmock control API at {root}/_propmock ({exc}); "
            "if it was started with --admin-token, pass --admin-token"
        ) from None
    apis = {}
    for info in listed:
        if info["name"] in options.apis:
            demo = _demo(info["credentials"])
            apis[info["name"]] = ApiTarget(
                info["name"], info["base_url"].rstrip("/"), demo.get("token"), demo.get("token_id")
            )
    missing = [a for a in options.apis if a not in apis]
    if missing:
        stack.close()
        raise TargetError(f"{root} does not serve {', '.join(missing)}")
    http = Http(
        budget=options.max_requests,
        honour_429=False,
        max_wait=0,
        timeout=options.request_timeout,
        secrets={},
    )
    target = Target(options, apis, control, http, how, stack)
    _quiet_demo_limits(target)
    return target


def _real_api(options: Options, api: str) -> ApiTarget:
    assert options.base_url is not None
    return ApiTarget(
        api,
        options.base_url,
        options.tokens[api],
        None,
        options.revoked_tokens[api],
        options.limited_tokens[api],
        options.limited_scopes,
        options.limited_role,
    )


def _demo(credentials: list[dict[str, Any]]) -> dict[str, Any]:
    """The main demo credential: labelled `demo`, else the first."""
    return next(
        (c for c in credentials if c.get("label") == "demo"), credentials[0] if credentials else {}
    )


def _start_mock(stack: contextlib.ExitStack, mode: str) -> str:
    from mock_server.testing import free_port, server_in_thread, stop_process, wait_until_up

    if mode == "thread":
        return str(stack.enter_context(server_in_thread()).root)
    port = free_port()
    # Output goes to a file: a pipe nobody reads fills up and stalls the server.
    log = stack.enter_context(tempfile.TemporaryFile())
    process = subprocess.Popen(
        [sys.executable, "-m", "mock_server.cli", "serve", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    stack.callback(stop_process, process)
    root = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(root + "/_propmock/clock", 30.0, process)
    except (RuntimeError, TimeoutError) as exc:
        log.seek(0)
        tail = log.read().decode("utf-8", "replace")[-2000:]
        raise TargetError(f"the mock did not start ({exc}):\n{tail}") from None
    return root


def _quiet_demo_limits(target: Target) -> None:
    """The demo credentials get no quota (the fuzzing would spend it in a second); every
    other credential keeps the mock's documented limits, which the rate-limit check uses."""
    assert target.control is not None
    target.saved_limits = target.control.rate_limits()
    overrides = {a.token_id: {"enabled": False} for a in target.apis.values() if a.token_id}
    if overrides:
        target.control.patch_rate_limits({"credentials": overrides})
