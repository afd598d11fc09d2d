"""Start and stop the servers under test (propmock, Prism) on free loopback ports; their RSS."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PRISM_BIN = HERE / "node_modules" / ".bin" / "prism"
PRISM_VERSION_PIN = "@stoplight/prism-cli"  # the version is pinned in benchmarks/package.json


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ensure_prism() -> Path:
    """Install Prism from the committed package.json/lockfile into benchmarks/node_modules."""
    if PRISM_BIN.exists():
        return PRISM_BIN
    npm = shutil.which("npm")
    if not npm:
        raise SystemExit("benchmarks: npm is needed for Prism (apt-get install -y nodejs npm)")
    # --ignore-scripts: no install-time scripts (one dependency ships a telemetry postinstall).
    cmd = [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"]
    subprocess.run(cmd, cwd=HERE, check=True)
    return PRISM_BIN


def tree_rss_kb(pid: int) -> int:
    """Resident memory of a process and all its descendants, in KiB (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        todo += children.get(current, [])
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


def http_status(url: str, headers: dict[str, str] | None = None, timeout: float = 2.0) -> int:
    """The status of a GET, 0 when nothing answers."""
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except (urllib.error.URLError, OSError):
        return 0


@dataclass
class Server:
    """One running server: its command, base URL, start-up time and a background RSS sampler."""

    name: str
    cmd: list[str]
    port: int
    ready_path: str
    ready_headers: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] | None = None
    cwd: Path = REPO
    proc: subprocess.Popen[bytes] | None = None
    startup_s: float = 0.0
    peak_rss_kb: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 180.0, want: tuple[int, ...] = (200,)) -> Server:
        """Start, and wait (bounded) until `ready_path` answers with one of `want`."""
        began = time.perf_counter()
        self.proc = subprocess.Popen(
            self.cmd,
            cwd=self.cwd,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its own process group, so stop() ends its workers too
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode(errors="replace") if self.proc.stderr else ""
                raise RuntimeError(f"{self.name} exited early ({self.proc.returncode}):\n{err}")
            if http_status(self.root + self.ready_path, self.ready_headers) in want:
                self.startup_s = time.perf_counter() - began
                threading.Thread(target=self._sample, daemon=True).start()
                return self
            time.sleep(0.01)
        self.stop()
        raise TimeoutError(f"{self.name} did not answer within {timeout} s")

    def _sample(self) -> None:
        while not self._stop.is_set() and self.proc and self.proc.poll() is None:
            self.peak_rss_kb = max(self.peak_rss_kb, tree_rss_kb(self.proc.pid))
            self._stop.wait(0.25)

    def rss_kb(self) -> int:
        return tree_rss_kb(self.proc.pid) if self.proc else 0

    def stop(self, sig: int = signal.SIGTERM, grace: float = 15) -> None:
        self._stop.set()
        if not self.proc or self.proc.poll() is not None:
            return
        # The process group was created for this server alone (start_new_session above).
        os.killpg(self.proc.pid, sig)
        try:
            self.proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=15)
        if self.proc.stderr:
            self.proc.stderr.close()


def propmock(
    api: str | None,
    size: str = "bench-1k",
    workers: int = 1,
    state: str | None = None,
    extra: list[str] | None = None,
    tree: Path = REPO,
) -> Server:
    """`api` alone at its production path, or None for all three at their shared paths.
    `tree` is the checkout to serve from (another one measures a before/after side by side)."""
    port = free_port()
    cmd = [sys.executable, "-m", "mock_server.cli", "serve", "--port", str(port)]
    cmd += ["--api", api] if api else []
    cmd += ["--size", size, "--seed", "1", "--rate-limits", "off", "--workers", str(workers)]
    if state:
        cmd += ["--state", state]
    server = Server(f"propmock-{api or 'all'}", cmd + (extra or []), port, "/_propmock/apis")
    server.cwd = tree
    return server


def prism(spec: str, dynamic: bool, probe_path: str, headers: dict[str, str]) -> Server:
    port = free_port()
    cmd = [str(ensure_prism()), "mock", "-h", "127.0.0.1", "-p", str(port), "-v", "warn"]
    if dynamic:
        cmd += ["--dynamic", "--seed", "1"]
    cmd.append(str(REPO / "specs" / f"{spec}.yaml"))
    name = f"prism-{'dynamic' if dynamic else 'static'}-{spec}"
    return Server(name, cmd, port, probe_path, headers)
