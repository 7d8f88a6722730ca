"""A loopback API protected the way upstream Caracal 1.0.0 tells providers to.

Run with the 1.0.0 virtualenv (target/upstream-python/1.0.0/bin/python):

    resource_server.py --issuer URL --audience AUD --zone ZONE
                       [--required-scope S]... [--required-target T]...
                       [--required-use resource|session|none]

The app is wrapped in caracalai_asgi.CaracalASGIAuth with an
InMemoryRevocationStore (token use defaults to "resource", as upstream's
does; "none" checks no use) and served by uvicorn on 127.0.0.1, port chosen by
the system. Prints one line, {"port": N}, once it accepts connections, and
stops when its stdin is closed (hold it open through a pipe).

  any path          (after the middleware let it through) 200 and
                    {"method", "path", "query", "principal", "headers", "body"}
  GET  /_caracal_test/seen              every request so far, refused ones too
  POST /_caracal_test/revoke?anchor=X   marks X revoked in the store
  POST /_caracal_test/forget-jwks       drops upstream's cached key set

/_caracal_test is excluded from verification and is not recorded.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import importlib
import json
import sys
from typing import Any
from urllib.parse import parse_qs

from _serving import read_body, send_json, serve
from caracalai_asgi import CaracalASGIAuth
from caracalai_identity import JwksCache
from caracalai_revocation import InMemoryRevocationStore

CONTROL = "/_caracal_test"


def header_map(scope) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in scope.get("headers") or []:
        key = name.decode("latin-1").lower()
        text = value.decode("latin-1")
        out[key] = f"{out[key]}, {text}" if key in out else text
    return out


def principal_of(scope) -> dict[str, Any] | None:
    principal = (scope.get("state") or {}).get("caracal")
    if principal is None:
        return None
    return dataclasses.asdict(principal)


class ResourceServer:
    def __init__(self, args: argparse.Namespace) -> None:
        self.revocations = InMemoryRevocationStore()
        self.seen: list[dict[str, Any]] = []
        self.protected = CaracalASGIAuth(
            self.app,
            audience=args.audience,
            revocations=self.revocations,
            issuer=args.issuer,
            expected_zone_id=args.zone,
            required_scopes=args.required_scope,
            required_targets=args.required_target,
            required_use=args.required_use,
            exclude=[CONTROL],
        )

    async def app(self, scope, receive, send) -> None:
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
        path = scope["path"]
        method = scope["method"]
        body = await read_body(receive)
        if path == CONTROL or path.startswith(CONTROL + "/"):
            await self.control(method, path, scope, send)
            return
        await send_json(
            send,
            200,
            {
                "method": method,
                "path": path,
                "query": scope.get("query_string", b"").decode("latin-1"),
                "principal": principal_of(scope),
                "headers": header_map(scope),
                "body": body.decode("utf-8", "replace"),
            },
        )

    async def control(self, method: str, path: str, scope, send) -> None:
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        if method == "GET" and path == CONTROL + "/seen":
            await send_json(send, 200, self.seen)
        elif method == "POST" and path == CONTROL + "/revoke" and query.get("anchor"):
            for anchor in query["anchor"]:
                self.revocations.mark_revoked(anchor)
            await send_json(send, 200, {"revoked": query["anchor"]})
        elif method == "POST" and path == CONTROL + "/forget-jwks":
            importlib.import_module("caracalai_identity.verify")._cache = JwksCache()
            await send_json(send, 200, {"forgot": True})
        else:
            await send_json(send, 404, {"error": "not_found"})

    async def __call__(self, scope, receive, send) -> None:
        """Records every request (refused ones too), then hands it on."""
        path = scope.get("path", "")
        if scope["type"] != "http" or path == CONTROL or path.startswith(CONTROL + "/"):
            await self.protected(scope, receive, send)
            return
        scope.setdefault("state", {})
        response: dict[str, Any] = {"status": None, "body": b""}

        async def recording_send(message):
            if message["type"] == "http.response.start":
                response["status"] = message["status"]
            elif message["type"] == "http.response.body":
                response["body"] += message.get("body", b"")
            await send(message)

        headers = header_map(scope)
        entry: dict[str, Any] = {
            "method": scope["method"],
            "path": path,
            "status": None,
            "authorization_present": "authorization" in headers,
            "error": None,
            "principal": None,
        }
        self.seen.append(entry)
        try:
            await self.protected(scope, receive, recording_send)
        finally:
            entry["status"] = response["status"] if response["status"] is not None else 500
            entry["principal"] = principal_of(scope)
            if entry["status"] >= 400:
                try:
                    entry["error"] = json.loads(response["body"]).get("error")
                except (ValueError, AttributeError):
                    entry["error"] = None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issuer", required=True)
    parser.add_argument("--audience", required=True)
    parser.add_argument("--zone", required=True)
    parser.add_argument("--required-scope", action="append", default=[])
    parser.add_argument("--required-target", action="append", default=[])
    parser.add_argument(
        "--required-use", default="resource", choices=["resource", "session", "none"]
    )
    args = parser.parse_args()
    if args.required_use == "none":
        args.required_use = None
    return asyncio.run(serve(ResourceServer(args), lambda port: {"port": port}))


if __name__ == "__main__":
    sys.exit(main())
