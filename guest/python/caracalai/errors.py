"""Typed exceptions: one per variant of the WIT ``caracal:agent/types.error``.

Every refusal by the host arrives as one of these, under the common base
:class:`CaracalError`; a policy denial or a bad argument never traps the
agent. Outbound HTTP failures are :class:`TransportError` subclasses (also
under :class:`CaracalError`); a request the host refuses is
:class:`RequestDeniedError`, which is also a :class:`DeniedError`.

Upstream ``caracalai`` 1.0.0 names are kept as aliases: ``AccessDenied``,
``InvalidRequest``, ``ResourceNotFound`` and ``ServiceUnavailable``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .transport import Response

__all__ = [
    "AccessDenied",
    "BodyStreamError",
    "CaracalError",
    "DeniedError",
    "GoneError",
    "HTTPError",
    "HTTPStatusError",
    "InvalidError",
    "InvalidRequest",
    "InvalidRequestError",
    "LimitError",
    "NoContextError",
    "NotFoundError",
    "RequestDeniedError",
    "ResourceNotFound",
    "ServiceUnavailable",
    "TransportError",
    "UnavailableError",
]


class CaracalError(Exception):
    """Base of every error the SDK raises for a refusal or a failed call.

    ``code`` names the kind (the WIT variant name for host refusals, such as
    ``"denied"``); ``message`` is the host's explanation. ``str(error)`` is
    ``"<code>: <message>"``.
    """

    code: str = "error"

    def __init__(self, message: str = "") -> None:
        """Wrap the host's ``message``."""
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        """One line: ``<code>: <message>``."""
        return f"{self.code}: {self.message}" if self.message else self.code


class DeniedError(CaracalError):
    """The request would widen authority, or policy forbids it (WIT ``denied``)."""

    code = "denied"


class InvalidError(CaracalError):
    """An argument is malformed or out of range (WIT ``invalid``)."""

    code = "invalid"


class NotFoundError(CaracalError):
    """The named session or delegation does not exist (WIT ``not-found``)."""

    code = "not-found"


class GoneError(CaracalError):
    """The session was closed, expired, revoked or suspended (WIT ``gone``)."""

    code = "gone"


class LimitError(CaracalError):
    """A capacity limit (depth, live children, ...) would be exceeded (WIT ``limit``)."""

    code = "limit"


class UnavailableError(CaracalError):
    """The host cannot serve the request right now (WIT ``unavailable``)."""

    code = "unavailable"


class TransportError(CaracalError):
    """Base of the errors of :meth:`Caracal.transport` requests.

    A response with any status (3xx, 4xx and 5xx included) is not an error:
    these are failures to get a response at all.
    """

    code = "transport"


class RequestDeniedError(TransportError, DeniedError):
    """The host denied the outbound request (``wasi:http`` ``HTTP-request-denied``).

    No resource binding or allow-list entry permits it, or the session's
    scopes, call budget or policy do not; or the session's authority was
    revoked while the body was being read. The host's audit log says why.
    """

    code = "denied"

    def __init__(self, message: str = "") -> None:
        """Default message: the host refused the request."""
        super().__init__(
            message
            or "the host denied the outbound request (HTTP-request-denied); its audit log says why"
        )


class NoContextError(TransportError):
    """The request would carry the Caracal envelope but no session is bound.

    Spawn a session first, or make the transport with ``allow_root=True``
    (``as_application=True``) to call with the application's own authority.
    """

    code = "no-context"

    def __init__(self, message: str = "") -> None:
        """Default message names the two fixes."""
        super().__init__(
            message
            or "no Caracal session is bound and this request would carry the "
            "Caracal envelope: spawn a session first, or make the transport "
            "with allow_root=True to call as the application"
        )


class InvalidRequestError(TransportError):
    """The request cannot be sent as built (relative URL, bad scheme, forbidden header...)."""

    code = "invalid-request"


class HTTPError(TransportError):
    """Any other ``wasi:http`` error code, by its WIT name (``connection-refused``...).

    ``wasi_code`` is the WIT name alone, without the payload.
    """

    code = "http"

    def __init__(self, message: str = "", *, wasi_code: str = "") -> None:
        """Keep the WIT name of the code in ``wasi_code``."""
        super().__init__(message)
        self.wasi_code = wasi_code or message


class BodyStreamError(TransportError):
    """Reading or writing a body stream failed."""

    code = "io"


class HTTPStatusError(TransportError):
    """Raised by :meth:`Response.raise_for_status` for a 4xx or 5xx response."""

    code = "status"

    def __init__(self, message: str, *, response: Response) -> None:
        """Keep the failed ``response``."""
        super().__init__(message)
        self.response = response


# Upstream caracalai 1.0.0 names.
AccessDenied = DeniedError
InvalidRequest = InvalidError
ResourceNotFound = NotFoundError
ServiceUnavailable = UnavailableError
