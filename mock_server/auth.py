"""Per-vendor credentials: issue, check, revoke; and the security functions the specs name.

- RentEngine: HS256 JWTs (`sub` = user, `jti` = credential id), full access to the user's accounts.
- Aptoria: `apt_<id>_<secret>` keys with scopes; 403 when the operation's scope is missing.
- KeyNest: opaque `kn_` session tokens bound to a workspace role.
Secrets are stored only as SHA-256 hashes and compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import inspect
import json
from typing import Any

import jwt
from connexion.exceptions import OAuthScopeProblem

from mock_server.state.clock import Clock
from mock_server.state.ids import IdFactory
from mock_server.state.store import Store

APIS = ("rentengine", "aptoria", "keynest")
VERIFIED_CACHE_SIZE = 4096


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class Auth:
    def __init__(self, store: Store, clock: Clock, seed: int, jwt_secret: str) -> None:
        self.store = store
        self.clock = clock
        self.seed = seed
        self.jwt_secret = jwt_secret
        # operationId -> required scope, from the Aptoria spec's x-required-scope.
        self.aptoria_scopes: dict[str, str] = {}
        # operationId -> roles allowed, from the KeyNest spec's x-allowed-roles (inferred).
        self.keynest_roles: dict[str, list[str]] = {}
        self._verified: dict[str, dict[str, Any]] = {}  # JWT -> claims, see _jwt_claims

    # -- issue --------------------------------------------------------------------------
    def issue(
        self, api: str, subject: str, claims: dict[str, Any] | None = None, label: str = ""
    ) -> dict[str, Any]:
        """A new credential for `api`: {token, token_id, ...claims}. The token is shown once."""
        ids = IdFactory(self.store, self.seed, f"{api}:auth")
        claims = dict(claims or {})
        if api == "rentengine":
            token_id = ids.uuid("jti")
            now = int(self.clock.time())
            token = jwt.encode(
                {"sub": subject, "jti": token_id, "iat": now, "iss": "propmock"},
                self.jwt_secret,
                algorithm="HS256",
            )
            secret_hash = ""
        elif api == "aptoria":
            token_id = ids.hex("key", 8)
            secret = ids.secret("key-secret", 32)
            token = f"apt_{token_id}_{secret}"
            secret_hash = _hash(secret)
        elif api == "keynest":
            token = f"kn_live_{ids.secret('session', 32)}"
            token_id = _hash(token)[:32]
            secret_hash = _hash(token)
        else:
            raise ValueError(f"unknown api {api!r}")
        self.store.execute(
            "INSERT INTO credentials"
            " (token_id, api, secret_hash, subject, claims, label, created_at)"
            " VALUES (?,?,?,?,?,?,?)",
            (token_id, api, secret_hash, subject, json.dumps(claims), label, self.clock.iso()),
        )
        return {
            "api": api,
            "token": token,
            "token_id": token_id,
            "subject": subject,
            "label": label,
            **claims,
        }

    def revoke(self, token_id: str) -> bool:
        rows = self.store.execute("SELECT revoked FROM credentials WHERE token_id=?", (token_id,))
        if not rows:
            return False
        self.store.execute("UPDATE credentials SET revoked=1 WHERE token_id=?", (token_id,))
        return True

    def token_id_of(self, api: str, token: str) -> str | None:
        """The credential id a raw token belongs to (without checking it)."""
        if api == "rentengine":
            try:
                return str(jwt.decode(token, options={"verify_signature": False}).get("jti"))
            except jwt.PyJWTError:
                return None
        if api == "aptoria":
            parts = token.split("_")
            return parts[1] if len(parts) == 3 and parts[0] == "apt" else None
        return _hash(token)[:32]

    def list(self, api: str | None = None) -> list[dict[str, Any]]:
        sql = "SELECT token_id, api, subject, claims, label, created_at, revoked FROM credentials"
        rows = self.store.execute(
            sql + (" WHERE api=?" if api else "") + " ORDER BY rowid", (api,) if api else ()
        )
        return [
            {
                "token_id": r[0],
                "api": r[1],
                "subject": r[2],
                **json.loads(r[3]),
                "label": r[4],
                "created_at": r[5],
                "revoked": bool(r[6]),
            }
            for r in rows
        ]

    # -- check --------------------------------------------------------------------------
    def _lookup(self, api: str, token_id: str) -> tuple[str, str, dict[str, Any]] | None:
        rows = self.store.execute(
            "SELECT secret_hash, subject, claims FROM credentials"
            " WHERE token_id=? AND api=? AND revoked=0",
            (token_id, api),
        )
        if not rows:
            return None
        return rows[0][0], rows[0][1], json.loads(rows[0][2])

    def _jwt_claims(self, token: str) -> dict[str, Any] | None:
        """The claims of a validly signed RentEngine JWT. Verified signatures are remembered
        (verifying costs ~0.15 ms a request): the result depends only on the token and the
        secret, except for time claims, so tokens with exp or nbf are verified every time.
        Revocation is not cached: check() asks the store on every request."""
        claims = self._verified.get(token)
        if claims is not None:
            return claims
        try:
            claims = jwt.decode(
                token,
                self.jwt_secret,
                algorithms=["HS256"],
                # PyJWT checks `iat` against the wall clock; the mock stamps it with its own
                # clock, which tests move ahead. RentEngine tokens never expire: iat is a label.
                options={"require": ["sub", "jti"], "verify_iat": False},
            )
        except jwt.PyJWTError:
            return None
        if "exp" not in claims and "nbf" not in claims:
            if len(self._verified) >= VERIFIED_CACHE_SIZE:
                self._verified.clear()  # bounded: memory stays flat whatever the clients send
            self._verified[token] = claims
        return claims

    def check(self, api: str, token: str) -> dict[str, Any] | None:
        """Token info for a valid, unrevoked token of `api`; None otherwise."""
        if not token or len(token) > 4096:
            return None
        if api == "rentengine":
            claims = self._jwt_claims(token)
            if claims is None:
                return None
            found = self._lookup(api, str(claims["jti"]))
            if not found or found[1] != claims["sub"]:
                return None
            return {"sub": found[1], "token_id": claims["jti"], **found[2]}
        if api == "aptoria":
            parts = token.split("_")
            if len(parts) != 3 or parts[0] != "apt":
                return None
            found = self._lookup(api, parts[1])
            if not found or not hmac.compare_digest(found[0], _hash(parts[2])):
                return None
            return {"sub": found[1], "token_id": parts[1], **found[2]}
        if api == "keynest":
            token_hash = _hash(token)
            found = self._lookup(api, token_hash[:32])
            if not found or not hmac.compare_digest(found[0], token_hash):
                return None
            return {"sub": found[1], "token_id": token_hash[:32], **found[2]}
        return None


def _auth_from(request: Any) -> Auth:
    return request.scope["propmock"].auth  # type: ignore[no-any-return]


def _operation_id(request: Any) -> str:
    routing = request.scope.get("extensions", {}).get("connexion_routing", {})
    return str(routing.get("operation_id") or "")


def _scope_problem(
    detail: str, required_scopes: list[str], token_scopes: list[str]
) -> OAuthScopeProblem:
    """A 403 with our message: Connexion 3.3's OAuthScopeProblem takes no `detail` argument."""
    problem = OAuthScopeProblem(token_scopes=token_scopes, required_scopes=required_scopes)
    problem.detail = detail
    return problem


# -- the x-bearerInfoFunc functions named by the specs ---------------------------------
def rentengine_token_info(token: str, request: Any = None) -> dict[str, Any] | None:
    return _auth_from(request).check("rentengine", token)


def aptoria_token_info(token: str, request: Any = None) -> dict[str, Any] | None:
    auth = _auth_from(request)
    info = auth.check("aptoria", token)
    if info is None:
        return None
    needed = auth.aptoria_scopes.get(_operation_id(request))
    if needed and needed not in info.get("scopes", []):
        raise _scope_problem(
            f"This API key lacks the scope {needed} required by this endpoint.",
            required_scopes=[needed],
            token_scopes=info.get("scopes", []),
        )
    return info


def keynest_token_info(token: str, request: Any = None) -> dict[str, Any] | None:
    auth = _auth_from(request)
    info = auth.check("keynest", token)
    if info is None:
        return None
    allowed = auth.keynest_roles.get(_operation_id(request))
    if allowed and info.get("role") not in allowed:
        raise _scope_problem(
            f"The {info.get('role')} role may not use this endpoint.",
            required_scopes=allowed,
            token_scopes=[str(info.get("role"))],
        )
    return info


def remember_signature(function: Any) -> None:
    """Store a function's signature on it: Connexion inspects the security checker (twice) and
    the handler on every request, and a stored __signature__ makes that 3-4x cheaper (about
    50 us a request). The signature is the one inspect would compute, so nothing changes."""
    target = getattr(function, "__func__", function)  # a bound method's function
    if "__signature__" in getattr(target, "__dict__", {}):
        return
    try:
        target.__signature__ = inspect.signature(target)
    except (TypeError, ValueError, AttributeError):
        pass


for _checker in (rentengine_token_info, aptoria_token_info, keynest_token_info):
    remember_signature(_checker)
