""":class:`Session`: a governed session owned by the host, and :class:`Binding`."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Generator, Sequence
from types import TracebackType
from typing import Any

from . import _binding, _convert
from . import _bindings as wit
from .errors import GoneError, InvalidError
from .models import (
    AwaitableList,
    ChainLink,
    ContextInfo,
    Delegation,
    DelegationConstraints,
    Grant,
    Lease,
    Lifecycle,
    SessionStatus,
)

__all__ = ["Binding", "Session"]


async def _ready(value: Any) -> Any:
    return value


def _interval_ms(heartbeat_interval: float | None) -> int | None:
    """Seconds (``None``, 0 or negative: manual renewal) as host milliseconds."""
    if heartbeat_interval is None or heartbeat_interval <= 0:
        return None
    if isinstance(heartbeat_interval, bool) or not math.isfinite(heartbeat_interval):
        raise InvalidError("heartbeat_interval must be a finite number of seconds")
    return max(1, round(heartbeat_interval * 1000))


def spawn_task(
    parent: Session | None,
    labels: Sequence[str] | str | None,
    grant: Grant | None,
    ttl_seconds: int | None,
) -> Session:
    """Spawn a task session under ``parent`` (``None``: the root context) and bind it."""
    options = wit.types.SpawnOptions(
        labels=_convert.labels(labels), grant=_convert.grant(grant), ttl_seconds=ttl_seconds
    )
    spawn = wit.sessions.spawn if parent is None else parent.resource.spawn
    return Session(wit.call(spawn, options), Lifecycle.TASK)


def spawn_service(
    parent: Session | None,
    labels: Sequence[str] | str | None,
    grant: Grant | None,
    heartbeat_interval: float | None,
) -> Session:
    """Spawn a service session under ``parent`` (``None``: the root context) and bind it."""
    options = wit.types.ServiceOptions(
        labels=_convert.labels(labels),
        grant=_convert.grant(grant),
        heartbeat_interval_ms=_interval_ms(heartbeat_interval),
    )
    spawn = wit.sessions.spawn_service if parent is None else parent.resource.spawn_service
    return Session(wit.call(spawn, options), Lifecycle.SERVICE)


class Session:
    """A governed session: the host owns it, this object is its handle.

    Spawning a session binds it as the innermost context of the current
    task: :meth:`Caracal.spawn`, :meth:`Caracal.headers` and
    :meth:`Caracal.transport` act on it until it is closed. Use it as
    ``with session:`` / ``async with session:`` (closed when the block
    exits), or close it yourself with :meth:`close` / :meth:`aclose`.
    ``await caracal.spawn_service(...)`` returns the session itself.
    Closing retires the session and its descendants on the host; so does
    dropping the last reference to an unclosed session.
    """

    def __init__(self, resource: Any, lifecycle: Lifecycle | None = None) -> None:
        """Wrap a WIT ``session`` handle and bind it (the SDK makes these)."""
        self.resource = resource
        self._lifecycle = lifecycle
        self._id: str | None = None
        self._closed = False
        self._key = _binding.push(self)

    # -- identity and state -------------------------------------------------

    @property
    def id(self) -> str:
        """The session id (UUIDv7)."""
        if self._id is None:
            self._id = self.resource.id()
        return self._id

    @property
    def session_id(self) -> str:
        """The session id (upstream caracalai's name for :attr:`id`)."""
        return self.id

    @property
    def closed(self) -> bool:
        """Whether this handle closed the session."""
        return self._closed

    @property
    def lifecycle(self) -> Lifecycle:
        """``task`` or ``service``."""
        if self._lifecycle is None:
            lifecycle = self.context().lifecycle
            self._lifecycle = lifecycle or Lifecycle.TASK
        return self._lifecycle

    @property
    def status(self) -> SessionStatus:
        """The session's status now: ``suspended`` once its lease (or an ancestor's) lapsed."""
        return _convert.status(self.resource.status())

    def context(self) -> ContextInfo:
        """A snapshot of this session's context."""
        return _convert.context(wit.call(self.resource.context))

    def headers(self) -> dict[str, str]:
        """The outbound envelope: ``authorization``, ``traceparent``, ``tracestate``, ``baggage``.

        The bearer is a host-minted session token, never an upstream
        credential. Raises :class:`~caracalai.GoneError` once the session
        is closed or suspended.
        """
        return _convert.headers(wit.call(self.resource.headers))

    async def aheaders(self) -> dict[str, str]:
        """:meth:`headers`, as a coroutine."""
        return self.headers()

    # -- lease ----------------------------------------------------------------

    def heartbeat(self) -> Lease:
        """Renew a service session's lease from now and return it (awaitable too).

        Refused for a task (:class:`~caracalai.InvalidError`), for a holder
        fenced out by an attach elsewhere (:class:`~caracalai.DeniedError`)
        and once the lease lapsed (:class:`~caracalai.GoneError`).
        """
        return _convert.lease(wit.call(self.resource.heartbeat))

    async def aheartbeat(self) -> Lease:
        """:meth:`heartbeat`, as a coroutine."""
        return self.heartbeat()

    # -- retiring -------------------------------------------------------------

    def close(self) -> None:
        """Unbind the session and retire it and its descendants on the host.

        Closing twice is a no-op, and so is closing a session the host has
        already retired (revoked, expired, or closed with an ancestor). A
        service holder fenced out by an attach elsewhere is refused with
        :class:`~caracalai.DeniedError`.
        """
        if self._closed:
            return
        self._closed = True
        _binding.remove(self._key)
        with contextlib.suppress(GoneError):
            wit.call(self.resource.close)

    async def aclose(self) -> None:
        """:meth:`close`, as a coroutine."""
        self.close()

    def __enter__(self) -> Session:
        """Enter the session's block (it is already bound)."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close the session; a close error is raised only if the block succeeded."""
        try:
            self.close()
        except Exception:
            if exc is None:
                raise

    async def __aenter__(self) -> Session:
        """Enter the session's block (it is already bound)."""
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close the session, as :meth:`__exit__`."""
        self.__exit__(exc_type, exc, tb)

    def __await__(self) -> Generator[Any, None, Session]:
        """``await caracal.spawn_service(...)`` returns the session."""
        return _ready(self).__await__()

    # -- children -------------------------------------------------------------

    def spawn(
        self,
        *,
        labels: Sequence[str] | str | None = None,
        grant: Grant | None = None,
        ttl_seconds: int | None = None,
        authority: Grant | None = None,
    ) -> Session:
        """Spawn a task session as a child of this one (see :meth:`Caracal.spawn`)."""
        return spawn_task(self, labels, grant or authority, ttl_seconds)

    def spawn_service(
        self,
        *,
        labels: Sequence[str] | str | None = None,
        grant: Grant | None = None,
        heartbeat_interval: float | None = None,
        authority: Grant | None = None,
    ) -> Session:
        """Spawn a service session as a child of this one (see :meth:`Caracal.spawn_service`)."""
        return spawn_service(self, labels, grant or authority, heartbeat_interval)

    # -- delegation -----------------------------------------------------------

    def delegate(
        self,
        to_session_id: str,
        to_application_id: str | None = None,
        *,
        scopes: Sequence[str] | str,
        ttl_seconds: int = 300,
        resource_id: str | None = None,
        constraints: DelegationConstraints | None = None,
        parent_delegation_id: str | None = None,
    ) -> Delegation:
        """Offer a slice of this session's authority to another live session.

        ``to_application_id`` defaults to this session's own application.
        This session's own context is unchanged; the receiver accepts the
        offer by its id with :meth:`accept`.
        """
        if to_application_id is None:
            to_application_id = self.context().application_id
        request = wit.delegation.DelegateRequest(
            to_session_id=to_session_id,
            to_application_id=to_application_id,
            scopes=_convert.labels(scopes),
            ttl_seconds=ttl_seconds,
            resource_id=resource_id,
            constraints=_convert.constraints(constraints),
            parent_delegation_id=parent_delegation_id,
        )
        return _convert.offer(wit.call(wit.delegation.delegate, self.resource, request))

    def pending_delegations(self) -> list[Delegation]:
        """Offers made to this session and not yet accepted."""
        offers = wit.call(wit.delegation.pending_offers, self.resource)
        return [_convert.offer(item) for item in offers]

    def accept(self, delegation_id: str) -> Session:
        """Accept an offer made to this session: a new, bound child context at hop + 1."""
        accepted = wit.call(wit.delegation.accept, self.resource, delegation_id)
        return Session(accepted, None)

    accept_delegation = accept

    def revoke(self, delegation_id: str) -> AwaitableList[str]:
        """Revoke a delegation this session issued (or one downstream of it).

        Cascades through every edge and session derived from it; returns the
        delegation ids revoked (a list, also awaitable as in upstream).
        """
        return AwaitableList(wit.call(wit.delegation.revoke, self.resource, delegation_id))

    revoke_delegation = revoke

    def describe_authority(self) -> list[ChainLink]:
        """The chain of authority behind this session, from it up to its application."""
        links = wit.call(wit.delegation.describe_authority, self.resource)
        return [_convert.chain_link(link) for link in links]

    def __repr__(self) -> str:
        """``Session(id=..., closed=...)``."""
        return f"Session(id={self.id!r}, closed={self._closed})"


class Binding:
    """Keeps a captured session bound as the innermost context; see :meth:`Caracal.bind`.

    Bound as soon as it is made; unbound by :meth:`unbind` or when its
    ``with`` / ``async with`` block exits. It never closes the session.
    """

    def __init__(self, session: Session) -> None:
        """Bind ``session`` in the current context."""
        self.session = session
        self._key: int | None = _binding.push(session)

    def unbind(self) -> None:
        """Remove exactly this binding (a no-op the second time)."""
        if self._key is not None:
            _binding.remove(self._key)
            self._key = None

    release = unbind

    def __enter__(self) -> Session:
        """The bound session."""
        return self.session

    def __exit__(self, *exc: object) -> None:
        """Unbind."""
        self.unbind()

    async def __aenter__(self) -> Session:
        """The bound session."""
        return self.session

    async def __aexit__(self, *exc: object) -> None:
        """Unbind."""
        self.unbind()
