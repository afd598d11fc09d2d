"""Credentials per vendor: issue, check, revoke, and what each check refuses."""

from __future__ import annotations

import jwt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mock_server.auth import Auth
from mock_server.state.clock import Clock
from mock_server.state.store import Store

SECRET = "test-secret-of-at-least-thirty-two-bytes"


def new_auth(path: str | None = None) -> Auth:
    store = Store(path)
    return Auth(store, Clock(store), seed=1, jwt_secret=SECRET)


@pytest.mark.parametrize("api", ["rentengine", "aptoria", "keynest"])
def test_issue_check_revoke(api):
    auth = new_auth()
    cred = auth.issue(api, "user-1", {"scopes": ["read:tenants"], "role": "landlord"})
    info = auth.check(api, cred["token"])
    assert info is not None and info["sub"] == "user-1" and info["token_id"] == cred["token_id"]
    assert info["scopes"] == ["read:tenants"] and info["role"] == "landlord"
    others = {"rentengine", "aptoria", "keynest"} - {api}
    assert all(auth.check(other, cred["token"]) is None for other in others)
    assert auth.revoke(cred["token_id"]) is True
    assert auth.check(api, cred["token"]) is None
    assert auth.revoke("no-such-id") is False


def test_token_styles():
    auth = new_auth()
    assert auth.issue("aptoria", "org")["token"].startswith("apt_")
    assert auth.issue("keynest", "u")["token"].startswith("kn_")
    claims = jwt.decode(auth.issue("rentengine", "u")["token"], SECRET, algorithms=["HS256"])
    assert claims["sub"] == "u" and "jti" in claims


def test_rentengine_rejects_bad_signature_wrong_alg_and_forged_subject():
    auth = new_auth()
    cred = auth.issue("rentengine", "user-1")
    claims = jwt.decode(cred["token"], SECRET, algorithms=["HS256"])
    assert (
        auth.check(
            "rentengine",
            jwt.encode(claims, "another-secret-of-at-least-thirty-two-bytes", algorithm="HS256"),
        )
        is None
    )
    assert auth.check("rentengine", jwt.encode(claims, None, algorithm="none")) is None
    forged = jwt.encode({**claims, "sub": "admin"}, SECRET, algorithm="HS256")
    assert auth.check("rentengine", forged) is None  # jti belongs to user-1


def test_aptoria_key_with_wrong_secret_is_refused():
    auth = new_auth()
    token = auth.issue("aptoria", "org")["token"]
    prefix, key_id, secret = token.split("_")
    assert auth.check("aptoria", f"{prefix}_{key_id}_{secret[:-1]}x") is None
    assert auth.check("aptoria", f"{prefix}_{key_id}") is None


def test_revoked_stays_revoked_across_restart(tmp_path):
    path = str(tmp_path / "state.sqlite")
    auth = new_auth(path)
    creds = [auth.issue(api, "u") for api in ("rentengine", "aptoria", "keynest")]
    for cred in creds:
        auth.revoke(cred["token_id"])
    restarted = new_auth(path)
    assert all(restarted.check(c["api"], c["token"]) is None for c in creds)


def test_secrets_are_stored_hashed():
    auth = new_auth()
    cred = auth.issue("keynest", "u")
    dump = repr(auth.store.snapshot())
    assert cred["token"] not in dump
    apt = auth.issue("aptoria", "o")["token"]
    assert apt.split("_")[2] not in repr(auth.store.snapshot())


@settings(max_examples=200, deadline=None)
@given(api=st.sampled_from(["rentengine", "aptoria", "keynest"]), junk=st.text(max_size=300))
def test_garbage_tokens_are_refused_without_raising(api, junk):
    assert new_auth().check(api, junk) is None


def test_a_token_issued_with_the_clock_ahead_still_works():
    auth = new_auth()
    auth.clock.freeze(auth.clock.time() + 86_400)  # tomorrow, as a test's advanced clock
    cred = auth.issue("rentengine", "user-1")
    assert auth.check("rentengine", cred["token"]) is not None
