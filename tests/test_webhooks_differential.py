"""Differential and known-answer tests: stripe-python (Aptoria), PyJWT (QStash), fixed vectors."""

from __future__ import annotations

import json
import re
import types
from pathlib import Path
from unittest import mock

import jwt
import pytest
import stripe
import stripe._webhook as stripe_webhook
from hypothesis import event, given, settings
from hypothesis import strategies as st

from mock_server.webhooks.signing import aptoria_header, body_hash, qstash_claims, qstash_token
from mock_server.webhooks.verify import SignatureVerificationError, verify_aptoria, verify_qstash

VECTORS = json.loads(
    (Path(__file__).parent.parent / "fixtures" / "webhooks" / "signature_vectors.json").read_text(
        encoding="utf-8"
    )
)
TOL = 300
texts = st.text(max_size=200)
secrets = st.text(min_size=1, max_size=40).filter(lambda s: s.strip(" \t\r\n\f\v") != "")
stamps = st.integers(min_value=1, max_value=2**34)
run = settings(max_examples=300, deadline=None)


def stripe_accepts(payload: str, header: str, secret: str, now: float) -> bool:
    # Pin stripe's clock to ours without touching the global time module.
    with mock.patch.object(stripe_webhook, "time", types.SimpleNamespace(time=lambda: now)):
        try:
            return bool(stripe.WebhookSignature.verify_header(payload, header, secret, TOL))
        except stripe.SignatureVerificationError:
            return False


def ours_accepts(payload: str, header: str, secret: str, now: float) -> bool:
    try:
        verify_aptoria(payload.encode("utf-8"), header, secret, TOL, now=now)
        return True
    except SignatureVerificationError:
        return False


def stripe_is_laxer(header: str, now: float) -> bool:
    """The documented cases where stripe-python accepts and we reject on purpose: a future
    stamp beyond the tolerance (Aptoria's sample checks abs(now - t)), a `t` that is not one
    plain decimal (stripe uses the first `t` and int() takes `+1`, `1_0`, spaces, other
    digits), and a `v1` with a trailing `=...` (stripe splits on at most two `=`)."""
    items = [i.split("=", 2) for i in header.split(",")]
    stamps_ = [i[1] for i in items if i[0] == "t" and len(i) > 1]
    if len(stamps_) != 1 or not re.fullmatch(r"[0-9]{1,15}", stamps_[0]):
        return True
    if int(stamps_[0]) - now > TOL:
        return True
    return any(i[0] == "v1" and len(i) == 3 for i in items)


@st.composite
def mutated(draw: st.DrawFn, header: str) -> str:
    """Well-formed headers and the malformations receivers meet in the wild."""
    kind = draw(
        st.sampled_from(
            ["same", "char", "extra", "dup_t", "t_form", "v1_tail", "space", "reorder", "drop"]
        )
    )
    parts = header.split(",")
    if kind == "char":
        i = draw(st.integers(0, len(header) - 1))
        c = draw(st.sampled_from("0123456789abcdefx=,+ _tv"))
        return header[:i] + c + header[i + 1 :]
    if kind == "extra":
        extra = draw(st.sampled_from(["v0=" + "a" * 64, "v2=zz", "foo=bar", "v1=" + "0" * 64, "x"]))
        i = draw(st.integers(0, len(parts)))
        return ",".join(parts[:i] + [extra] + parts[i:])
    if kind == "dup_t":
        return ",".join([parts[0], *parts[1:], draw(st.sampled_from([parts[0], "t=1"]))])
    if kind == "t_form":
        form = draw(st.sampled_from(["+{}", "0{}", " {}", "{}_0", "{} "]))
        return ",".join([f"t={form.format(parts[0][2:])}", *parts[1:]])
    if kind == "v1_tail":
        return header + "=" + draw(st.sampled_from(["", "x", "=="]))
    if kind == "space":
        return header.replace(",", ", ")
    if kind == "reorder":
        return ",".join([*parts[1:], parts[0]])
    if kind == "drop":
        return ",".join(parts[: draw(st.integers(0, len(parts) - 1))])
    return header


@run
@given(texts, secrets, stamps)
def test_same_header_as_stripe_generate_signature_header(payload: str, secret: str, t: int) -> None:
    ours = aptoria_header(payload.encode("utf-8"), t, [secret])
    assert ours == stripe.WebhookSignature.generate_signature_header(payload, secret, t)


@run
@given(texts, secrets, secrets, stamps, st.integers(-2 * TOL, 2 * TOL), st.data())
def test_verification_agrees_with_stripe(
    payload: str, secret: str, other: str, t: int, skew: int, data: st.DataObject
) -> None:
    """Both directions: each side verifies what the other signed, and on every mutation
    the verdicts agree, except where stripe is documented to be laxer."""
    signer = data.draw(st.sampled_from(["ours", "stripe", "rotated"]))
    if signer == "ours":
        header = aptoria_header(payload.encode("utf-8"), t, [secret])
    elif signer == "stripe":
        header = stripe.WebhookSignature.generate_signature_header(payload, secret, t)
    else:
        header = aptoria_header(payload.encode("utf-8"), t, [other, secret])
    header = data.draw(mutated(header))
    verifier_secret = data.draw(st.sampled_from([secret, other]))
    now = t + skew
    ours = ours_accepts(payload, header, verifier_secret, now)
    theirs = stripe_accepts(payload, header, verifier_secret, now)
    event(f"ours={ours} stripe={theirs}")  # --hypothesis-show-statistics shows the mix
    if ours:
        assert theirs, header  # we never accept what stripe rejects
    elif theirs:
        assert stripe_is_laxer(header, now), header


@pytest.mark.parametrize("case", VECTORS["aptoria"], ids=lambda c: c["name"])
def test_aptoria_known_answer_vectors(case: dict[str, object]) -> None:
    body = str(case["body"]).encode("utf-8")
    t = int(case["timestamp"])  # type: ignore[call-overload]
    keys = list(case["secrets"])  # type: ignore[call-overload]
    assert aptoria_header(body, t, keys) == case["expected_header"]
    for key in keys:
        assert verify_aptoria(body, str(case["expected_header"]), key, now=t) == t


def test_qstash_known_answer_vector() -> None:
    [case] = VECTORS["qstash"]
    token = qstash_token(case["key"], case["url"], case["body"], case["now"], case["jti"])
    assert token == case["expected_token"]
    assert qstash_claims(case["url"], case["body"], case["now"], case["jti"]) == case["claims"]


keys = st.text(min_size=32, max_size=48).filter(lambda k: k.strip() != "")
urls = st.sampled_from(
    [
        "https://example.com/api/webhooks",
        "http://127.0.0.1:8080/hook",
        "https://app.example.org/rentengine?x=1",
        "https://x.test/a/",
    ]
)
jtis = st.from_regex(r"jwt_[A-Za-z0-9]{10,28}", fullmatch=True)


@run
@given(keys, keys, urls, st.binary(max_size=200), stamps, jtis)
def test_pyjwt_decodes_every_qstash_token(
    key: str, other: str, url: str, body: bytes, now: int, jti: str
) -> None:
    token = qstash_token(key, url, body, now, jti)
    assert jwt.get_unverified_header(token) == {"alg": "HS256", "typ": "JWT"}
    claims = jwt.decode(
        token,
        key,
        algorithms=["HS256"],
        options={"verify_exp": False, "verify_nbf": False, "verify_iat": False},
    )
    assert claims == {
        "iss": "Upstash",
        "sub": url,
        "exp": now + 300,
        "nbf": now,
        "iat": now,
        "jti": jti,
        "body": body_hash(body),
    }
    assert (
        claims["body"].rstrip("=")
        == jwt.utils.base64url_encode(__import__("hashlib").sha256(body).digest()).decode()
    )
    # Our encoder and PyJWT's agree byte for byte on the same claims.
    assert token == jwt.encode(qstash_claims(url, body, now, jti), key, algorithm="HS256")
    if other != key:
        with pytest.raises(jwt.InvalidSignatureError):
            jwt.decode(token, other, algorithms=["HS256"], options={"verify_exp": False})


@run
@given(keys, keys, keys, urls, st.binary(max_size=100), stamps, jtis)
def test_verify_qstash_with_current_and_next_key(
    current: str, nxt: str, stranger: str, url: str, body: bytes, now: int, jti: str
) -> None:
    for key in (current, nxt):  # tokens PyJWT made, so the verifier is checked independently
        token = jwt.encode(qstash_claims(url, body, now, jti), key, algorithm="HS256")
        assert verify_qstash(token, body, current, nxt, url=url, now=now + 300)["jti"] == jti
    token = qstash_token(current, url, body, now, jti)
    bad = [
        (token, body + b"x", url, now),  # body changed
        (token, body, url + "/", now),  # sub is not this URL (trailing slash counts)
        (token, body, url, now + 301),  # expired
        (token, body, url, now - 1),  # not yet valid
    ]
    if stranger not in (current, nxt):
        bad.append((qstash_token(stranger, url, body, now, jti), body, url, now))
    wrong_iss = jwt.encode(
        {**qstash_claims(url, body, now, jti), "iss": "Other"}, current, algorithm="HS256"
    )
    bad.append((wrong_iss, body, url, now))
    for tok, b, u, n in bad:
        with pytest.raises(SignatureVerificationError):
            verify_qstash(tok, b, current, nxt, url=u, now=n)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(max_size=300),
        st.none(),
        st.integers(),
        st.from_regex(
            r"[A-Za-z0-9_-]{0,40}\.[A-Za-z0-9_-]{0,40}\.[A-Za-z0-9_-]{0,40}", fullmatch=True
        ),
    ),
    st.one_of(st.binary(max_size=20), st.text(max_size=20), st.none()),
)
def test_verify_qstash_raises_only_its_error(token: object, body: object) -> None:
    try:
        verify_qstash(
            token,
            body,
            "sig_" + "a" * 28,
            "sig_" + "b" * 28,  # type: ignore[arg-type]
            url="https://x.test",
            now=1,
        )
    except SignatureVerificationError:
        pass
