"""python-agent: the upstream Caracal Python guide's flow, as a wasm component.

1. ``spawn`` a labelled task session holding ``tickets:read`` and
   ``tickets:write`` on ``resource://tickets``;
2. spawn a child narrowed to ``tickets:read`` (``max_hops=1``, ``budget=5``,
   600 s), and try to widen it to ``tickets:write`` (the host refuses with
   :class:`caracalai.DeniedError`);
3. print the child's ``headers()`` (the bearer is shown masked);
4. through ``caracal.transport()``, the child reads the tickets (allowed: the
   host's embedded gateway injects the API token, which the agent never
   sees) and tries to create one (denied: it lacks ``tickets:write``); the
   parent then creates one (allowed);
5. ``spawn_service`` with ``heartbeat_interval``, heartbeat once and print
   the lease.

Each step prints one line ``step <name>: <result>``. The tickets API URL is
``argv[1]`` (default ``http://127.0.0.1:8181/api``, matching
``caracal.toml``). Exits 1 if the read-only child was allowed to write.
"""

from __future__ import annotations

import sys
import time

from caracalai import Caracal, DelegationConstraints, DeniedError, Grant, RequestDeniedError

RESOURCE = "resource://tickets"
caracal = Caracal()


def step(name: str, result: str) -> None:
    """Print one greppable result line."""
    print(f"step {name}: {result}", flush=True)


def masked(headers: dict[str, str]) -> str:
    """The envelope for printing: the bearer token replaced by its length."""
    shown = []
    for name in sorted(headers):
        value = headers[name]
        if name == "authorization":
            scheme, _, token = value.partition(" ")
            value = f"{scheme} <{len(token)} chars>"
        shown.append(f"{name}={value}")
    return " ".join(shown)


async def main() -> int:
    """Run the flow; the exit code says whether the child was kept read-only."""
    base = (sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8181/api").rstrip("/")
    child_wrote = False

    async with caracal.spawn(
        labels=["triage", "python"],
        grant=Grant.narrow(
            ["tickets:read", "tickets:write"],
            resource_id=RESOURCE,
            constraints=DelegationConstraints(max_hops=2, budget=5),
        ),
    ) as parent:
        info = parent.context()
        step(
            "spawn",
            f"session={parent.id} labels={','.join(info.labels)} "
            f"lifecycle={info.lifecycle} depth={info.depth} hop={info.hop}",
        )

        async with caracal.spawn(
            parent_ctx=parent,
            labels=["reader"],
            grant=Grant.narrow(
                ["tickets:read"],
                resource_id=RESOURCE,
                constraints=DelegationConstraints(max_hops=1, budget=5),
                ttl_seconds=600,
            ),
        ) as child:
            info = child.context()
            step(
                "narrow",
                f"child={child.id} depth={info.depth} hop={info.hop} "
                f"delegation={'yes' if info.delegation_id else 'no'}",
            )

            try:
                with caracal.spawn(
                    parent_ctx=parent,
                    labels=["widener"],
                    grant=Grant.narrow(["tickets:read", "tickets:admin"], resource_id=RESOURCE),
                ):
                    step("widen", "ALLOWED (unexpected)")
            except DeniedError as error:
                step("widen", f"refused {type(error).__name__}: {error.message}")

            step("headers", masked(caracal.headers()))

            async with caracal.transport() as client:
                response = await client.get(f"{base}/tickets")
                tickets = response.json()
                step("read", f"GET /tickets -> {response.status_code} ({len(tickets)} tickets)")
                try:
                    response = await client.post(
                        f"{base}/tickets", json={"title": "printer on fire"}
                    )
                    child_wrote = True
                    step("write", f"POST /tickets -> {response.status_code} (UNEXPECTED)")
                except RequestDeniedError as error:
                    step("write", f"POST /tickets -> denied {type(error).__name__}")

        # The child is closed: the parent is bound again.
        async with caracal.transport() as client:
            response = await client.post(f"{base}/tickets", json={"title": "printer on fire"})
            step(
                "parent-write",
                f"POST /tickets -> {response.status_code} id={response.json()['id']}",
            )

    svc = await caracal.spawn_service(labels=["ticket-watcher"], heartbeat_interval=5)
    try:
        lease = await svc.heartbeat()
        remaining = lease.deadline_ms / 1000 - time.time()
        step(
            "service",
            f"session={svc.id} lease generation={lease.generation} "
            f"status={lease.status} expires_in={remaining:.0f}s",
        )
    finally:
        await svc.aclose()
    step("service-close", f"status={svc.status}")
    return 1 if child_wrote else 0
