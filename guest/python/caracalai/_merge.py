"""Putting a context's envelope on a request's headers (the Rust SDK's rule).

- ``authorization`` and any other envelope header replace the request's.
- ``traceparent`` and ``tracestate`` travel as a pair: a request that already
  has one valid ``traceparent`` keeps it and its ``tracestate``; otherwise
  both come from the envelope.
- ``baggage``: the request's foreign members are kept, its ``caracal.*``
  members dropped and the envelope's written instead; a foreign member the
  envelope also has keeps the request's value. The result is kept within the
  W3C limits (64 members, 8192 bytes) by dropping foreign members, the last
  key (in sorted order) first.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = ["apply_envelope"]

_TRACEPARENT = re.compile(r"^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")
_CARACAL = "caracal."
_MAX_MEMBERS = 64
_MAX_BYTES = 8192


def _valid_traceparent(value: str) -> bool:
    match = _TRACEPARENT.match(value.strip())
    if match is None:
        return False
    version, trace_id, parent_id, _ = match.groups()
    return version != "ff" and trace_id != "0" * 32 and parent_id != "0" * 16


def _parse_baggage(value: str) -> dict[str, str] | None:
    """Members ``key -> value;properties`` in order; ``None`` when over the limits."""
    members: dict[str, str] = {}
    if not value.strip():
        return members
    if len(value) > _MAX_BYTES:
        return None
    for item in value.split(","):
        item = item.strip()
        if not item:
            continue
        key, sep, rest = item.partition("=")
        key = key.strip()
        if not sep or not key:
            continue
        members.setdefault(key, rest.strip())
    if len(members) > _MAX_MEMBERS:
        return None
    return members


def _render(members: Mapping[str, str]) -> str:
    return ",".join(f"{key}={value}" for key, value in members.items())


def apply_envelope(
    headers: list[tuple[str, str]], envelope: Mapping[str, str]
) -> list[tuple[str, str]]:
    """``headers`` (lowercase name, value pairs) with ``envelope`` put on them."""
    traceparents = [v for n, v in headers if n == "traceparent"]
    keep_trace = len(traceparents) == 1 and _valid_traceparent(traceparents[0])
    replace = {
        name
        for name in envelope
        if name != "baggage" and not (keep_trace and name in ("traceparent", "tracestate"))
    }
    if not keep_trace:
        replace.add("tracestate")
        replace.add("traceparent")
    out = [(n, v) for n, v in headers if n not in replace and n != "baggage"]
    for name, value in envelope.items():
        if name in replace:
            out.append((name, value))

    request_baggage = _parse_baggage(",".join(v for n, v in headers if n == "baggage")) or {}
    merged = {k: v for k, v in request_baggage.items() if not k.startswith(_CARACAL)}
    ours = _parse_baggage(envelope.get("baggage", "")) or {}
    for key, value in ours.items():
        if key.startswith(_CARACAL) or key not in merged:
            merged[key] = value
    foreign = sorted(k for k in merged if not k.startswith(_CARACAL))
    while (len(merged) > _MAX_MEMBERS or len(_render(merged)) > _MAX_BYTES) and foreign:
        del merged[foreign.pop()]
    if merged:
        out.append(("baggage", _render(merged)))
    return out
