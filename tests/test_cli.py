"""The `propmock` command: flags, clear errors for bad ones, and what `serve` prints."""

from __future__ import annotations

import time

import httpx
import pytest

from mock_server import cli
from mock_server.testing import server_process


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["serve", "--size", "enormous"], "unknown size 'enormous'"),
        (["serve", "--workers", "0"], "--workers must be at least 1"),
        (["serve", "--port", "70000"], "--port must be between 0 and 65535"),
        (["serve", "--freeze-at", "yesterday"], "not an ISO 8601 instant"),
        (["serve", "--rate-limits", "/no/such/file.yaml"], "no such file"),
    ],
)
def test_bad_flags_exit_with_a_clear_message(argv, message):
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    assert message in str(exc.value)


def test_rate_limit_file_must_name_apis(tmp_path):
    path = tmp_path / "limits.yaml"
    path.write_text("bogus: {enabled: false}\n")
    with pytest.raises(SystemExit, match="must map API names"):
        cli.main(["serve", "--rate-limits", str(path)])


def test_serve_prints_urls_credentials_and_docs_and_freezes_the_clock():
    args = ("--freeze-at", "2026-05-25T15:42:18Z", "--seed", "3")
    with server_process(*args, timeout=60) as (server, proc):
        clock = httpx.get(f"{server.root}/_propmock/clock").json()
        proc.terminate()
        proc.wait(timeout=10)
        output = server.log.read_text()
    assert clock == {"now": "2026-05-25T15:42:18.000Z", "epoch": 1779723738.0, "frozen": True}
    assert f"propmock serving on {server.root} (seed 3, size small" in output
    for base in ("/rentengine/api/public/v1", "/aptoria", "/keynest/v1"):
        assert f"{server.root}{base}   docs: {server.root}{base}/ui/" in output
    assert "token: apt_" in output and "token: kn_" in output and "token: ey" in output
    assert f"control API {server.root}/_propmock" in output


def test_serve_keeps_an_idle_connection_open_past_client_idle_timeouts():
    # httpx drops idle connections after 5 s, uvicorn closed them after 5 s too: at 6 s idle the
    # same connection must still answer, so that no client reuses one as the server closes it.
    with server_process(timeout=60) as (server, _):
        with httpx.Client(limits=httpx.Limits(keepalive_expiry=60)) as client:
            first = client.get(f"{server.root}/_propmock/clock")
            assert first.status_code == 200
            peer = first.extensions["network_stream"].get_extra_info("client_addr")
            time.sleep(6)
            again = client.get(f"{server.root}/_propmock/clock")
            assert again.status_code == 200
            assert again.extensions["network_stream"].get_extra_info("client_addr") == peer
