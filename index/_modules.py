"""The modules of a registry folder (a language, a file format per module)."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable
from types import ModuleType


def modules_in(package: str, path: Iterable[str], skip: Iterable[str] = ()) -> list[ModuleType]:
    """Every module of ``package`` (its ``__path__``), by name, but private
    ones (``_x``) and those named in ``skip``: adding a module is registering it."""
    left_out = set(skip)
    return [
        importlib.import_module(f"{package}.{module.name}")
        for module in sorted(pkgutil.iter_modules(path), key=lambda m: m.name)
        if not module.name.startswith("_") and module.name not in left_out
    ]
