"""Which requests are gateway-routed: a URL against ``outbound.routed-prefixes``.

The rule is the host's: scheme and host compared case-insensitively (one
trailing dot of a name ignored, IP addresses compared as addresses), default
ports made explicit, and the prefix path a prefix of the request path on a
segment boundary (``/api`` covers ``/api`` and ``/api/x``, not ``/apix``).
Queries and fragments play no part. A URL with user info or a ``.``/``..``
path segment (also percent-encoded) matches nothing.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import NamedTuple

__all__ = ["is_routed", "split_url"]


class _Parsed(NamedTuple):
    scheme: str
    host: object
    port: int
    path: str
    query: str | None


class Target(NamedTuple):
    """The parts of an absolute URL that ``wasi:http`` takes."""

    scheme: str
    authority: str
    path_with_query: str


def split_url(url: str) -> Target | None:
    """``scheme``, ``authority`` and ``path?query`` of an http(s) URL (fragment dropped)."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.lower() not in ("http", "https"):
        return None
    rest = rest.split("#", 1)[0]
    cut = min((i for i in (rest.find("/"), rest.find("?")) if i >= 0), default=len(rest))
    authority, tail = rest[:cut], rest[cut:]
    if not authority:
        return None
    if tail.startswith("?"):
        tail = "/" + tail
    return Target(scheme.lower(), authority, tail or "/")


def _host(text: str) -> object | None:
    if text.startswith("["):
        if not text.endswith("]"):
            return None
        try:
            return ipaddress.IPv6Address(text[1:-1])
        except ValueError:
            return None
    try:
        return ipaddress.IPv4Address(text)
    except ValueError:
        pass
    name = text[:-1] if text.endswith(".") else text
    return name.lower() if name else None


def _parse(url: str) -> _Parsed | None:
    target = split_url(url)
    if target is None or "@" in target.authority:
        return None
    authority = target.authority
    if authority.startswith("["):
        end = authority.find("]")
        if end < 0:
            return None
        host_text, rest = authority[: end + 1], authority[end + 1 :]
        if rest and not rest.startswith(":"):
            return None
        port_text = rest[1:] if rest else None
    else:
        host_text, sep, port_text_raw = authority.partition(":")
        port_text = port_text_raw if sep else None
    default = 80 if target.scheme == "http" else 443
    if port_text is None:
        port = default
    elif port_text.isdigit() and port_text.isascii():
        port = int(port_text)
        if not 0 < port < 65536:
            return None
    else:
        return None
    host = _host(host_text)
    if host is None:
        return None
    path, sep, query = target.path_with_query.partition("?")
    return _Parsed(target.scheme, host, port, path or "/", query if sep else None)


def _has_dot_segment(path: str) -> bool:
    for segment in path.split("/"):
        lowered = segment.lower().replace("%2e", ".")
        if lowered in (".", ".."):
            return True
    return False


def is_routed(url: str, prefixes: Iterable[str]) -> bool:
    """Whether ``url`` lies under one of ``prefixes``."""
    target = _parse(url)
    if target is None or _has_dot_segment(target.path):
        return False
    for text in prefixes:
        prefix = _parse(text)
        if prefix is None or prefix.query is not None:
            continue
        if (prefix.scheme, prefix.host, prefix.port) != (target.scheme, target.host, target.port):
            continue
        base = prefix.path[:-1] if prefix.path.endswith("/") else prefix.path
        if target.path.startswith(base):
            rest = target.path[len(base) :]
            if not rest or rest.startswith("/"):
                return True
    return False
