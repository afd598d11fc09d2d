"""Running the mock for tests: in a thread on a free loopback port, or as a real subprocess."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import uvicorn

from mock_server.app import create_app
from mock_server.http_protocol import VendorHttpToolsProtocol
from mock_server.settings import Settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_up(
    url: str, timeout: float = 20.0, process: subprocess.Popen[bytes] | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before answering")
        try:
            httpx.get(url, timeout=1.0)
            return
        except httpx.TransportError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing answered at {url} within {timeout} s")


@dataclass
class RunningServer:
    root: str  # http://127.0.0.1:PORT
    app: object | None = None  # the in-thread app (None for a subprocess)
    log: Path | None = None  # a subprocess's output (stdout and stderr)

    def url(self, api: str) -> str:
        from mock_server.settings import SHARED_BASES

        return self.root + SHARED_BASES[api]


@contextlib.contextmanager
def server_in_thread(settings: Settings | None = None) -> Iterator[RunningServer]:
    """The mock on a free loopback port, served by uvicorn in a background thread."""
    settings = settings or Settings()
    settings.port = free_port()
    app = create_app(settings)
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=settings.port,
        log_level="error",
        lifespan="on",
        http=VendorHttpToolsProtocol,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    root = f"http://127.0.0.1:{settings.port}"
    try:
        wait_until_up(root + "/_propmock/clock")
        yield RunningServer(root, app)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextlib.contextmanager
def server_process(
    *args: str, port: int | None = None, timeout: float = 30.0
) -> Iterator[tuple[RunningServer, subprocess.Popen[bytes]]]:
    """`propmock serve ARGS` as a real process on a free loopback port; killed on exit.

    Its output goes to a file (`RunningServer.log`), never a pipe: a pipe nobody reads fills
    up and then blocks the server on its next log line."""
    port = port or free_port()
    cmd = [sys.executable, "-m", "mock_server.cli", "serve", "--port", str(port), *args]
    log = Path(tempfile.mkdtemp(prefix="propmock-serve-")) / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            cmd, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"}
        )
    root = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(root + "/_propmock/clock", timeout, process)
        yield RunningServer(root, log=log), process
    finally:
        stop_process(process)


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL after 10 s; nothing if it already ended."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
