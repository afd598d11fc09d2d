"""Before anything runs: is the target there, is it the API we think, is the credential good?"""

from __future__ import annotations

import httpx

from contract_tests.options import TOKEN_ENV
from contract_tests.specs import operations
from contract_tests.target import Target, TargetError

CONNECT_TIMEOUT = 3.0


def probe_path(api: str) -> str:
    """A protected GET with no path or required query parameters: cheap and harmless."""
    for op in operations(api):
        required = [p for p in op.parameters() if p.get("required")]
        if op.method == "GET" and op.protected and not required:
            return op.path
    raise AssertionError(f"{api}: no parameterless protected GET to probe with")


def probe(target: Target) -> None:
    """Raise TargetError with a one-line reason if the target cannot be checked."""
    timeout = httpx.Timeout(target.options.request_timeout, connect=CONNECT_TIMEOUT)
    with httpx.Client(timeout=timeout, trust_env=False, follow_redirects=False) as client:
        for api, info in target.apis.items():
            path = probe_path(api)
            url = info.base_url + path
            try:
                anonymous = client.get(url)
            except httpx.TimeoutException:
                raise TargetError(f"cannot reach {api} at {info.base_url}: timed out") from None
            except httpx.HTTPError as exc:
                reason = str(exc) or type(exc).__name__
                raise TargetError(f"cannot reach {api} at {info.base_url}: {reason}") from None
            target.http.used += 1
            ctype = anonymous.headers.get("content-type", "")
            if anonymous.status_code != 401 or "json" not in ctype:
                raise TargetError(
                    f"{info.base_url} does not look like the {api} API: GET {path} without a "
                    f"credential answered {anonymous.status_code} {ctype or '(no content type)'}"
                    " where the spec documents a 401 JSON error"
                )
            if not info.token:
                raise TargetError(f"no credential for {api}: set {TOKEN_ENV[api]} or --token")
            authed = client.get(url, headers=target.auth(api))
            target.http.used += 1
            if authed.status_code == 401:
                raise TargetError(
                    f"the {api} credential was refused (401 on GET {path}): check {TOKEN_ENV[api]}"
                )
