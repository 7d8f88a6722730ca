"""llm-agent: stream a chat completion through the host's embedded gateway.

A service session narrowed to ``llm:chat`` on ``resource://llm`` (its lease
renewed by the host every 10 s while the agent waits on the stream) sends
``POST {base}/chat/completions`` with ``"stream": true`` through
``caracal.transport()``. The host injects the API key (``LLM_API_KEY``, as
``authorization: Bearer ...``), which the agent never sees. The agent reads
the server-sent events (``data: {...}`` chunks with
``choices[0].delta.content``, ending with ``data: [DONE]``) as they arrive
and prints the assembled reply.

``argv[1]`` is the API base URL (default ``http://127.0.0.1:8282/v1``,
matching ``caracal.toml``), ``argv[2]`` the prompt. Each step prints one
line ``step <name>: <result>``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator

from caracalai import Caracal, Grant, RequestDeniedError

RESOURCE = "resource://llm"
caracal = Caracal()


def step(name: str, result: str) -> None:
    """Print one greppable result line."""
    print(f"step {name}: {result}", flush=True)


def sse_data(lines: Iterable[str]) -> Iterator[str]:
    """The ``data`` of each server-sent event (multi-line data joined with newlines)."""
    data: list[str] = []
    for line in lines:
        if not line:
            if data:
                yield "\n".join(data)
                data = []
            continue
        if line.startswith(":"):
            continue  # a comment / keep-alive
        field, _, value = line.partition(":")
        if field == "data":
            data.append(value[1:] if value.startswith(" ") else value)
    if data:
        yield "\n".join(data)


def main() -> int:
    """Ask the model, stream its answer, print it."""
    base = (sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8282/v1").rstrip("/")
    prompt = sys.argv[2] if len(sys.argv) > 2 else "What is Caracal?"
    request = {
        "model": "loopback-1",
        "stream": True,
        "messages": [{"role": "user", "content": prompt}],
    }

    with caracal.spawn_service(
        labels=["llm-agent"],
        grant=Grant.narrow(["llm:chat"], resource_id=RESOURCE),
        heartbeat_interval=10,
    ) as svc:
        step("session", f"service={svc.id} status={svc.status}")
        client = caracal.transport(timeout=60)
        sent = client.prepare_headers(f"{base}/chat/completions")
        # What the agent can see of its own request: a session token, not the key.
        step("envelope", f"authorization={sent['authorization'].split(' ')[0]} <session token>")
        pieces: list[str] = []
        events = 0
        try:
            with client.stream(
                "POST",
                f"{base}/chat/completions",
                json=request,
                headers={"accept": "text/event-stream"},
            ) as response:
                kind = response.headers.get("content-type", "")
                step("response", f"{response.status_code} {kind}")
                if response.status_code != 200:
                    step("error", response.read().decode("utf-8", "replace")[:200])
                    return 1
                for data in sse_data(response.iter_lines()):
                    if data == "[DONE]":
                        break
                    events += 1
                    chunk = json.loads(data)
                    delta = (chunk.get("choices") or [{}])[0].get("delta", {})
                    if content := delta.get("content"):
                        pieces.append(content)
        except RequestDeniedError as error:
            step("error", f"denied {type(error).__name__}")
            return 1
        step("stream", f"{events} events, {len(pieces)} content deltas, done")
        step("reply", "".join(pieces))
        step("lease", f"status={svc.status}")
    return 0
