"""An agent written from the upstream Caracal Python guide's snippets, run by
the tests to check the Python SDK behaves as the guide says. Each step
prints one JSON line; argv[1] is the tickets API base."""

import json
import sys

from caracalai import Caracal, DelegationConstraints, DeniedError, Grant

caracal = Caracal()


def say(step: str, **fields: object) -> None:
    print(json.dumps({"step": step, **fields}), flush=True)


async def main() -> None:
    base = sys.argv[1]
    async with caracal.spawn(labels=["refund-agent"]):
        say("headers", headers=caracal.headers())

    async with caracal.spawn() as parent:
        async with caracal.spawn(
            parent_ctx=parent,
            grant=Grant.narrow(
                ["tickets:read"],
                resource_id="resource://tickets",
                constraints=DelegationConstraints(max_hops=1, budget=5),
                ttl_seconds=600,
            ),
        ) as child:
            say("child", headers=caracal.headers())
            try:
                async with caracal.spawn(
                    parent_ctx=child,
                    grant=Grant.narrow(["tickets:read", "tickets:write"], resource_id="resource://tickets"),
                ):
                    say("widen", refused=False)
            except DeniedError as error:
                say("widen", refused=True, error=type(error).__name__)
            async with caracal.transport() as client:
                response = await client.get(f"{base}/tickets")
                say("transport", status=response.status_code, body=response.text)

    svc = await caracal.spawn_service(labels=["billing-worker"], heartbeat_interval=30)
    try:
        lease = await svc.heartbeat()
        say("service", generation=lease.generation)
    finally:
        await svc.aclose()
