"""Caracal for WebAssembly: the Python guest SDK (module ``caracalai``).

Governed, narrowing sessions for AI agents compiled to WebAssembly
components with componentize-py. The host (``caracal-host``) owns every
session, delegation edge and lease; an agent spawns sessions, hands
children narrower grants, projects a session into outbound headers and
calls out through :meth:`Caracal.transport`. The agent never holds an
upstream credential: the host injects those on its side of the sandbox.

Example::

    from caracalai import Caracal, Grant

    caracal = Caracal()

    async def main() -> None:
        async with caracal.spawn(labels=["triage"]) as parent:
            async with caracal.spawn(grant=Grant.narrow(["tickets:read"])):
                print(caracal.headers()["traceparent"])

The API follows the upstream Caracal Python guide and accepts caracalai
1.0.0's names as well (``session``/``start_session``, ``Authority``,
``authority=``, ``headers(as_application=...)``). See ``guest/python/BUILD.md``
for how an agent is built.
"""

from .aio import WasiEventLoop, run
from .client import Caracal
from .errors import (
    AccessDenied,
    BodyStreamError,
    CaracalError,
    DeniedError,
    GoneError,
    HTTPError,
    HTTPStatusError,
    InvalidError,
    InvalidRequest,
    InvalidRequestError,
    LimitError,
    NoContextError,
    NotFoundError,
    RequestDeniedError,
    ResourceNotFound,
    ServiceUnavailable,
    TransportError,
    UnavailableError,
)
from .models import (
    Authority,
    ChainLink,
    ContextInfo,
    Delegation,
    DelegationConstraints,
    Grant,
    Lease,
    Lifecycle,
    SessionStatus,
)
from .session import Binding, Session
from .transport import AsyncTransport, Headers, Response, Transport

SessionHandle = Session
"""Upstream caracalai 1.0.0's name for the handle :meth:`Caracal.start_session` returns."""

CaracalContext = Session
"""Upstream caracalai 1.0.0's name for what ``async with caracal.session()`` yields."""

__version__ = "0.1.0"

__all__ = [
    "AccessDenied",
    "AsyncTransport",
    "Authority",
    "Binding",
    "BodyStreamError",
    "Caracal",
    "CaracalContext",
    "CaracalError",
    "ChainLink",
    "ContextInfo",
    "Delegation",
    "DelegationConstraints",
    "DeniedError",
    "GoneError",
    "Grant",
    "HTTPError",
    "HTTPStatusError",
    "Headers",
    "InvalidError",
    "InvalidRequest",
    "InvalidRequestError",
    "Lease",
    "Lifecycle",
    "LimitError",
    "NoContextError",
    "NotFoundError",
    "RequestDeniedError",
    "ResourceNotFound",
    "Response",
    "ServiceUnavailable",
    "Session",
    "SessionHandle",
    "SessionStatus",
    "Transport",
    "TransportError",
    "UnavailableError",
    "WasiEventLoop",
    "__version__",
    "run",
]
