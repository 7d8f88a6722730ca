"""One request/response exchange over ``wasi:http/outgoing-handler@0.2.12``.

The request body is written in chunks of at most 4096 bytes (the most one
``blocking-write-and-flush`` takes) after the request is handed to the host.
The response body is read lazily, chunk by chunk, blocking
(:meth:`Exchange.read_chunk`) or on the event loop (:meth:`Exchange.aread_chunk`).
``wasi:http`` never follows redirects.
"""

from __future__ import annotations

from typing import Any

from . import _bindings as wit
from .aio import wait_ready
from .errors import BodyStreamError, HTTPError, InvalidRequestError, RequestDeniedError

WRITE_CHUNK = 4096
READ_CHUNK = 64 * 1024
# How wasmtime-wasi-http words HTTP-request-denied in a body-stream error.
_HOST_DENIED_TEXT = "HTTP request denied"

_METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH")


def _wit_name(code: Any) -> str:
    """``ErrorCode_ConnectionRefused`` -> ``connection-refused`` (WIT spelling)."""
    name = type(code).__name__.removeprefix("ErrorCode_")
    special = {
        "DnsTimeout": "DNS-timeout",
        "DnsError": "DNS-error",
        "DestinationIpProhibited": "destination-IP-prohibited",
        "DestinationIpUnroutable": "destination-IP-unroutable",
        "TlsProtocolError": "TLS-protocol-error",
        "TlsCertificateError": "TLS-certificate-error",
        "TlsAlertReceived": "TLS-alert-received",
        "HttpRequestUriInvalid": "HTTP-request-URI-invalid",
        "HttpRequestUriTooLong": "HTTP-request-URI-too-long",
    }
    if name in special:
        return special[name]
    words: list[str] = []
    for ch in name:
        if ch.isupper() and words:
            words.append("-")
        words.append(ch.lower())
    text = "".join(words)
    return "HTTP-" + text[5:] if text.startswith("http-") else text


def from_code(code: Any) -> Exception:
    """A ``wasi:http`` ``error-code`` as a typed transport error."""
    if type(code).__name__ == "ErrorCode_HttpRequestDenied":
        return RequestDeniedError()
    name = _wit_name(code)
    payload = getattr(code, "value", None)
    detail = f"{name}: {payload}" if payload not in (None, "") else name
    return HTTPError(detail, wasi_code=name)


def _stream_error(error: Any) -> Exception:
    if type(error).__name__ == "StreamError_Closed":
        return BodyStreamError("the stream was closed")
    inner = error.value
    code = wit.http.http_error_code(inner)
    if code is not None:
        return from_code(code)
    text = inner.to_debug_string()
    # The host cuts a body off when the session's authority is revoked
    # mid-read; wasmtime gives that no error code, only this text.
    if text == _HOST_DENIED_TEXT:
        return RequestDeniedError()
    return BodyStreamError(text)


def _drop(resource: Any) -> None:
    if resource is not None:
        resource.__exit__(None, None, None)


def _method(name: str) -> Any:
    h = wit.http
    upper = name.upper()
    if upper in _METHODS:
        return getattr(h, "Method_" + upper.capitalize())()
    return h.Method_Other(name)


def _request_options(timeout: float | None) -> Any:
    if timeout is None:
        return None
    nanos = max(1, int(timeout * 1e9))
    options = wit.http.RequestOptions()
    for setter in ("set_connect_timeout", "set_first_byte_timeout", "set_between_bytes_timeout"):
        try:
            getattr(options, setter)(nanos)
        except wit.cpt.Err as error:
            raise InvalidRequestError(f"the host does not support {setter[4:]}") from error
    return options


class Exchange:
    """An outbound request in flight, then its response and body stream."""

    def __init__(
        self,
        method: str,
        scheme: str,
        authority: str,
        path_with_query: str,
        headers: list[tuple[str, str]],
        body: bytes,
        timeout: float | None,
    ) -> None:
        """Hand the request to the host (the body is written by :meth:`send`/:meth:`asend`)."""
        h = wit.http
        err = wit.cpt.Err
        try:
            fields = h.Fields.from_list([(n, v.encode("latin-1")) for n, v in headers])
        except err as error:
            kind = type(error.value).__name__
            bad = next((n for n, _ in headers if not _valid_name(n)), None)
            if kind == "HeaderError_Forbidden":
                raise InvalidRequestError(
                    "a header is forbidden by wasi:http (the host sets it): "
                    + ", ".join(n for n, _ in headers if n in _FORBIDDEN)
                ) from None
            raise InvalidRequestError(f"invalid header {bad or ''}".strip()) from None
        except UnicodeEncodeError as error:
            raise InvalidRequestError(f"header value is not latin-1: {error}") from None
        request = h.OutgoingRequest(fields)
        try:
            request.set_method(_method(method))
            request.set_scheme(h.Scheme_Https() if scheme == "https" else h.Scheme_Http())
            request.set_authority(authority)
            request.set_path_with_query(path_with_query)
        except err:
            raise InvalidRequestError(
                f"{method} {scheme}://{authority}{path_with_query} is not accepted"
            ) from None
        options = _request_options(timeout)
        self._body = body
        self._outgoing_body = request.body() if body else None
        try:
            self._future = wit.outgoing_handler.handle(request, options)
        except err as error:
            raise from_code(error.value) from None
        self.response: Any = None
        self._incoming_body: Any = None
        self._stream: Any = None
        self.status = 0
        self.headers: list[tuple[str, str]] = []

    # -- request body ---------------------------------------------------------

    def _write_blocking(self) -> None:
        stream = self._outgoing_body.write()
        try:
            for start in range(0, len(self._body), WRITE_CHUNK):
                stream.blocking_write_and_flush(self._body[start : start + WRITE_CHUNK])
        finally:
            _drop(stream)
        wit.http.OutgoingBody.finish(self._outgoing_body, None)

    async def _write_async(self) -> None:
        stream = self._outgoing_body.write()
        try:
            offset = 0
            while offset < len(self._body):
                room = stream.check_write()
                if room == 0:
                    await wait_ready(stream.subscribe())
                    continue
                chunk = self._body[offset : offset + min(room, WRITE_CHUNK)]
                stream.write(chunk)
                offset += len(chunk)
            # Wait until the flush is done. The host may close the stream as
            # soon as it has every byte `content-length` announced: that is
            # success too.
            try:
                stream.flush()
                while stream.check_write() == 0:
                    await wait_ready(stream.subscribe())
            except wit.cpt.Err as error:
                if type(error.value).__name__ != "StreamError_Closed":
                    raise
        finally:
            _drop(stream)
        wit.http.OutgoingBody.finish(self._outgoing_body, None)

    def _body_failed(self, result: Any, error: Exception) -> Exception:
        # A request that failed for a reason of its own (a denial, a refused
        # connection) aborts the body: that reason is the better error.
        cpt = wit.cpt
        if isinstance(result, cpt.Ok) and isinstance(result.value, cpt.Err):
            return from_code(result.value.value)
        return error

    def _wait_blocking(self) -> Any:
        while (result := self._future.get()) is None:
            pollable = self._future.subscribe()
            try:
                pollable.block()
            finally:
                _drop(pollable)
        return result

    async def _wait_async(self) -> Any:
        while (result := self._future.get()) is None:
            await wait_ready(self._future.subscribe())
        return result

    # -- response -------------------------------------------------------------

    def _take(self, result: Any) -> None:
        cpt = wit.cpt
        if isinstance(result, cpt.Err):
            raise BodyStreamError("the response was already taken")
        inner = result.value
        if isinstance(inner, cpt.Err):
            raise from_code(inner.value)
        response = inner.value if isinstance(inner, cpt.Ok) else inner
        self.response = response
        self.status = response.status()
        fields = response.headers()
        try:
            self.headers = [(n, v.decode("latin-1")) for n, v in fields.entries()]
        finally:
            _drop(fields)
        self._incoming_body = response.consume()
        self._stream = self._incoming_body.stream()

    def send(self) -> None:
        """Write the body and block until the response head arrives."""
        err = wit.cpt.Err
        if self._outgoing_body is not None:
            try:
                self._write_blocking()
            except err as error:
                failure = _stream_error(error.value)
                raise self._body_failed(self._wait_blocking(), failure) from None
        self._take(self._wait_blocking())

    async def asend(self) -> None:
        """Write the body and wait for the response head on the event loop."""
        err = wit.cpt.Err
        if self._outgoing_body is not None:
            try:
                await self._write_async()
            except err as error:
                failure = _stream_error(error.value)
                raise self._body_failed(await self._wait_async(), failure) from None
        self._take(await self._wait_async())

    def _finished(self) -> None:
        _drop(self._stream)
        self._stream = None
        if self._incoming_body is not None:
            _drop(wit.http.IncomingBody.finish(self._incoming_body))
            self._incoming_body = None
        _drop(self.response)
        self.response = None
        _drop(self._future)
        self._future = None

    def read_chunk(self) -> bytes | None:
        """The next chunk of the response body, blocking; ``None`` at its end."""
        if self._stream is None:
            return None
        try:
            return self._stream.blocking_read(READ_CHUNK)
        except wit.cpt.Err as error:
            if type(error.value).__name__ == "StreamError_Closed":
                self._finished()
                return None
            self.close()
            raise _stream_error(error.value) from None

    async def aread_chunk(self) -> bytes | None:
        """The next chunk of the response body, on the event loop; ``None`` at its end."""
        while self._stream is not None:
            try:
                chunk = self._stream.read(READ_CHUNK)
            except wit.cpt.Err as error:
                if type(error.value).__name__ == "StreamError_Closed":
                    self._finished()
                    return None
                self.close()
                raise _stream_error(error.value) from None
            if chunk:
                return chunk
            await wait_ready(self._stream.subscribe())
        return None

    def close(self) -> None:
        """Drop whatever is left of the exchange (an unread body is abandoned)."""
        _drop(self._stream)
        self._stream = None
        _drop(self._incoming_body)
        self._incoming_body = None
        _drop(self.response)
        self.response = None
        if self._future is not None:
            _drop(self._future)
            self._future = None


_FORBIDDEN = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "transfer-encoding",
    "upgrade",
    "host",
    "http2-settings",
    "te",
}


def _valid_name(name: str) -> bool:
    return bool(name) and all(c.isalnum() or c in "!#$%&'*+-.^_`|~" for c in name)
