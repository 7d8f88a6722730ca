"""The entry-point convention: the component's ``wasi:cli/run`` calls ``main()``.

An agent is a module that defines ``def main()`` or ``async def main()``
(arguments come from ``sys.argv``; ``sys.argv[1:]`` are the arguments after
``--`` on ``caracal-host run``). The build wraps it in a two-line app module
that componentize-py exports as ``wasi:cli/run``::

    import agent
    from caracalai._entry import entry
    Run = entry(agent)

``entry`` returns the class componentize-py instantiates. Its ``run``:

- calls ``main()``; a coroutine it returns runs to completion on
  :class:`caracalai.aio.WasiEventLoop` (asyncio over ``wasi:io/poll``);
- maps the outcome to the exit code: ``None`` or ``0`` is 0, an ``int`` in
  0..=255 is that code, :class:`SystemExit` is its code (a message is printed
  to stderr and gives 1), and any other exception prints its traceback on
  stderr and gives 1.

The module is imported when the component is built (componentize-py
snapshots the initialised interpreter), so its top level must not call the
host: do that in ``main()``.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import inspect
import random
import sys
import traceback
from types import ModuleType
from typing import Any

from . import _bindings as wit
from . import aio

__all__ = ["entry", "exit_code", "run_main"]


def _code_of(value: object) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int):
        print(value, file=sys.stderr)
        return 1
    return value if 0 <= value <= 255 else 1


def exit_code(main: Any) -> int:
    """Call ``main`` (sync or async) and return the exit code its outcome maps to."""
    try:
        result = main()
        if inspect.isawaitable(result):
            result = aio.run(_await(result))
        return _code_of(result)
    except SystemExit as stop:
        return _code_of(stop.code)
    except BaseException:  # noqa: BLE001 - every failure becomes an exit code
        traceback.print_exc(file=sys.stderr)
        return 1


async def _await(awaitable: Any) -> Any:
    return await awaitable


def _finish(code: int) -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # nothing left to report to
            stream.flush()
    if code == 0:
        return
    try:
        wit.exit.exit_with_code(code)
    except Exception:  # noqa: BLE001 - a host without exit-with-code
        raise wit.cpt.Err(None) from None


def run_main(module: ModuleType) -> None:
    """Run ``module.main`` as the program and exit with its code."""
    main = getattr(module, "main", None)
    if not callable(main):
        print(f"{module.__name__}: the agent module defines no main()", file=sys.stderr)
        _finish(2)
        return
    _finish(exit_code(main))


def entry(module: ModuleType) -> type:
    """The ``wasi:cli/run`` export class for an agent module (see the module doc)."""
    if not callable(getattr(module, "main", None)):
        raise TypeError(f"agent module {module.__name__!r} must define main() or async def main()")

    class Run:
        """``wasi:cli/run``: runs the agent's ``main()``."""

        def run(self) -> None:
            """Run the agent; returns normally for exit code 0."""
            run_main(module)

    _freeze_snapshot_heap()
    return Run


def _freeze_snapshot_heap() -> None:
    """Keep the cyclic collector off the objects the build snapshots.

    Every instance starts from the snapshot's heap, mapped copy-on-write, so
    a collection that walks those objects writes to (and so copies) their
    pages at run time. Collecting once and freezing what is left moves them
    to the permanent generation, as the ``gc.freeze`` docs advise before a
    fork. What componentize-py would otherwise import after this point (the
    world's other interface modules, and ``random``, which it reseeds at
    every start) is imported first, so it is frozen too: left in the young
    generation (over 1,000 objects), the run's first collection, or a
    second freeze (Python 3.14's walks the young objects to mark them),
    would copy their pages. Objects the agent creates at run time are
    collected as usual.
    """
    gc.collect()
    gc.freeze()


# Imported while the component is built, so that the snapshot has them
# (`random` before the freeze: componentize-py reseeds it at every start).
_PRELOADED = (asyncio, aio.WasiEventLoop, random)
