"""A webhook receiver on 127.0.0.1: records each delivery (raw bytes, headers, arrival)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from contract_tests.curl import curl_line


@dataclass
class Delivery:
    path: str
    headers: dict[str, str]  # names lower-cased
    body: bytes
    arrived: float  # wall time

    @property
    def content(self) -> bytes:  # so shapes.body_of reads a delivery like a response
        return self.body

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def curl(self, url: str) -> str:
        """The delivery as received, replayable against a receiver at `url`."""
        return curl_line("POST", url, self.headers, self.body)


class Receiver:
    def __init__(self) -> None:
        self.deliveries: list[Delivery] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                with receiver.lock:
                    receiver.deliveries.append(Delivery(self.path, headers, body, time.time()))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def at(self, path: str) -> list[Delivery]:
        with self.lock:
            return [d for d in self.deliveries if d.path == path]

    def wait_for(self, path: str, count: int, timeout: float = 15.0) -> list[Delivery]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.at(path)
            if len(got) >= count:
                return got
            time.sleep(0.05)
        return self.at(path)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
