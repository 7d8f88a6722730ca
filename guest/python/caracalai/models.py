"""Plain data the SDK hands out and takes: grants, constraints, snapshots.

These are ordinary frozen dataclasses and enums, independent of the
generated bindings. Results of calls that upstream's asynchronous API
awaits (:class:`Lease`, :class:`Delegation`) can also be awaited, which
returns the value itself, so ``await svc.heartbeat()`` and
``svc.heartbeat()`` both work.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

__all__ = [
    "Authority",
    "AwaitableList",
    "ChainLink",
    "ContextInfo",
    "Delegation",
    "DelegationConstraints",
    "Grant",
    "Lease",
    "Lifecycle",
    "SessionStatus",
]

_T = TypeVar("_T")


async def _ready(value: _T) -> _T:
    return value


class _Awaitable:
    """Mixin: awaiting the object returns it (the call already completed)."""

    def __await__(self: _T) -> Generator[Any, None, _T]:
        """Return ``self`` at once: the host call has already happened."""
        return _ready(self).__await__()


class AwaitableList(list[_T], _Awaitable):
    """A list that can also be awaited (returning itself), for upstream's ``await`` spellings."""


class SessionStatus(StrEnum):
    """Where a session is in its life."""

    ACTIVE = "active"
    """Live: headers and outbound calls are served."""
    SUSPENDED = "suspended"
    """Held: a lease lapsed or an operator suspended it."""
    TERMINATED = "terminated"
    """Retired for good: closed, expired or revoked."""


class Lifecycle(StrEnum):
    """How a session's life is bounded."""

    TASK = "task"
    """Retired when its scope ends or its TTL expires."""
    SERVICE = "service"
    """Lives as long as its heartbeat lease is renewed."""


@dataclass(frozen=True)
class DelegationConstraints:
    """Bounds on what a delegation edge may be narrowed into further.

    Every field defaults to the host's default (``None``).
    """

    max_hops: int | None = None
    """How many further hops may follow this edge (host default 1: none)."""
    budget: int | None = None
    """A narrowing bound on sub-grants (host default: the number of scopes)."""
    resources: Sequence[str] | None = None
    """Resource ids that sub-grants may name."""
    ttl_seconds: int | None = None
    """Longest TTL, in seconds, that a sub-grant may carry."""
    max_calls: int | None = None
    """Outbound calls the host meters under this edge."""


@dataclass(frozen=True)
class Grant:
    """What authority a child session starts with.

    Make one with :meth:`inherit` (the default: the parent's effective
    authority), :meth:`none` (no delegated authority) or :meth:`narrow` (a
    smaller slice of the parent's). The host refuses, with
    :class:`~caracalai.DeniedError`, a narrow grant that would widen the
    parent's authority. ``Authority`` is the same class under upstream
    caracalai 1.0.0's name.
    """

    mode: str = "inherit"
    """``"inherit"``, ``"none"`` or ``"narrow"``."""
    scopes: tuple[str, ...] = ()
    """Scopes of a narrow grant; each must be held by the parent."""
    resource_id: str | None = None
    """The resource a narrow grant is bound to."""
    constraints: DelegationConstraints | None = None
    """Bounds on further delegation from a narrow grant."""
    ttl_seconds: int | None = None
    """Lifetime of a narrow grant in seconds (default: the session's TTL)."""

    @staticmethod
    def inherit() -> Grant:
        """The parent's effective authority (a narrowed parent's slice is mirrored)."""
        return Grant(mode="inherit")

    @staticmethod
    def none() -> Grant:
        """No delegated authority at all."""
        return Grant(mode="none")

    @staticmethod
    def narrow(
        scopes: Sequence[str] | str,
        *,
        resource_id: str | None = None,
        constraints: DelegationConstraints | None = None,
        ttl_seconds: int | None = None,
    ) -> Grant:
        """A narrower slice of the parent's authority: ``scopes`` on ``resource_id``.

        ``scopes`` is a list of scope strings (a single string is one scope).
        """
        if isinstance(scopes, str):
            scopes = [scopes]
        if ttl_seconds is not None and (
            isinstance(ttl_seconds, bool) or not isinstance(ttl_seconds, int) or ttl_seconds <= 0
        ):
            raise ValueError("Grant.narrow ttl_seconds must be a positive integer")
        return Grant(
            mode="narrow",
            scopes=tuple(scopes),
            resource_id=resource_id,
            constraints=constraints,
            ttl_seconds=ttl_seconds,
        )


Authority = Grant
"""Upstream caracalai 1.0.0's name for :class:`Grant`."""


@dataclass(frozen=True)
class ContextInfo:
    """A snapshot of a context: the root context or a session."""

    zone_id: str
    """The zone every session of this host belongs to."""
    application_id: str
    """The application whose authority the root context carries."""
    session_id: str | None
    """The session id (UUIDv7); ``None`` for the root context."""
    delegation_id: str | None
    """The delegation edge this context presents, if any."""
    parent_delegation_id: str | None
    """The edge that delegation was narrowed from, if any."""
    trace_id: str
    """W3C trace id (32 lowercase hex digits) shared by the session tree."""
    hop: int
    """Delegation hops between the application and this context."""
    labels: tuple[str, ...]
    """The session's labels."""
    lifecycle: Lifecycle | None
    """The session's lifecycle; ``None`` for the root context."""
    status: SessionStatus
    """The session's status."""
    expires_at_ms: int | None
    """Unix time in milliseconds when the session expires, if it does."""
    depth: int
    """Nesting depth: 0 for the root context."""


@dataclass(frozen=True)
class Lease(_Awaitable):
    """A service session's lease after a renewal (awaitable: returns itself)."""

    deadline_ms: int
    """Unix time in milliseconds when the lease lapses unless renewed."""
    generation: int
    """Fencing token: grows on every takeover; a stale holder is refused."""
    status: SessionStatus
    """The session's status after the renewal."""


@dataclass(frozen=True)
class Delegation(_Awaitable):
    """An offered delegation edge (awaitable: returns itself)."""

    delegation_id: str
    """The delegation id (UUIDv7); the receiver accepts it by this id."""
    scopes: tuple[str, ...]
    """Scopes delegated."""
    expires_at_ms: int
    """Unix time in milliseconds when it expires."""
    hop: int
    """Delegation hops between the application and this edge."""
    to_session_id: str
    """The session it is offered to."""
    to_application_id: str
    """That session's application."""

    @property
    def id(self) -> str:
        """The delegation id (same as :attr:`delegation_id`)."""
        return self.delegation_id


@dataclass(frozen=True)
class ChainLink:
    """One link of a session's chain of authority, from the session up to its application."""

    zone_id: str
    """The subject's zone."""
    application_id: str
    """The subject's application."""
    session_id: str
    """The session."""
    delegation_id: str | None
    """The delegation the session holds in the chain, if any."""
    parent_delegation_id: str | None
    """The delegation that one was narrowed from, if any."""
    scopes: tuple[str, ...]
    """Scopes held (``*`` for the application's own authority)."""
    hop: int
    """Delegation hops from the application."""
