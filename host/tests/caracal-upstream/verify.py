"""Checks tokens with upstream Caracal's own Python verifier libraries.

Runs under either virtualenv made by scripts/test (target/upstream-python/
1.0.0 or 0.1.1); which upstream release is installed is read from the
caracalai-identity package's metadata. Reads one JSON document from stdin:

    {"cases": [{"name", "token", "issuer", "audience", "zone_id",
                "required_scopes", "required_targets", "required_use",
                "revoked", "headers"}]}

and writes one to stdout:

    {"identity_version": "1.0.0", "results": [{"name", ...}]}

Each result holds what every upstream entry point made of the case (see
README.md for the shapes). Every case starts with empty JWKS caches, so a
key published between two cases is seen; an exception in one case is
recorded in that case's result and the run goes on.
"""

from __future__ import annotations

import asyncio
import dataclasses
import importlib
import importlib.metadata
import json
import sys
from typing import Any

IDENTITY_VERSION = importlib.metadata.version("caracalai-identity")
V1 = not IDENTITY_VERSION.startswith("0.")

import caracalai_identity  # noqa: E402

_identity_verify = importlib.import_module("caracalai_identity.verify")

if V1:
    from caracalai import envelope as sdk_envelope  # noqa: E402
    from caracalai_asgi import CaracalASGIAuth  # noqa: E402
    from caracalai_revocation import InMemoryRevocationStore  # noqa: E402
    from caracalai_verify import authenticate  # noqa: E402
else:
    from caracalai_sdk import envelope as sdk_envelope  # noqa: E402


def _failure(err: BaseException) -> str:
    return f"{type(err).__name__}: {err}"


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    return value


def _forget_jwks() -> None:
    # Upstream keeps one module-global JwksCache (5-minute TTL) per process;
    # a new one per case makes every case fetch the issuer's keys afresh.
    _identity_verify._cache = caracalai_identity.JwksCache()


async def _identity_result(call) -> dict[str, Any]:
    try:
        claims = await call
    except Exception as err:  # every failure is a result, never a crash
        return {"ok": False, "error": _failure(err), "code": getattr(err, "code", None)}
    return {"ok": True, "claims": _jsonable(claims)}


def _revocations(case: dict[str, Any]):
    store = InMemoryRevocationStore()
    for anchor in case.get("revoked") or []:
        store.mark_revoked(anchor)
    return store


async def _authenticate(case: dict[str, Any]) -> dict[str, Any]:
    try:
        result = await authenticate(
            case.get("token") or "",
            case.get("issuer") or "",
            case.get("audience") or "",
            case.get("required_scopes") or [],
            case.get("zone_id") or "",
            _revocations(case),
            required_targets=case.get("required_targets") or [],
            required_use=case.get("required_use"),
        )
    except Exception as err:
        return {
            "ok": False,
            "code": None,
            "description": None,
            "principal": None,
            "error": _failure(err),
        }
    return {
        "ok": result.ok,
        "code": result.error.code if result.error else None,
        "description": result.error.description if result.error else None,
        "principal": _jsonable(result.principal),
    }


async def _asgi(case: dict[str, Any]) -> dict[str, Any]:
    """One request through CaracalASGIAuth, in process: no socket, no server."""
    seen: dict[str, Any] = {"principal": None}

    async def app(scope, receive, send):
        principal = (scope.get("state") or {}).get("caracal")
        seen["principal"] = _jsonable(principal)
        body = json.dumps({"reached_app": True}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": body})

    headers: list[tuple[bytes, bytes]] = []
    extra = case.get("headers") or {}
    token = case.get("token") or ""
    if token and not any(k.lower() == "authorization" for k in extra):
        headers.append((b"authorization", f"Bearer {token}".encode("latin-1")))
    for name, value in extra.items():
        headers.append((name.lower().encode("latin-1"), value.encode("latin-1")))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/resource",
        "raw_path": b"/resource",
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8080),
        "state": {},
    }

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    response: dict[str, Any] = {"status": None, "body": b""}

    async def send(message):
        if message["type"] == "http.response.start":
            response["status"] = message["status"]
        elif message["type"] == "http.response.body":
            response["body"] += message.get("body", b"")

    try:
        middleware = CaracalASGIAuth(
            app,
            audience=case.get("audience") or "",
            revocations=_revocations(case),
            issuer=case.get("issuer") or None,
            expected_zone_id=case.get("zone_id") or None,
            required_scopes=case.get("required_scopes") or [],
            required_targets=case.get("required_targets") or [],
            required_use=case.get("required_use"),
        )
        await middleware(scope, receive, send)
    except Exception as err:
        return {"status": None, "body": None, "principal": None, "error": _failure(err)}
    try:
        body = json.loads(response["body"]) if response["body"] else None
    except ValueError:
        body = response["body"].decode("utf-8", "replace")
    return {"status": response["status"], "body": body, "principal": seen["principal"]}


def _envelope(case: dict[str, Any]) -> dict[str, Any] | None:
    headers = case.get("headers")
    if headers is None:
        return None
    try:
        return dataclasses.asdict(sdk_envelope.from_headers(headers))
    except Exception as err:
        return {"error": _failure(err)}


async def _run_case(case: dict[str, Any]) -> dict[str, Any]:
    _forget_jwks()
    token = case.get("token") or ""
    issuer = case.get("issuer") or ""
    audience = case.get("audience") or ""
    zone = case.get("zone_id") or ""
    scopes = case.get("required_scopes") or []
    out: dict[str, Any] = {"name": case.get("name")}
    if V1:
        out["identity.verify_token"] = await _identity_result(
            caracalai_identity.verify_token(
                token,
                issuer,
                audience,
                zone,
                required_scopes=scopes,
                required_use=case.get("required_use"),
            )
        )
        config = caracalai_identity.JwtConfig(
            issuer=issuer,
            audience=audience,
            expected_zone_id=zone,
            required_scopes=scopes,
            required_targets=case.get("required_targets") or [],
            required_use=case.get("required_use"),
        )
        out["identity.verify_config"] = await _identity_result(
            caracalai_identity.verify_config(token, config)
        )
        out["verify.authenticate"] = await _authenticate(case)
        out["asgi"] = await _asgi(case)
    else:
        # 0.1.1: verify_token(token, issuer, audience, required_scopes,
        # expected_zone_id); no token use, no targets.
        out["identity.verify_token"] = await _identity_result(
            caracalai_identity.verify_token(
                token,
                issuer,
                audience,
                required_scopes=scopes,
                expected_zone_id=zone or None,
            )
        )
        config = caracalai_identity.JwtConfig(
            issuer=issuer,
            audience=audience,
            expected_zone_id=zone or None,
            required_scopes=scopes,
        )
        out["identity.verify_config"] = await _identity_result(
            caracalai_identity.verify_config(token, config)
        )
    out["envelope"] = _envelope(case)
    return out


async def _main() -> dict[str, Any]:
    document = json.load(sys.stdin)
    results = []
    for case in document.get("cases") or []:
        try:
            results.append(await _run_case(case))
        except Exception as err:  # a bug here must not hide the other cases
            results.append({"name": case.get("name"), "error": _failure(err)})
    return {"identity_version": IDENTITY_VERSION, "results": results}


if __name__ == "__main__":
    json.dump(asyncio.run(_main()), sys.stdout)
    sys.stdout.write("\n")
