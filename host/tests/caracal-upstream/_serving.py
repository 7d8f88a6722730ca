"""Serving a test ASGI app the way the Rust tests expect: on 127.0.0.1 at a
port the system picks, announcing it as one JSON line on stdout once it
accepts connections, and stopping when stdin reaches end of file (so a test
that dies leaves no server behind), and the small ASGI helpers both
servers use."""

from __future__ import annotations

import asyncio
import json
import sys
import threading
from typing import Any

import uvicorn


async def serve(app, announce) -> int:
    """Serves app on 127.0.0.1:0; prints announce(port) once listening and
    stops when stdin reaches end of file."""
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, log_level="warning", timeout_graceful_shutdown=2
    )
    server = uvicorn.Server(config)
    loop = asyncio.get_running_loop()

    def watch_stdin() -> None:
        try:
            while sys.stdin.buffer.read(65536):
                pass
        finally:
            loop.call_soon_threadsafe(setattr, server, "should_exit", True)

    serving = asyncio.create_task(server.serve())
    while not server.started:
        if serving.done():
            await serving
            return 1
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    sys.stdout.write(json.dumps(announce(port)) + "\n")
    sys.stdout.flush()
    threading.Thread(target=watch_stdin, daemon=True).start()
    await serving
    return 0


async def read_body(receive) -> bytes:
    body = b""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return body
        body += message.get("body", b"")
        if not message.get("more_body"):
            return body


async def send_json(send, status: int, value: Any) -> None:
    payload = json.dumps(value).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
