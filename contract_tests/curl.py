"""A failing request as a `curl` line a human can paste, with credentials shown as $ENV names."""

from __future__ import annotations

import shlex
from collections.abc import Mapping

SKIPPED_HEADERS = {
    "host",
    "content-length",
    "accept",
    "accept-encoding",
    "connection",
    "user-agent",
}


def curl_line(
    method: str,
    url: str,
    headers: Mapping[str, str] | None = None,
    body: bytes | str | None = None,
    secrets: Mapping[str, str] | None = None,
) -> str:
    """`curl -X METHOD URL -H ... --data-raw ...`; each secret value is replaced by its
    `$NAME` (and double-quoted so the shell expands it), so tokens never reach a report."""
    parts = ["curl", "-sS", "-X", method.upper(), _quote(url, secrets)]
    for name, value in (headers or {}).items():
        if name.lower() in SKIPPED_HEADERS:
            continue
        parts += ["-H", _quote(f"{name}: {value}", secrets)]
    if body:
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        if len(text) > 2000:
            text = text[:2000] + "...(truncated)"
        parts += ["--data-raw", _quote(text, secrets)]
    return " ".join(parts)


def _quote(text: str, secrets: Mapping[str, str] | None) -> str:
    hidden = [(value, name) for value, name in (secrets or {}).items() if value and value in text]
    if not hidden:
        return shlex.quote(text)
    for value, name in hidden:
        text = text.replace(value, "\0" + name + "\0")
    # Double quotes so $NAME expands; escape what a double-quoted string would interpret.
    escaped = "".join("\\" + c if c in '"\\`$' else c for c in text)
    for _, name in hidden:
        escaped = escaped.replace("\0" + name + "\0", "${" + name + "}")
    return f'"{escaped}"'
