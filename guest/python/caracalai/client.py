""":class:`Caracal`: the entry point, acting on the bound context or the root context."""

from __future__ import annotations

import weakref
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from . import _binding, _convert
from . import _bindings as wit
from .errors import InvalidError
from .models import (
    AwaitableList,
    ChainLink,
    ContextInfo,
    Delegation,
    DelegationConstraints,
    Grant,
    Lifecycle,
)
from .session import Binding, Session, _interval_ms, spawn_service, spawn_task

if TYPE_CHECKING:
    from .transport import Transport

__all__ = ["Caracal"]


def _pick_grant(grant: Grant | None, authority: Grant | None) -> Grant | None:
    if grant is not None and authority is not None and grant != authority:
        raise InvalidError("pass grant= or authority= (the same thing), not both")
    return grant if grant is not None else authority


class Caracal:
    """The Caracal client: spawns governed sessions and projects the bound one.

    The host provides the zone, the application and the root context, so
    there is nothing to configure: ``Caracal()`` reads no file and no
    environment. It keeps no state beyond the sessions it spawned (retired
    by :meth:`close`) and the ``allow_root`` default of :meth:`headers` and
    :meth:`transport`. Make one wherever it is needed.

    Both spellings of the API work: the upstream guide's (``spawn``,
    ``spawn_service``, ``Grant``, ``grant=``, ``headers(allow_root=...)``)
    and caracalai 1.0.0's (``session``, ``start_session``, ``Authority``,
    ``authority=``, ``headers(as_application=...)``).
    """

    def __init__(self, config: object | None = None, *, allow_root: bool = False) -> None:
        """A client. ``config`` is accepted for upstream compatibility and ignored.

        ``allow_root=True`` lets :meth:`headers` and :meth:`transport` use
        the root context (the application's own authority) when no session
        is bound; off by default, so work outside any session fails loudly.
        """
        del config
        self._allow_root = allow_root
        self._spawned: weakref.WeakSet[Session] = weakref.WeakSet()

    def _track(self, session: Session) -> Session:
        self._spawned.add(session)
        return session

    # -- spawning ---------------------------------------------------------------

    def spawn(
        self,
        *,
        labels: Sequence[str] | str | None = None,
        grant: Grant | None = None,
        parent_ctx: Session | None = None,
        ttl_seconds: int | None = None,
        authority: Grant | None = None,
    ) -> Session:
        """Spawn a task session and bind it as the innermost context.

        Its parent is ``parent_ctx``, else the innermost bound session,
        else the root context. ``labels`` describe the session for policy
        and audit (never grants); ``grant`` (or ``authority``) is what it
        may do, by default the parent's effective authority; ``ttl_seconds``
        bounds its life (host default 3600). The result is used as
        ``with`` / ``async with`` (closed when the block exits) or closed
        with :meth:`Session.close`. A widening grant is refused with
        :class:`~caracalai.DeniedError`.
        """
        parent = parent_ctx if parent_ctx is not None else _binding.innermost()
        session = spawn_task(parent, labels, _pick_grant(grant, authority), ttl_seconds)
        return self._track(session)

    def session(
        self,
        *,
        labels: Sequence[str] | str | None = None,
        authority: Grant | None = None,
        parent_ctx: Session | None = None,
        ttl_seconds: int | None = None,
        grant: Grant | None = None,
    ) -> Session:
        """Upstream caracalai 1.0.0's name for :meth:`spawn` (``async with caracal.session():``)."""
        return self.spawn(
            labels=labels,
            grant=grant,
            authority=authority,
            parent_ctx=parent_ctx,
            ttl_seconds=ttl_seconds,
        )

    def spawn_service(
        self,
        *,
        labels: Sequence[str] | str | None = None,
        grant: Grant | None = None,
        heartbeat_interval: float | None = None,
        parent_ctx: Session | None = None,
        authority: Grant | None = None,
    ) -> Session:
        """Spawn a service session (lease-bound, no TTL) and bind it.

        ``heartbeat_interval`` (seconds) asks the host to renew the lease
        from its own timer, so it stays current while the agent waits in a
        long host call (a streaming response, a slow tool); omit it to renew
        manually with :meth:`Session.heartbeat`. ``await`` on the result
        returns the session, so ``svc = await caracal.spawn_service(...)``
        works as in the upstream guide. The parent is chosen as for
        :meth:`spawn`.
        """
        parent = parent_ctx if parent_ctx is not None else _binding.innermost()
        session = spawn_service(parent, labels, _pick_grant(grant, authority), heartbeat_interval)
        return self._track(session)

    def start_session(
        self,
        *,
        labels: Sequence[str] | str | None = None,
        authority: Grant | None = None,
        parent_ctx: Session | None = None,
        heartbeat_interval: float | None = None,
        grant: Grant | None = None,
    ) -> Session:
        """Upstream caracalai 1.0.0's name for :meth:`spawn_service` (``await`` it or not)."""
        return self.spawn_service(
            labels=labels,
            grant=grant,
            authority=authority,
            parent_ctx=parent_ctx,
            heartbeat_interval=heartbeat_interval,
        )

    def attach(self, session_id: str, *, heartbeat_interval: float | None = None) -> Session:
        """Take over a live service session by id (one left by a crashed worker).

        The lease generation goes up by one and the lease is renewed, so the
        previous holder's heartbeat and close are refused from then on. The
        session is bound. Refused for a task (:class:`~caracalai.InvalidError`),
        an unknown id (:class:`~caracalai.NotFoundError`) and a suspended or
        retired session (:class:`~caracalai.GoneError`).
        """
        resource = wit.call(wit.sessions.attach, session_id, _interval_ms(heartbeat_interval))
        return self._track(Session(resource, Lifecycle.SERVICE))

    attach_session = attach

    # -- the bound context ------------------------------------------------------

    def current(self) -> Session | None:
        """The innermost bound session of this task, or ``None``."""
        return _binding.innermost()

    def context(self) -> ContextInfo:
        """A snapshot of the bound session's context, else of the root context."""
        bound = _binding.innermost()
        if bound is not None:
            return bound.context()
        return _convert.context(wit.sessions.context())

    def bind(self, ctx: Session) -> Binding:
        """Bind a captured session as the innermost context (for background work).

        Plain: ``binding = caracal.bind(ctx)`` binds until
        ``binding.unbind()``. Scoped: ``with caracal.bind(ctx):`` or
        ``async with caracal.bind(ctx):`` unbinds when the block exits.
        Binding never closes the session.
        """
        if not isinstance(ctx, Session):
            raise TypeError(
                "Caracal.bind takes a Session (from spawn(), current() or a "
                f"session's block), not {type(ctx).__name__}"
            )
        return Binding(ctx)

    def headers(
        self,
        allow_root: bool = False,
        *,
        as_application: bool | None = None,
        ctx: Session | None = None,
    ) -> dict[str, str]:
        """The outbound envelope of ``ctx``, else of the bound session.

        With nothing bound the root context's, which the host refuses with
        :class:`~caracalai.DeniedError` unless ``allow_root=True`` (upstream:
        ``as_application=True``) or the client was made with it. The
        envelope is ``authorization`` (a host-minted session token, never an
        upstream credential), ``traceparent``, ``tracestate`` when present,
        and ``baggage``.
        """
        session = ctx if ctx is not None else _binding.innermost()
        if session is not None:
            return session.headers()
        root = allow_root or bool(as_application) or self._allow_root
        return _convert.headers(wit.call(wit.sessions.headers, root))

    async def aheaders(
        self,
        allow_root: bool = False,
        *,
        as_application: bool | None = None,
        ctx: Session | None = None,
    ) -> dict[str, str]:
        """:meth:`headers`, as a coroutine."""
        return self.headers(allow_root, as_application=as_application, ctx=ctx)

    def routed_prefixes(self) -> list[str]:
        """URL prefixes the host routes through a gateway (where the envelope goes)."""
        return list(wit.outbound.routed_prefixes())

    # -- outbound HTTP ------------------------------------------------------------

    def transport(
        self,
        *,
        allow_root: bool = False,
        as_application: bool | None = None,
        ctx: Session | None = None,
        propagation: str = "gateway-only",
        timeout: float | None = None,
        headers: Mapping[str, str] | None = None,
        base_url: str | None = None,
    ) -> Transport:
        """An HTTP client over ``wasi:http`` that carries the envelope where it belongs.

        Sync use: ``client = caracal.transport(); client.get(url)`` or
        ``with caracal.transport() as client:``. Async use (on the
        ``wasi:io/poll`` event loop the entry point runs):
        ``async with caracal.transport() as client: await client.get(url)``.
        See :class:`~caracalai.Transport`.
        """
        from .transport import Transport

        return Transport(
            allow_root=allow_root or bool(as_application) or self._allow_root,
            ctx=ctx,
            propagation=propagation,
            timeout=timeout,
            headers=headers,
            base_url=base_url,
        )

    sync_transport = transport

    # -- delegation ---------------------------------------------------------------

    def _bound(self, what: str) -> Session:
        bound = _binding.innermost()
        if bound is None:
            raise InvalidError(f"{what} needs a bound session: spawn one first")
        return bound

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
        """Offer a slice of the bound session's authority to another live session.

        See :meth:`Session.delegate`. Awaitable as in upstream caracalai.
        """
        return self._bound("delegate").delegate(
            to_session_id,
            to_application_id,
            scopes=scopes,
            ttl_seconds=ttl_seconds,
            resource_id=resource_id,
            constraints=constraints,
            parent_delegation_id=parent_delegation_id,
        )

    def pending_delegations(self) -> list[Delegation]:
        """Offers made to the bound session and not yet accepted."""
        return self._bound("pending_delegations").pending_delegations()

    def accept(self, delegation_id: str, *, validate: bool = False) -> Session:
        """Accept an offer made to the bound session: a new bound context at hop + 1.

        Use the result as ``with`` / ``async with`` like a spawned session.
        ``validate`` is accepted for upstream compatibility: the host always
        checks the offer (an unknown one is :class:`~caracalai.NotFoundError`).
        """
        del validate
        return self._track(self._bound("accept").accept(delegation_id))

    accept_delegation = accept

    def revoke(self, delegation_id: str) -> AwaitableList[str]:
        """Revoke a delegation the bound session issued; returns the ids revoked."""
        return self._bound("revoke").revoke(delegation_id)

    revoke_delegation = revoke

    def describe_authority(self, ctx: Session | None = None) -> list[ChainLink]:
        """The chain of authority behind ``ctx`` (default: the bound session)."""
        session = ctx if ctx is not None else self._bound("describe_authority")
        return session.describe_authority()

    # -- shutdown -------------------------------------------------------------------

    def close(self) -> None:
        """Close every session this client spawned that is still open."""
        for session in list(self._spawned):
            if not session.closed:
                session.close()

    async def aclose(self) -> None:
        """:meth:`close`, as a coroutine."""
        self.close()
