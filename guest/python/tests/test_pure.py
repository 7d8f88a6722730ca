"""Host-side tests of the SDK's pure parts (no component needed).

Run with any CPython >= 3.11, with pytest (``python3 -m pytest
guest/python/tests``) or without (``python3 guest/python/tests/test_pure.py``,
as the test suite does).
The parts that call the host are tested by building and running the
examples (see BUILD.md).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from caracalai import DelegationConstraints, Grant, Lease, SessionStatus
from caracalai._convert import headers as headers_from_wit
from caracalai._entry import exit_code
from caracalai._merge import apply_envelope
from caracalai._route import is_routed, split_url
from caracalai.transport import Headers, _LineSplitter


@contextmanager
def raises(kind: type[BaseException], match: str | None = None) -> Iterator[None]:
    """``pytest.raises`` without pytest: the block must raise ``kind``."""
    try:
        yield
    except kind as error:
        if match is not None and not re.search(match, str(error)):
            raise AssertionError(f"{error!r} does not match {match!r}") from error
    else:
        raise AssertionError(f"{kind.__name__} not raised")


def test_prefix_matches_on_a_segment_boundary() -> None:
    prefixes = ["http://h/api"]
    assert is_routed("http://h/api", prefixes)
    assert is_routed("http://h/api/", prefixes)
    assert is_routed("http://h/api/x/y?q=1", prefixes)
    assert is_routed("http://h/api?q=1", prefixes)
    assert not is_routed("http://h/apix", prefixes)
    assert not is_routed("http://h/", prefixes)
    assert not is_routed("http://h/other/api", prefixes)
    assert is_routed("http://h/api/x", ["http://h/api/"])


def test_origin_is_normalised() -> None:
    prefixes = ["HTTPS://API.Example.:443/Tickets"]
    assert is_routed("https://api.example/Tickets/7", prefixes)
    assert is_routed("https://api.example:443/Tickets", prefixes)
    assert not is_routed("https://api.example/tickets", prefixes)
    assert not is_routed("http://api.example/Tickets", prefixes)
    assert not is_routed("https://api.example:8443/Tickets", prefixes)
    ip = ["http://[::1]:8080/x", "http://127.0.0.1:9/y"]
    assert is_routed("http://[0:0:0:0:0:0:0:1]:8080/x/1", ip)
    assert is_routed("http://127.0.0.1:9/y", ip)
    assert not is_routed("http://127.0.0.1:8080/x", ip)


def test_odd_urls_match_nothing() -> None:
    prefixes = ["http://h/api", "http://h"]
    assert not is_routed("http://user@h/api", prefixes)
    assert not is_routed("http://h/api/../admin", prefixes)
    assert not is_routed("http://h/api/%2E%2e/admin", prefixes)
    assert not is_routed("ftp://h/api", prefixes)
    assert not is_routed("/api", prefixes)
    assert not is_routed("http://h:0/api", prefixes)
    assert not is_routed("http://h:x/api", prefixes)
    assert not is_routed("http://h/api", ["http://h/api?x=1", "not a url"])
    assert is_routed("http://h/api#frag", prefixes)


def test_split_url() -> None:
    assert split_url("HTTP://h:1/a?b#c") == ("http", "h:1", "/a?b")
    assert split_url("https://h?q") == ("https", "h", "/?q")
    assert split_url("https://h") == ("https", "h", "/")
    assert split_url("h/a") is None


ENVELOPE = {
    "authorization": "Bearer session-token",
    "traceparent": "00-11111111111111111111111111111111-2222222222222222-01",
    "baggage": "caracal.session=s1,caracal.hop=1,shared=ours",
}


def test_envelope_replaces_authorization_and_merges_baggage() -> None:
    out = dict(
        apply_envelope(
            [
                ("authorization", "Basic x"),
                ("baggage", "foo=1,caracal.session=forged,shared=theirs"),
            ],
            ENVELOPE,
        )
    )
    assert out["authorization"] == "Bearer session-token"
    assert out["traceparent"] == ENVELOPE["traceparent"]
    assert out["baggage"] == "foo=1,shared=theirs,caracal.session=s1,caracal.hop=1"


def test_a_valid_request_traceparent_is_kept_with_its_tracestate() -> None:
    mine = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    out = dict(apply_envelope([("traceparent", mine), ("tracestate", "a=b")], ENVELOPE))
    assert out["traceparent"] == mine
    assert out["tracestate"] == "a=b"
    bad = dict(apply_envelope([("traceparent", "junk"), ("tracestate", "a=b")], ENVELOPE))
    assert bad["traceparent"] == ENVELOPE["traceparent"]
    assert "tracestate" not in bad


def test_baggage_limits_drop_foreign_members_last_key_first() -> None:
    foreign = ",".join(f"k{i:02}=v" for i in range(70))
    out = dict(apply_envelope([("baggage", foreign)], ENVELOPE))
    members = out["baggage"].split(",")
    assert len(members) <= 64
    assert "caracal.session=s1" in members


def test_line_splitter_handles_split_crlf() -> None:
    splitter = _LineSplitter()
    assert splitter.feed("data: a\r") == []
    assert splitter.feed("\n\r\ndata: b\n") == ["data: a", "", "data: b"]
    assert splitter.feed("tail") == []
    assert splitter.flush() == ["tail"]


def test_headers_are_case_insensitive_and_multi_valued() -> None:
    headers = Headers([("Set-Cookie", "a=1"), ("set-cookie", "b=2"), ("Content-Type", "x")])
    assert headers["content-type"] == "x"
    assert headers.get_list("SET-COOKIE") == ["a=1", "b=2"]
    assert list(headers) == ["set-cookie", "content-type"]
    assert len(headers) == 2


def test_grants() -> None:
    narrow = Grant.narrow(
        "tickets:read", resource_id="resource://t", constraints=DelegationConstraints(max_hops=1)
    )
    assert narrow.scopes == ("tickets:read",)
    assert Grant.none().mode == "none"
    assert Grant.inherit().mode == "inherit"
    with raises(ValueError, match="positive"):
        Grant.narrow(["a"], ttl_seconds=0)


def test_results_are_awaitable() -> None:
    import asyncio

    lease = Lease(deadline_ms=1, generation=2, status=SessionStatus.ACTIVE)

    async def get() -> Lease:
        return await lease

    assert asyncio.run(get()) is lease


def test_exit_codes() -> None:
    assert exit_code(lambda: None) == 0
    assert exit_code(lambda: 7) == 7
    assert exit_code(lambda: 300) == 1

    def stop() -> None:
        raise SystemExit(4)

    def boom() -> None:
        raise RuntimeError("boom")

    assert exit_code(stop) == 4
    assert exit_code(boom) == 1


def test_the_hosts_header_pairs_read_as_a_dict_and_a_repeated_name_is_joined() -> None:
    pairs = [("authorization", "Bearer t"), ("traceparent", "00-ab-cd-01")]
    assert headers_from_wit(pairs) == dict(pairs)
    assert headers_from_wit([("a", "1"), ("b", "2"), ("a", "3")]) == {"a": "1,3", "b": "2"}
    assert headers_from_wit([]) == {}


if __name__ == "__main__":
    tests: list[tuple[str, Callable[[], None]]] = [
        (name, value) for name, value in list(globals().items()) if name.startswith("test_")
    ]
    for name, test in tests:
        test()
        print(f"ok {name}")
    print(f"{len(tests)} passed")
