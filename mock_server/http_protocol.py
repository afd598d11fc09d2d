"""uvicorn's HTTP protocol, answering unparsable requests in the vendor's error shape.

httptools' URL parser keeps 16-bit offsets, so a URL over 64 KiB (a 100 KB query string, say)
fails before any ASGI code runs, and uvicorn answers a plain-text 400. This subclass answers
the same 400 with the API's own JSON error body, picked by path prefix.
"""

from __future__ import annotations

import json

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from mock_server.errors import error_body
from mock_server.settings import PRODUCTION_BASES, SHARED_BASES

# Longest prefix first; the shared-port and the alone (`--api`) mounts never collide.
_PREFIXES = sorted(
    [
        (base, api)
        for bases in (SHARED_BASES, PRODUCTION_BASES)
        for api, base in bases.items()
        if base
    ]
    + [("/api/", "aptoria")],
    key=lambda item: len(item[0]),
    reverse=True,
)


def api_for(path: str) -> str | None:
    return next((api for base, api in _PREFIXES if path.startswith(base)), None)


class VendorHttpToolsProtocol(HttpToolsProtocol):
    def send_400_response(self, msg: str) -> None:
        path = bytes(getattr(self, "url", b"") or b"").split(b"?", 1)[0].decode("latin-1")
        message = "Request line too long or malformed"
        body = json.dumps(error_body(api_for(path), 400, message)).encode()
        content = [
            b"HTTP/1.1 400 Bad Request\r\n",
            b"content-type: application/json\r\n",
            b"content-length: " + str(len(body)).encode() + b"\r\n",
            b"connection: close\r\n",
            b"\r\n",
            body,
        ]
        self.transport.write(b"".join(content))
        self.transport.close()
