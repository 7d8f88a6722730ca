"""An upstream-shaped Caracal token issuer, for checking the host as a verifier.

Run with the 1.0.0 virtualenv (target/upstream-python/1.0.0/bin/python):

    issuer.py --zone ZONE

Signs ES256 (P-256) JWTs with a key named by a `kid` and publishes its keys
where upstream verifiers fetch them. Served by uvicorn on 127.0.0.1, port
chosen by the system; prints one line, {"port": N, "issuer":
"http://127.0.0.1:N"}, once it accepts connections, and stops when its stdin
is closed (hold it open through a pipe).

  GET  /.well-known/jwks.json[?zone_id=ZONE]  {"keys": [EC JWKs]}; another
                                              zone_id: 404
  POST /mint    {"claims": {...}, "kid"?: str|null, "unpublished"?: bool}
                -> {"token", "kid"}. Claims are signed as given (the issuer
                adds only a missing "iss"). "kid" replaces the header's kid
                (null: no kid at all); "unpublished": signed by a fresh key
                the key set never shows.
  POST /rotate  a new signing key; the old ones stay published -> {"kid"}
  GET  /_stats  {"jwks_fetches": n}: key-set requests so far
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import json
import sys
from typing import Any
from urllib.parse import parse_qs

import jwt
from _serving import read_body, send_json, serve
from cryptography.hazmat.primitives.asymmetric import ec


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class SigningKey:
    def __init__(self) -> None:
        self.private = ec.generate_private_key(ec.SECP256R1())
        numbers = self.private.public_key().public_numbers()
        self.x = b64url(numbers.x.to_bytes(32, "big"))
        self.y = b64url(numbers.y.to_bytes(32, "big"))
        # RFC 7638 thumbprint: members in lexicographic order, no spaces.
        canonical = json.dumps(
            {"crv": "P-256", "kty": "EC", "x": self.x, "y": self.y},
            separators=(",", ":"),
            sort_keys=True,
        )
        self.kid = b64url(hashlib.sha256(canonical.encode()).digest())

    def jwk(self) -> dict[str, str]:
        return {
            "kty": "EC",
            "crv": "P-256",
            "alg": "ES256",
            "use": "sig",
            "kid": self.kid,
            "x": self.x,
            "y": self.y,
        }


class Issuer:
    def __init__(self, zone: str) -> None:
        self.zone = zone
        self.keys = [SigningKey()]
        self.jwks_fetches = 0
        self.url = ""

    def mint(self, request: dict[str, Any]) -> dict[str, Any]:
        claims = dict(request.get("claims") or {})
        claims.setdefault("iss", self.url)
        key = SigningKey() if request.get("unpublished") else self.keys[-1]
        kid = request["kid"] if "kid" in request else key.kid
        headers = {"kid": kid} if kid is not None else {}
        token = jwt.encode(claims, key.private, algorithm="ES256", headers=headers)
        return {"token": token, "kid": kid}

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        method, path = scope["method"], scope["path"]
        body = await read_body(receive)
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        if method == "GET" and path == "/.well-known/jwks.json":
            self.jwks_fetches += 1
            zones = query.get("zone_id")
            if zones and zones != [self.zone]:
                await send_json(send, 404, {"error": "unknown_zone"})
                return
            await send_json(send, 200, {"keys": [k.jwk() for k in self.keys]})
        elif method == "POST" and path == "/mint":
            try:
                request = json.loads(body or b"{}")
                if not isinstance(request, dict):
                    raise ValueError("the body must be a JSON object")
                await send_json(send, 200, self.mint(request))
            except Exception as err:
                await send_json(send, 400, {"error": f"{type(err).__name__}: {err}"})
        elif method == "POST" and path == "/rotate":
            self.keys.append(SigningKey())
            await send_json(send, 200, {"kid": self.keys[-1].kid})
        elif method == "GET" and path == "/_stats":
            await send_json(send, 200, {"jwks_fetches": self.jwks_fetches})
        else:
            await send_json(send, 404, {"error": "not_found"})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zone", required=True)
    args = parser.parse_args()
    issuer = Issuer(args.zone)

    def announce(port: int) -> dict[str, Any]:
        issuer.url = f"http://127.0.0.1:{port}"
        return {"port": port, "issuer": issuer.url}

    return asyncio.run(serve(issuer, announce))


if __name__ == "__main__":
    sys.exit(main())
