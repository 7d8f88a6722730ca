"""An httpx-style HTTP client over ``wasi:http`` that carries the Caracal envelope.

:meth:`Caracal.transport` makes a :class:`Transport`. It holds only settings:
the envelope comes from the session bound *when a request is sent*, so one
transport serves every session. For each request:

- **Which requests.** With ``propagation="gateway-only"`` (the default) only
  a URL under one of the host's gateway-routed prefixes
  (``outbound.routed-prefixes``: the ``gateway_url`` and every resource's
  ``upstream_prefix``) carries the envelope; the host applies the same rule
  and strips it elsewhere. ``"always"`` puts it on every request,
  ``"never"`` on none.
- **Which context.** ``ctx`` if given, else the innermost bound session,
  else the root context when ``allow_root=True``, else
  :class:`~caracalai.NoContextError`. A request without the envelope needs
  no context.
- **Headers.** The envelope's ``authorization`` replaces the request's; a
  request's own valid ``traceparent`` is kept with its ``tracestate``;
  ``baggage`` is merged (its ``caracal.*`` members are the envelope's).
- **Answers.** Any status is a :class:`Response`; a request the host refuses
  raises :class:`~caracalai.RequestDeniedError`; redirects are never
  followed.

Sync: ``client.get(url)``; async: ``async with caracal.transport() as
client: await client.get(url)`` (the ``async with`` gives an
:class:`AsyncTransport` with the same settings). Streaming:
``with client.stream("POST", url, json=...) as response: for line in
response.iter_lines(): ...`` (``async with`` / ``aiter_lines`` on the async
client).
"""

from __future__ import annotations

import codecs
import json as jsonlib
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from http import HTTPStatus
from typing import Any, TypeAlias
from urllib.parse import urlencode

from . import _binding, _convert, _merge, _route
from . import _bindings as wit
from ._wasi_http import Exchange
from .errors import BodyStreamError, HTTPStatusError, InvalidRequestError, NoContextError
from .session import Session

__all__ = ["AsyncTransport", "Headers", "Response", "Transport"]

HeaderTypes: TypeAlias = Mapping[str, str] | Sequence[tuple[str, str]] | None
ParamTypes: TypeAlias = Mapping[str, Any] | Sequence[tuple[str, Any]] | str | None
_UNSET: Any = object()
_PROPAGATIONS = ("gateway-only", "always", "never")


class Headers(Mapping[str, str]):
    """Case-insensitive, multi-valued HTTP headers (``response.headers``).

    ``headers["content-type"]`` joins repeated values with ``", "``;
    :meth:`get_list` returns them one by one.
    """

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        """Headers from ``(name, value)`` pairs."""
        self._items = [(name.lower(), value) for name, value in items]

    def __getitem__(self, name: str) -> str:
        """All values of ``name``, joined with ``", "``."""
        values = self.get_list(name)
        if not values:
            raise KeyError(name)
        return ", ".join(values)

    def __iter__(self) -> Iterator[str]:
        """Each header name once, lowercase, in order of first appearance."""
        return iter(dict.fromkeys(name for name, _ in self._items))

    def __len__(self) -> int:
        """The number of distinct names."""
        return len({name for name, _ in self._items})

    def get_list(self, name: str) -> list[str]:
        """Every value of ``name``, in order."""
        key = name.lower()
        return [value for n, value in self._items if n == key]

    def multi_items(self) -> list[tuple[str, str]]:
        """Every ``(name, value)`` pair, repeats included."""
        return list(self._items)

    def __repr__(self) -> str:
        """``Headers([...])``."""
        return f"Headers({self._items!r})"


def _charset(content_type: str | None) -> str | None:
    if not content_type:
        return None
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            return value.strip("\"'")
    return None


class _LineSplitter:
    """Splits decoded text into lines on LF, CRLF or CR, across chunks."""

    def __init__(self) -> None:
        self._buffer = ""

    def feed(self, text: str) -> list[str]:
        self._buffer += text
        pieces = self._buffer.splitlines(keepends=True)
        lines: list[str] = []
        self._buffer = ""
        for index, piece in enumerate(pieces):
            last = index == len(pieces) - 1
            # A trailing "\r" may be the first half of "\r\n": wait for more.
            if last and (not piece.endswith(("\n", "\r")) or piece.endswith("\r")):
                self._buffer = piece
                break
            lines.append(piece.rstrip("\r\n"))
        return lines

    def flush(self) -> list[str]:
        rest, self._buffer = self._buffer, ""
        return [rest.rstrip("\r\n")] if rest else []


class Response:
    """An HTTP response: status, headers and a body read whole or streamed.

    From :meth:`Transport.request` (and ``get``/``post``/...) the body is
    already read: use :attr:`content`, :attr:`text` or :meth:`json`. From
    :meth:`Transport.stream` it is read as you iterate: :meth:`iter_bytes`,
    :meth:`iter_text`, :meth:`iter_lines` (``aiter_*`` in async code), or
    :meth:`read` / :meth:`aread` for all of it.
    """

    def __init__(self, method: str, url: str, exchange: Exchange) -> None:
        """Wrap an exchange whose response head has arrived (the transport makes these)."""
        self.request_method = method
        self.url = url
        self.status_code: int = exchange.status
        self.headers = Headers(exchange.headers)
        self._exchange: Exchange | None = exchange
        self._content: bytes | None = None
        self.is_stream_consumed = False

    # -- status -----------------------------------------------------------------

    @property
    def reason_phrase(self) -> str:
        """The standard reason phrase for :attr:`status_code` (``""`` if unknown)."""
        try:
            return HTTPStatus(self.status_code).phrase
        except ValueError:
            return ""

    @property
    def is_success(self) -> bool:
        """2xx."""
        return 200 <= self.status_code < 300

    @property
    def is_redirect(self) -> bool:
        """3xx (never followed)."""
        return 300 <= self.status_code < 400

    @property
    def is_error(self) -> bool:
        """4xx or 5xx."""
        return self.status_code >= 400

    def raise_for_status(self) -> Response:
        """Raise :class:`~caracalai.HTTPStatusError` for a 4xx/5xx; else return ``self``."""
        if self.is_error:
            raise HTTPStatusError(
                f"{self.status_code} {self.reason_phrase} for {self.request_method} {self.url}",
                response=self,
            )
        return self

    # -- whole body ---------------------------------------------------------------

    @property
    def encoding(self) -> str:
        """The body's text encoding: the ``content-type`` charset, else UTF-8."""
        return _charset(self.headers.get("content-type")) or "utf-8"

    @property
    def content(self) -> bytes:
        """The whole body (after :meth:`read` / :meth:`aread` for a streamed response)."""
        if self._content is None:
            raise BodyStreamError("the streamed body was not read: call read() or aread() first")
        return self._content

    @property
    def text(self) -> str:
        """The whole body decoded with :attr:`encoding` (invalid bytes replaced)."""
        return self.content.decode(self.encoding, errors="replace")

    def json(self, **kwargs: Any) -> Any:
        """The whole body parsed as JSON (``kwargs`` go to :func:`json.loads`)."""
        return jsonlib.loads(self.content, **kwargs)

    def read(self) -> bytes:
        """Read the rest of the body, blocking, and return all of it."""
        if self._content is None:
            self._content = b"".join(self._chunks())
        return self._content

    async def aread(self) -> bytes:
        """Read the rest of the body on the event loop and return all of it."""
        if self._content is None:
            parts = [chunk async for chunk in self._achunks()]
            self._content = b"".join(parts)
        return self._content

    # -- streaming ----------------------------------------------------------------

    def _start_stream(self) -> Exchange | None:
        if self._content is not None:
            return None
        if self.is_stream_consumed:
            raise BodyStreamError("the response body was already streamed")
        self.is_stream_consumed = True
        return self._exchange

    def _chunks(self) -> Iterator[bytes]:
        exchange = self._start_stream()
        if exchange is None:
            if self._content:
                yield self._content
            return
        while (chunk := exchange.read_chunk()) is not None:
            yield chunk

    async def _achunks(self) -> AsyncIterator[bytes]:
        exchange = self._start_stream()
        if exchange is None:
            if self._content:
                yield self._content
            return
        while (chunk := await exchange.aread_chunk()) is not None:
            yield chunk

    @staticmethod
    def _rechunk(chunk_size: int | None, buffer: bytearray, chunk: bytes) -> list[bytes]:
        if chunk_size is None:
            return [chunk] if chunk else []
        buffer.extend(chunk)
        out = []
        while len(buffer) >= chunk_size:
            out.append(bytes(buffer[:chunk_size]))
            del buffer[:chunk_size]
        return out

    def iter_bytes(self, chunk_size: int | None = None) -> Iterator[bytes]:
        """The body as it arrives, in host-sized chunks or of ``chunk_size`` bytes."""
        buffer = bytearray()
        for chunk in self._chunks():
            yield from self._rechunk(chunk_size, buffer, chunk)
        if buffer:
            yield bytes(buffer)

    iter_raw = iter_bytes

    def iter_text(self) -> Iterator[str]:
        """The body as decoded text, as it arrives."""
        decoder = codecs.getincrementaldecoder(self.encoding)(errors="replace")
        for chunk in self._chunks():
            if text := decoder.decode(chunk):
                yield text
        if text := decoder.decode(b"", final=True):
            yield text

    def iter_lines(self) -> Iterator[str]:
        """The body as text lines (without line endings), as they arrive."""
        splitter = _LineSplitter()
        for text in self.iter_text():
            yield from splitter.feed(text)
        yield from splitter.flush()

    async def aiter_bytes(self, chunk_size: int | None = None) -> AsyncIterator[bytes]:
        """:meth:`iter_bytes` on the event loop."""
        buffer = bytearray()
        async for chunk in self._achunks():
            for piece in self._rechunk(chunk_size, buffer, chunk):
                yield piece
        if buffer:
            yield bytes(buffer)

    aiter_raw = aiter_bytes

    async def aiter_text(self) -> AsyncIterator[str]:
        """:meth:`iter_text` on the event loop."""
        decoder = codecs.getincrementaldecoder(self.encoding)(errors="replace")
        async for chunk in self._achunks():
            if text := decoder.decode(chunk):
                yield text
        if text := decoder.decode(b"", final=True):
            yield text

    async def aiter_lines(self) -> AsyncIterator[str]:
        """:meth:`iter_lines` on the event loop."""
        splitter = _LineSplitter()
        async for text in self.aiter_text():
            for line in splitter.feed(text):
                yield line
        for line in splitter.flush():
            yield line

    # -- closing ------------------------------------------------------------------

    def close(self) -> None:
        """Release the body stream (an unread rest is abandoned)."""
        if self._exchange is not None:
            self._exchange.close()
            self._exchange = None

    async def aclose(self) -> None:
        """:meth:`close`, as a coroutine."""
        self.close()

    def __enter__(self) -> Response:
        """The response; closed when the block exits."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Close."""
        self.close()

    async def __aenter__(self) -> Response:
        """The response; closed when the block exits."""
        return self

    async def __aexit__(self, *exc: object) -> None:
        """Close."""
        self.close()

    def __repr__(self) -> str:
        """``<Response [200 OK]>``."""
        return f"<Response [{self.status_code} {self.reason_phrase}]>"


class _Prepared:
    """A request ready for the wire."""

    __slots__ = ("body", "headers", "method", "target", "timeout", "url")

    def __init__(
        self,
        method: str,
        url: str,
        target: _route.Target,
        headers: list[tuple[str, str]],
        body: bytes,
        timeout: float | None,
    ) -> None:
        self.method = method
        self.url = url
        self.target = target
        self.headers = headers
        self.body = body
        self.timeout = timeout

    def exchange(self) -> Exchange:
        return Exchange(
            self.method,
            self.target.scheme,
            self.target.authority,
            self.target.path_with_query,
            self.headers,
            self.body,
            self.timeout,
        )


def _header_pairs(headers: HeaderTypes) -> list[tuple[str, str]]:
    if headers is None:
        return []
    items = headers.items() if isinstance(headers, Mapping) else headers
    return [(str(name).lower(), str(value)) for name, value in items]


class _BaseTransport:
    """Settings and request preparation shared by the sync and async clients."""

    def __init__(
        self,
        *,
        allow_root: bool = False,
        ctx: Session | None = None,
        propagation: str = "gateway-only",
        timeout: float | None = None,
        headers: HeaderTypes = None,
        base_url: str | None = None,
    ) -> None:
        """Settings; see :meth:`Caracal.transport`."""
        if propagation not in _PROPAGATIONS:
            raise ValueError(f"propagation must be one of {_PROPAGATIONS}, not {propagation!r}")
        self.allow_root = allow_root
        self.ctx = ctx
        self.propagation = propagation
        self.timeout = timeout
        self.headers = _header_pairs(headers)
        self.base_url = base_url

    def _settings(self) -> dict[str, Any]:
        return {
            "allow_root": self.allow_root,
            "ctx": self.ctx,
            "propagation": self.propagation,
            "timeout": self.timeout,
            "headers": self.headers,
            "base_url": self.base_url,
        }

    def _url(self, url: str, params: ParamTypes) -> str:
        if self.base_url and "://" not in url:
            url = self.base_url.rstrip("/") + "/" + url.lstrip("/")
        if params:
            query = params if isinstance(params, str) else urlencode(params, doseq=True)
            url = url.split("#", 1)[0]
            url += ("&" if "?" in url else "?") + query
        return url

    def carries_envelope(self, url: str) -> bool:
        """Whether a request to ``url`` gets the Caracal envelope under this transport."""
        if self.propagation == "always":
            return True
        if self.propagation == "never":
            return False
        return _route.is_routed(url, wit.outbound.routed_prefixes())

    def _envelope(self) -> dict[str, str]:
        session = self.ctx if self.ctx is not None else _binding.innermost()
        if session is not None:
            return session.headers()
        if self.allow_root:
            return _convert.headers(wit.call(wit.sessions.headers, True))
        raise NoContextError()

    def prepare_headers(self, url: str, headers: HeaderTypes = None) -> dict[str, str]:
        """The headers a request to ``url`` would go out with (envelope applied).

        For logging, or for handing to another HTTP client. Framing
        (``content-length``) is not included.
        """
        pairs = self.headers + _header_pairs(headers)
        if self.carries_envelope(url):
            pairs = _merge.apply_envelope(pairs, self._envelope())
        return _convert.headers(pairs)

    def _prepare(
        self,
        method: str,
        url: str,
        *,
        params: ParamTypes = None,
        headers: HeaderTypes = None,
        content: bytes | str | Iterable[bytes] | None = None,
        data: Mapping[str, Any] | None = None,
        json: Any = _UNSET,
        timeout: float | None = _UNSET,
    ) -> _Prepared:
        method = method.upper()
        url = self._url(url, params)
        target = _route.split_url(url)
        if target is None:
            raise InvalidRequestError(f"the URL {url!r} is not an absolute http or https URL")
        if "@" in target.authority:
            raise InvalidRequestError(f"user info in the URL {url!r} is not supported")
        pairs = self.headers + _header_pairs(headers)
        names = {name for name, _ in pairs}
        body = b""
        if json is not _UNSET:
            body = jsonlib.dumps(json).encode("utf-8")
            if "content-type" not in names:
                pairs.append(("content-type", "application/json"))
        elif data is not None:
            body = urlencode(data, doseq=True).encode("utf-8")
            if "content-type" not in names:
                pairs.append(("content-type", "application/x-www-form-urlencoded"))
        elif isinstance(content, str):
            body = content.encode("utf-8")
        elif isinstance(content, (bytes, bytearray, memoryview)):
            body = bytes(content)
        elif content is not None:
            body = b"".join(content)
        if self.carries_envelope(url):
            pairs = _merge.apply_envelope(pairs, self._envelope())
        pairs = [(n, v) for n, v in pairs if n != "content-length"]
        if body or method in ("POST", "PUT", "PATCH"):
            pairs.append(("content-length", str(len(body))))
        return _Prepared(
            method,
            url,
            target,
            pairs,
            body,
            self.timeout if timeout is _UNSET else timeout,
        )


class Transport(_BaseTransport):
    """The synchronous client (see the module doc).

    ``async with`` on it gives an :class:`AsyncTransport` with the same settings.
    """

    def send_request(self, prepared: _Prepared, *, stream: bool) -> Response:
        """Send a prepared request; read the body unless ``stream``."""
        exchange = prepared.exchange()
        try:
            exchange.send()
        except BaseException:
            exchange.close()
            raise
        response = Response(prepared.method, prepared.url, exchange)
        if not stream:
            try:
                response.read()
            finally:
                response.close()
        return response

    def request(self, method: str, url: str, **kwargs: Any) -> Response:
        """Send a request and read the whole response.

        Keyword arguments: ``params`` (query), ``headers``, ``content``
        (bytes/str), ``data`` (form), ``json``, ``timeout`` (seconds, for
        connecting, the first byte and between bytes).
        """
        return self.send_request(self._prepare(method, url, **kwargs), stream=False)

    @contextmanager
    def stream(self, method: str, url: str, **kwargs: Any) -> Iterator[Response]:
        """Send a request; the block gets the response with its body still unread."""
        response = self.send_request(self._prepare(method, url, **kwargs), stream=True)
        try:
            yield response
        finally:
            response.close()

    def get(self, url: str, **kwargs: Any) -> Response:
        """``GET`` (see :meth:`request`)."""
        return self.request("GET", url, **kwargs)

    def head(self, url: str, **kwargs: Any) -> Response:
        """``HEAD`` (see :meth:`request`)."""
        return self.request("HEAD", url, **kwargs)

    def options(self, url: str, **kwargs: Any) -> Response:
        """``OPTIONS`` (see :meth:`request`)."""
        return self.request("OPTIONS", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> Response:
        """``DELETE`` (see :meth:`request`)."""
        return self.request("DELETE", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> Response:
        """``POST`` (see :meth:`request`)."""
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> Response:
        """``PUT`` (see :meth:`request`)."""
        return self.request("PUT", url, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> Response:
        """``PATCH`` (see :meth:`request`)."""
        return self.request("PATCH", url, **kwargs)

    @property
    def aio(self) -> AsyncTransport:
        """An :class:`AsyncTransport` with the same settings."""
        return AsyncTransport(**self._settings())

    def close(self) -> None:
        """Nothing to release (connections are pooled by the host); for httpx parity."""

    def __enter__(self) -> Transport:
        """The transport itself (sync use)."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Close."""
        self.close()

    async def __aenter__(self) -> AsyncTransport:
        """An :class:`AsyncTransport` with the same settings (async use)."""
        return self.aio

    async def __aexit__(self, *exc: object) -> None:
        """Close."""
        self.close()


class AsyncTransport(_BaseTransport):
    """The asynchronous client: the same surface as :class:`Transport`, awaited.

    Requests wait on ``wasi:io/poll`` through the SDK's event loop (the one
    the entry point runs ``async def main()`` on), so other tasks run while
    a response is on its way.
    """

    async def send_request(self, prepared: _Prepared, *, stream: bool) -> Response:
        """Send a prepared request; read the body unless ``stream``."""
        exchange = prepared.exchange()
        try:
            await exchange.asend()
        except BaseException:
            exchange.close()
            raise
        response = Response(prepared.method, prepared.url, exchange)
        if not stream:
            try:
                await response.aread()
            finally:
                response.close()
        return response

    async def request(self, method: str, url: str, **kwargs: Any) -> Response:
        """Send a request and read the whole response (see :meth:`Transport.request`)."""
        return await self.send_request(self._prepare(method, url, **kwargs), stream=False)

    @asynccontextmanager
    async def stream(self, method: str, url: str, **kwargs: Any) -> AsyncIterator[Response]:
        """Send a request; the block gets the response with its body still unread."""
        response = await self.send_request(self._prepare(method, url, **kwargs), stream=True)
        try:
            yield response
        finally:
            response.close()

    async def get(self, url: str, **kwargs: Any) -> Response:
        """``GET`` (see :meth:`request`)."""
        return await self.request("GET", url, **kwargs)

    async def head(self, url: str, **kwargs: Any) -> Response:
        """``HEAD`` (see :meth:`request`)."""
        return await self.request("HEAD", url, **kwargs)

    async def options(self, url: str, **kwargs: Any) -> Response:
        """``OPTIONS`` (see :meth:`request`)."""
        return await self.request("OPTIONS", url, **kwargs)

    async def delete(self, url: str, **kwargs: Any) -> Response:
        """``DELETE`` (see :meth:`request`)."""
        return await self.request("DELETE", url, **kwargs)

    async def post(self, url: str, **kwargs: Any) -> Response:
        """``POST`` (see :meth:`request`)."""
        return await self.request("POST", url, **kwargs)

    async def put(self, url: str, **kwargs: Any) -> Response:
        """``PUT`` (see :meth:`request`)."""
        return await self.request("PUT", url, **kwargs)

    async def patch(self, url: str, **kwargs: Any) -> Response:
        """``PATCH`` (see :meth:`request`)."""
        return await self.request("PATCH", url, **kwargs)

    async def aclose(self) -> None:
        """Nothing to release; for httpx parity."""

    async def __aenter__(self) -> AsyncTransport:
        """The transport itself."""
        return self

    async def __aexit__(self, *exc: object) -> None:
        """Close."""
        await self.aclose()
