"""Checks the upstream test harness itself, without the host.

Run with the 1.0.0 virtualenv:

    target/upstream-python/1.0.0/bin/python host/tests/caracal-upstream/selftest.py

Starts issuer.py and resource_server.py, sends the resource server tokens in
upstream 1.0.0's mandate shape (a good one and ones upstream must refuse,
each with the refusal code upstream gives), then runs verify.py under both
virtualenvs (1.0.0 and 0.1.1) on a handful of tokens. Prints one line per
check and a summary; exits 1 when any check fails.
"""

from __future__ import annotations

import json
import select
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import jwt

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
VENVS = ROOT / "target" / "upstream-python"

ZONE = "zone-selftest"
AUDIENCE = "resource://tickets"
TARGET = "resource://tickets"
SCOPE = "tickets:read"

results: list[tuple[bool, str, str]] = []


def check(name: str, ok: bool, detail: Any = "") -> bool:
    results.append((ok, name, "" if ok else str(detail)))
    print(f"{'ok  ' if ok else 'FAIL'} {name}" + ("" if ok else f"\n     {detail}"), flush=True)
    return ok


def venv_python(version: str) -> Path:
    return VENVS / version / "bin" / "python"


class Service:
    """A harness server as a subprocess: its first stdout line announces it;
    closing its stdin stops it."""

    def __init__(self, python: Path | str, script: str, *args: str) -> None:
        self.proc = subprocess.Popen(
            [str(python), str(HERE / script), *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        ready, _, _ = select.select([self.proc.stdout], [], [], 30)
        line = self.proc.stdout.readline() if ready else b""
        if not line:
            self.close()
            raise RuntimeError(f"{script} did not announce its port")
        self.info = json.loads(line)
        self.base = f"http://127.0.0.1:{self.info['port']}"

    def close(self) -> None:
        if self.proc.stdin and not self.proc.stdin.closed:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def mandate(issuer: str, **changes: Any) -> dict[str, Any]:
    """A resource mandate in upstream 1.0.0's claim shape. A change to None
    removes the claim."""
    now = int(time.time())
    chain_hop = {
        # 1.0.0 reads application_id / agent_session_id / delegation_edge_id;
        # 0.1.1 reads app / session / edge and skips items without "app".
        "application_id": "app-planner",
        "agent_session_id": "sess-parent",
        "delegation_edge_id": "edge-parent",
        "app": "app-planner",
        "session": "sess-parent",
        "edge": "edge-parent",
    }
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": AUDIENCE,
        "jti": str(uuid.uuid4()),
        "iat": now,
        "exp": now + 300,
        "sub": "user-alice",
        "sub_type": "user",
        "sid": "ar-leaf",
        "root_sid": "ar-root",
        "client_id": "app-worker",
        "use": "resource",
        "zone_id": ZONE,
        "scope": "tickets:read tickets:write",
        "target": [TARGET],
        "agent_session_id": "sess-worker",
        "delegation_edge_id": "edge-worker",
        "delegation_path": ["edge-parent", "edge-worker"],
        "delegation_chain": [chain_hop],
        "delegation_graph_epoch": 0,
        "hop_count": 1,
    }
    for name, value in changes.items():
        if value is None:
            claims.pop(name, None)
        else:
            claims[name] = value
    return claims


def mint(issuer: Service, claims: dict[str, Any], **options: Any) -> str:
    response = httpx.post(issuer.base + "/mint", json={"claims": claims, **options})
    response.raise_for_status()
    return response.json()["token"]


def jwks_fetches(issuer: Service) -> int:
    return httpx.get(issuer.base + "/_stats").json()["jwks_fetches"]


def resource_server_checks(issuer: Service, api: Service) -> None:
    url = issuer.info["issuer"]
    expected: list[tuple[int, str | None]] = []  # what /seen must show

    def call(name: str, token: str | None, status: int, code: str | None) -> dict | None:
        headers = {"x-selftest": name}
        if token is not None:
            headers["authorization"] = f"Bearer {token}"
        response = httpx.get(api.base + "/tickets/42?view=full", headers=headers)
        expected.append((status, code))
        try:
            body = response.json()
        except ValueError:
            body = response.text
        got_code = body.get("error") if isinstance(body, dict) and status >= 400 else None
        check(
            f"resource server: {name} -> {status} {code or ''}".rstrip(),
            response.status_code == status and got_code == code,
            f"got {response.status_code} {body}",
        )
        return body if response.status_code == 200 else None

    good = mint(issuer, mandate(url))
    body = call("a good resource mandate", good, 200, None)
    if body is not None:
        p = body["principal"]
        want = {
            "sub": "user-alice",
            "zone_id": ZONE,
            "client_id": "app-worker",
            "authority_record_id": "ar-leaf",
            "root_authority_record_id": "ar-root",
            "use": "resource",
            "sub_type": "user",
            "scope": "tickets:read tickets:write",
            "target_resources": [TARGET],
            "session_id": "sess-worker",
            "delegation_id": "edge-worker",
            "delegation_path": ["edge-parent", "edge-worker"],
            "delegation_chain": [
                {
                    "application_id": "app-planner",
                    "session_id": "sess-parent",
                    "delegation_id": "edge-parent",
                }
            ],
            "graph_epoch": 0,
            "hop_count": 1,
        }
        wrong = {k: (p.get(k), v) for k, v in want.items() if p.get(k) != v}
        check("resource server: the principal carries every claim", not wrong, wrong)
        check(
            "resource server: the app sees method, path, query and headers",
            body["method"] == "GET"
            and body["path"] == "/tickets/42"
            and body["query"] == "view=full"
            and body["headers"].get("x-selftest") == "a good resource mandate",
            body,
        )

    call("no Authorization header", None, 401, "missing_token")
    call("another audience", mint(issuer, mandate(url, aud="resource://other")), 401, "invalid_token")
    call("another zone_id claim", mint(issuer, mandate(url, zone_id="zone-other")), 401, "invalid_zone")
    now = int(time.time())
    call(
        "expired beyond the 60 s leeway",
        mint(issuer, mandate(url, iat=now - 600, exp=now - 120)),
        401,
        "invalid_token",
    )
    call("a kid the key set lacks", mint(issuer, mandate(url), unpublished=True), 401, "invalid_token")
    published_kid = jwt.get_unverified_header(good)["kid"]
    call(
        "a published kid over another key's signature",
        mint(issuer, mandate(url), unpublished=True, kid=published_kid),
        401,
        "invalid_token",
    )
    call("the required scope missing", mint(issuer, mandate(url, scope="tickets:write")), 403, "insufficient_scope")
    call("use=session", mint(issuer, mandate(url, use="session")), 401, "invalid_token")
    call("the required target missing", mint(issuer, mandate(url, target=["resource://other"])), 401, "invalid_token")
    # The required scope is checked before "scope must not be empty".
    call("scope present but empty", mint(issuer, mandate(url, scope="")), 403, "insufficient_scope")
    call("no jti", mint(issuer, mandate(url, jti=None)), 401, "invalid_token")
    call("no root_sid", mint(issuer, mandate(url, root_sid=None)), 401, "invalid_token")
    call(
        "a delegation_chain item in 0.1.1's keys only",
        mint(issuer, mandate(url, delegation_chain=[{"app": "a", "session": "s", "edge": "e"}])),
        401,
        "invalid_token",
    )
    call("hop_count over 10", mint(issuer, mandate(url, hop_count=11)), 403, "hop_count_exceeded")
    call(
        "iss with a trailing slash",
        mint(issuer, mandate(url, iss=url + "/")),
        401,
        "invalid_token",
    )

    # Upstream caches the key set for 5 minutes and does not refetch on an
    # unknown kid: a new key is refused until the cache is dropped.
    fetched = jwks_fetches(issuer)
    check("resource server: one key-set fetch so far (cached)", fetched == 1, f"{fetched} fetches")
    httpx.post(issuer.base + "/rotate").raise_for_status()
    rotated = mint(issuer, mandate(url))
    call("a rotated-in key while the old key set is cached", rotated, 401, "invalid_token")
    httpx.post(api.base + "/_caracal_test/forget-jwks").raise_for_status()
    call("the rotated-in key once the cache is dropped", rotated, 200, None)
    call("the old key, still published", good, 200, None)

    # Revocation anchors: sid, root_sid, agent_session_id, delegation_edge_id.
    other_session = mint(issuer, mandate(url, agent_session_id="sess-doomed"))
    httpx.post(api.base + "/_caracal_test/revoke", params={"anchor": "sess-doomed"}).raise_for_status()
    call("a revoked agent_session_id", other_session, 401, "session_revoked")
    call("a token outside the revoked session", good, 200, None)
    httpx.post(api.base + "/_caracal_test/revoke", params={"anchor": "ar-root"}).raise_for_status()
    call("a revoked root_sid", good, 401, "session_revoked")

    seen = httpx.get(api.base + "/_caracal_test/seen").json()
    got = [(e["status"], e["error"]) for e in seen]
    check("resource server: /seen records every request, refused ones too", got == expected, f"{got} != {expected}")
    check(
        "resource server: /seen marks the request without Authorization",
        len(seen) > 1 and seen[1]["authorization_present"] is False and seen[0]["authorization_present"] is True,
        seen[:2],
    )
    check(
        "resource server: /seen holds the principal of let-through requests only",
        all((e["principal"] is not None) == (e["status"] == 200) for e in seen),
        seen,
    )


def run_verify(version: str, cases: list[dict[str, Any]]) -> dict[str, Any] | None:
    python = venv_python(version)
    if not python.exists():
        check(f"verify.py {version}: venv present", False, f"{python} is missing; run scripts/test")
        return None
    proc = subprocess.run(
        [str(python), str(HERE / "verify.py")],
        input=json.dumps({"cases": cases}).encode(),
        capture_output=True,
        timeout=120,
    )
    if proc.returncode != 0:
        check(f"verify.py {version}: runs", False, proc.stderr.decode(errors="replace"))
        return None
    out = json.loads(proc.stdout)
    check(f"verify.py {version}: reports identity {version}", out["identity_version"] == version, out["identity_version"])
    return {r["name"]: r for r in out["results"]}


def case(name: str, token: str, url: str, **fields: Any) -> dict[str, Any]:
    base = {
        "name": name,
        "token": token,
        "issuer": url,
        "audience": AUDIENCE,
        "zone_id": ZONE,
        "required_scopes": [SCOPE],
        "required_targets": [TARGET],
        "required_use": "resource",
        "revoked": [],
        "headers": None,
    }
    base.update(fields)
    return base


def verify_checks(issuer: Service) -> None:
    url = issuer.info["issuer"]
    now = int(time.time())
    trace = "4bf92f3577b34da6a3ce929d0e0e4736"
    headers = {
        "traceparent": f"00-{trace}-00f067aa0ba902b7-01",
        "baggage": "caracal.agent_session=sess-worker,caracal.delegation_edge=edge-worker,caracal.hop=2,vendor=x",
    }
    only_v1_chain = [{"application_id": "app-planner", "agent_session_id": "sess-parent", "delegation_edge_id": "edge-parent"}]
    cases = [
        case("good", mint(issuer, mandate(url)), url, headers=headers),
        case("claim zone differs", mint(issuer, mandate(url, zone_id="zone-other")), url),
        case("verifier zone unknown to the issuer", mint(issuer, mandate(url)), url, zone_id="zone-other"),
        case("revoked root", mint(issuer, mandate(url)), url, revoked=["ar-root"]),
        case("empty scope", mint(issuer, mandate(url, scope="")), url, required_scopes=[]),
        case("aud list", mint(issuer, mandate(url, aud=["resource://other", AUDIENCE])), url),
        case("no kid", mint(issuer, mandate(url), kid=None), url),
        case("chain in 1.0.0 keys only", mint(issuer, mandate(url, delegation_chain=only_v1_chain)), url),
        case("iat 30 s ahead", mint(issuer, mandate(url, iat=now + 30)), url),
        case("exp 30 s past", mint(issuer, mandate(url, iat=now - 300, exp=now - 30)), url),
        case("missing scope", mint(issuer, mandate(url, scope="tickets:write")), url),
    ]

    def ok(result: dict[str, Any], key: str) -> bool:
        return bool(result.get(key, {}).get("ok"))

    def error(result: dict[str, Any], key: str) -> str:
        return result.get(key, {}).get("error") or ""

    v1 = run_verify("1.0.0", cases)
    if v1 is not None:
        r = v1["good"]
        check(
            "verify.py 1.0.0: a good mandate passes every entry point",
            all(ok(r, k) for k in ("identity.verify_token", "identity.verify_config", "verify.authenticate"))
            and r["asgi"]["status"] == 200
            and r["asgi"]["principal"]["authority_record_id"] == "ar-leaf",
            r,
        )
        env = r["envelope"] or {}
        check(
            "verify.py 1.0.0: the envelope decodes traceparent and baggage",
            env.get("trace_id") == trace
            and env.get("session_id") == "sess-worker"
            and env.get("delegation_id") == "edge-worker"
            and env.get("hop") == 2
            and env.get("baggage") == {"vendor": "x"},
            env,
        )
        r = v1["claim zone differs"]
        check(
            "verify.py 1.0.0: another zone_id claim -> ZoneInvalidError, invalid_zone, 401",
            error(r, "identity.verify_token").startswith("ZoneInvalidError")
            and r["verify.authenticate"]["code"] == "invalid_zone"
            and r["asgi"]["status"] == 401
            and r["asgi"]["body"]["error"] == "invalid_zone",
            r,
        )
        r = v1["verifier zone unknown to the issuer"]
        check(
            "verify.py 1.0.0: a key-set fetch answered 404 escapes as HTTPStatusError",
            error(r, "identity.verify_token").startswith("HTTPStatusError")
            and (r["verify.authenticate"].get("error") or "").startswith("HTTPStatusError")
            and (r["asgi"].get("error") or "").startswith("HTTPStatusError"),
            r,
        )
        r = v1["revoked root"]
        check(
            "verify.py 1.0.0: a revoked anchor passes identity, fails authenticate and asgi",
            ok(r, "identity.verify_config")
            and r["verify.authenticate"]["code"] == "session_revoked"
            and r["asgi"]["body"]["error"] == "session_revoked",
            r,
        )
        r = v1["empty scope"]
        check(
            "verify.py 1.0.0: scope \"\" passes verify_token but not verify_config",
            ok(r, "identity.verify_token")
            and error(r, "identity.verify_config").startswith("TokenInvalidError")
            and r["verify.authenticate"]["code"] == "invalid_token",
            r,
        )
        for name in ("aud list", "no kid", "iat 30 s ahead"):
            r = v1[name]
            check(f"verify.py 1.0.0: {name} passes", ok(r, "verify.authenticate") and r["asgi"]["status"] == 200, r)
        r = v1["chain in 1.0.0 keys only"]
        check(
            "verify.py 1.0.0: chain items read from application_id/agent_session_id/delegation_edge_id",
            ok(r, "identity.verify_config")
            and r["identity.verify_config"]["claims"]["delegation_chain"]
            == [{"application_id": "app-planner", "session_id": "sess-parent", "delegation_id": "edge-parent"}],
            r,
        )
        r = v1["exp 30 s past"]
        check(
            "verify.py 1.0.0: exp 30 s past passes identity (leeway) but authenticate refuses it",
            ok(r, "identity.verify_token")
            and r["verify.authenticate"]["code"] == "invalid_token"
            and r["verify.authenticate"]["description"] == "Token expired during execution",
            r,
        )
        r = v1["missing scope"]
        check(
            "verify.py 1.0.0: a missing scope -> ScopeInsufficientError, insufficient_scope, 403",
            error(r, "identity.verify_token").startswith("ScopeInsufficientError")
            and r["verify.authenticate"]["code"] == "insufficient_scope"
            and r["asgi"]["status"] == 403,
            r,
        )

    v0 = run_verify("0.1.1", cases)
    if v0 is not None:
        r = v0["good"]
        claims = r.get("identity.verify_config", {}).get("claims") or {}
        check(
            "verify.py 0.1.1: a good mandate passes verify_token and verify_config",
            ok(r, "identity.verify_token")
            and claims.get("sid") == "ar-leaf"
            and claims.get("agent_session_id") == "sess-worker"
            and claims.get("delegation_edge_id") == "edge-worker"
            and claims.get("delegation_chain")
            == [{"application_id": "app-planner", "agent_session_id": "sess-parent", "delegation_edge_id": "edge-parent"}]
            and "verify.authenticate" not in r
            and "asgi" not in r,
            r,
        )
        env = r["envelope"] or {}
        check(
            "verify.py 0.1.1: the envelope decodes traceparent and baggage",
            env.get("trace_id") == trace
            and env.get("agent_session_id") == "sess-worker"
            and env.get("delegation_edge_id") == "edge-worker"
            and env.get("hop") == 2,
            env,
        )
        for name in ("claim zone differs", "verifier zone unknown to the issuer"):
            r = v0[name]
            check(
                f"verify.py 0.1.1: {name} -> ZoneInvalidError",
                error(r, "identity.verify_token").startswith("ZoneInvalidError"),
                r,
            )
        for name in ("revoked root", "empty scope", "aud list", "no kid"):
            r = v0[name]
            check(f"verify.py 0.1.1: {name} passes", ok(r, "identity.verify_config"), r)
        r = v0["chain in 1.0.0 keys only"]
        check(
            "verify.py 0.1.1: chain items without \"app\" are dropped silently",
            ok(r, "identity.verify_config") and r["identity.verify_config"]["claims"]["delegation_chain"] == [],
            r,
        )
        for name in ("iat 30 s ahead", "exp 30 s past"):
            r = v0[name]
            check(
                f"verify.py 0.1.1: {name} is refused (no leeway)",
                error(r, "identity.verify_token").startswith("TokenInvalidError"),
                r,
            )
        r = v0["missing scope"]
        check(
            "verify.py 0.1.1: a missing scope -> ScopeInsufficientError",
            error(r, "identity.verify_token").startswith("ScopeInsufficientError"),
            r,
        )

    # Every case starts with an empty key-set cache: two cases, two fetches.
    for version in ("1.0.0", "0.1.1"):
        before = jwks_fetches(issuer)
        token = mint(issuer, mandate(url))
        out = run_verify(version, [case("first", token, url), case("second", token, url)])
        if out is not None:
            fetched = jwks_fetches(issuer) - before
            check(
                f"verify.py {version}: each case fetches the key set afresh",
                fetched == 2 and all(ok(r, "identity.verify_config") for r in out.values()),
                f"{fetched} fetches, {out}",
            )


def main() -> int:
    if sys.version_info < (3, 12):
        print("selftest.py needs the 1.0.0 virtualenv's Python (>= 3.12)", file=sys.stderr)
        return 2
    issuer = Service(sys.executable, "issuer.py", "--zone", ZONE)
    api = None
    try:
        api = Service(
            sys.executable,
            "resource_server.py",
            "--issuer", issuer.info["issuer"],
            "--audience", AUDIENCE,
            "--zone", ZONE,
            "--required-scope", SCOPE,
            "--required-target", TARGET,
            "--required-use", "resource",
        )
        resource_server_checks(issuer, api)
        api.close()
        check("resource server: stops when its stdin is closed", api.proc.returncode == 0, api.proc.returncode)
        verify_checks(issuer)
    finally:
        if api is not None:
            api.close()
        issuer.close()
    check("issuer: stops when its stdin is closed", issuer.proc.returncode == 0, issuer.proc.returncode)
    failed = [name for ok, name, _ in results if not ok]
    print(f"\nselftest: {len(results) - len(failed)} of {len(results)} checks passed" + (f", {len(failed)} failed" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
