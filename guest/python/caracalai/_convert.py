"""Conversions between the SDK's data and the generated WIT types."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from . import _bindings as wit
from .models import (
    ChainLink,
    ContextInfo,
    Delegation,
    DelegationConstraints,
    Grant,
    Lease,
    Lifecycle,
    SessionStatus,
)


def status(value: Any) -> SessionStatus:
    """A WIT ``session-status`` as :class:`SessionStatus`."""
    return SessionStatus[value.name]


def constraints(value: DelegationConstraints | None) -> Any:
    """:class:`DelegationConstraints` as the WIT record."""
    value = value or DelegationConstraints()
    return wit.types.DelegationConstraints(
        max_hops=value.max_hops,
        budget=value.budget,
        resources=None if value.resources is None else list(value.resources),
        ttl_seconds=value.ttl_seconds,
        max_calls=value.max_calls,
    )


def grant(value: Grant | None) -> Any:
    """:class:`Grant` as the WIT variant (``None``: inherit)."""
    t = wit.types
    if value is None or value.mode == "inherit":
        return t.Grant_Inherit()
    if value.mode == "none":
        return t.Grant_None_()
    if value.mode == "narrow":
        return t.Grant_Narrow(
            t.NarrowGrant(
                scopes=list(value.scopes),
                resource_id=value.resource_id,
                constraints=constraints(value.constraints),
                ttl_seconds=value.ttl_seconds,
            )
        )
    raise ValueError(f"unknown grant mode {value.mode!r}")


def labels(value: Sequence[str] | str | None) -> list[str]:
    """Labels as a list (one string is one label)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return list(value)


def context(value: Any) -> ContextInfo:
    """A WIT ``context`` as :class:`ContextInfo`."""
    return ContextInfo(
        zone_id=value.zone_id,
        application_id=value.application_id,
        session_id=value.session_id,
        delegation_id=value.delegation_id,
        parent_delegation_id=value.parent_delegation_id,
        trace_id=value.trace_id,
        hop=value.hop,
        labels=tuple(value.labels),
        lifecycle=None if value.lifecycle is None else Lifecycle[value.lifecycle.name],
        status=status(value.status),
        expires_at_ms=value.expires_at_ms,
        depth=value.depth,
    )


def lease(value: Any) -> Lease:
    """A WIT ``lease`` as :class:`Lease`."""
    return Lease(
        deadline_ms=value.deadline_ms,
        generation=value.generation,
        status=status(value.status),
    )


def offer(value: Any) -> Delegation:
    """A WIT ``delegation-offer`` as :class:`Delegation`."""
    return Delegation(
        delegation_id=value.id,
        scopes=tuple(value.scopes),
        expires_at_ms=value.expires_at_ms,
        hop=value.hop,
        to_session_id=value.to_session_id,
        to_application_id=value.to_application_id,
    )


def chain_link(value: Any) -> ChainLink:
    """A WIT ``chain-link`` as :class:`ChainLink`."""
    return ChainLink(
        zone_id=value.zone_id,
        application_id=value.application_id,
        session_id=value.session_id,
        delegation_id=value.delegation_id,
        parent_delegation_id=value.parent_delegation_id,
        scopes=tuple(value.scopes),
        hop=value.hop,
    )


def headers(value: list[tuple[str, str]]) -> dict[str, str]:
    """A WIT header list as a dict of lowercase names (repeats joined with ``,``).

    ``headers()`` takes the pair list, not the host's ``header-block``:
    splitting the block in Python measured no faster (11.5-15.5 µs against
    9.9-11.6 µs per call; the JavaScript SDK, where it is, reads the block).
    The WIT contract has the names lowercase and the host sends each once,
    so ``dict`` (C speed) is the answer unless a name repeats.
    """
    out = dict(value)
    if len(out) == len(value):
        return out
    out = {}
    for name, item in value:
        key = name.lower()
        out[key] = f"{out[key]},{item}" if key in out else item
    return out
