"""The bound-context stack: which session acts when none is named.

Kept in a :class:`contextvars.ContextVar`, so each asyncio task sees the
bindings of the context it was created in (a task created inside a session's
block inherits it) and bindings made in one task do not leak into another.
Each entry has its own key, so removing a binding removes exactly that one,
even out of order. A session closed elsewhere is skipped.
"""

from __future__ import annotations

import itertools
from contextvars import ContextVar
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .session import Session

_STACK: ContextVar[tuple[tuple[int, Session], ...]] = ContextVar("caracal_bound", default=())
_KEYS = itertools.count()


def push(session: Session) -> int:
    """Bind ``session`` as the innermost context; returns the entry's key."""
    key = next(_KEYS)
    _STACK.set((*_STACK.get(), (key, session)))
    return key


def remove(key: int) -> None:
    """Remove the entry ``key`` from this context's stack (a no-op if absent)."""
    stack = _STACK.get()
    if any(k == key for k, _ in stack):
        _STACK.set(tuple(entry for entry in stack if entry[0] != key))


def innermost() -> Session | None:
    """The innermost bound session that is not closed, if any."""
    for _, session in reversed(_STACK.get()):
        if not session.closed:
            return session
    return None
