"""The one module that touches componentize-py's generated bindings.

The bindings (``wit_world`` and ``componentize_py_types``) exist only inside
a component built by componentize-py, so they are imported on first use:
``import caracalai`` also works in a plain CPython (for tests and editors),
and only a call that needs the host fails there. User code never imports
``wit_world``: everything it needs is re-exported by :mod:`caracalai`.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any, NoReturn

_MODULES = {
    "sessions": "wit_world.imports.sessions",
    "outbound": "wit_world.imports.outbound",
    "delegation": "wit_world.imports.delegation",
    "types": "wit_world.imports.caracal_agent_types",
    "http": "wit_world.imports.wasi_http_types",
    "outgoing_handler": "wit_world.imports.outgoing_handler",
    "streams": "wit_world.imports.streams",
    "poll": "wit_world.imports.poll",
    "monotonic_clock": "wit_world.imports.monotonic_clock",
    "exit": "wit_world.imports.exit",
    "exports": "wit_world.exports",
    "cpt": "componentize_py_types",
}


def _preload() -> None:
    """Import every generated module now, when inside a component.

    componentize-py snapshots the interpreter after importing the app, and
    only a bindings module imported by then is found at run time. The
    world's other interface modules (``wasi:sockets``, ``wasi:filesystem``
    …) are imported too: componentize-py imports each of them after the
    app anyway, and imported here they are made before the snapshot's heap
    is frozen (see ``caracalai._entry``) instead of after it.
    """
    for name, target in _MODULES.items():
        try:
            globals()[name] = importlib.import_module(target)
        except ImportError:  # outside a component: imported on first use
            return
    imports = importlib.import_module("wit_world.imports")
    for module in pkgutil.iter_modules(imports.__path__):
        importlib.import_module(f"wit_world.imports.{module.name}")


def __getattr__(name: str) -> Any:
    """Import the generated module ``name`` stands for, once."""
    target = _MODULES.get(name)
    if target is None:
        raise AttributeError(name)
    try:
        module = importlib.import_module(target)
    except ImportError as error:  # pragma: no cover - outside a component
        raise RuntimeError(
            f"caracalai needs the caracal:agent/agent bindings ({target}); "
            "it works only inside a component built with componentize-py "
            "against the caracal:agent WIT (see guest/python/BUILD.md)"
        ) from error
    globals()[name] = module
    return module


def raise_wit(value: object) -> NoReturn:
    """Raise the typed :class:`~caracalai.CaracalError` for a WIT ``error`` value."""
    from . import errors

    kinds: dict[str, type[errors.CaracalError]] = {
        "Error_Denied": errors.DeniedError,
        "Error_Invalid": errors.InvalidError,
        "Error_NotFound": errors.NotFoundError,
        "Error_Gone": errors.GoneError,
        "Error_Limit": errors.LimitError,
        "Error_Unavailable": errors.UnavailableError,
    }
    kind = kinds.get(type(value).__name__, errors.CaracalError)
    raise kind(str(getattr(value, "value", value)))


def call(fn: Any, *args: Any) -> Any:
    """Call a host function, turning a WIT ``Err(error)`` into a typed exception."""
    try:
        return fn(*args)
    # The `except` expression is evaluated only when the call raises: the
    # call that succeeds (nearly all) looks nothing up.
    except __getattr__("cpt").Err as error:
        refusal = error.value
    raise_wit(refusal)  # outside the handler: no chained WIT traceback


_preload()
