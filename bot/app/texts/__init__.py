"""The bot's interface texts, one module per language, found by name.

A module (``fr.py``) defines ``TEXTS`` (every key of ``en.py``, with the same
``{placeholders}``) and ``COMMANDS`` (the command menu: the same commands, in
the same order).  Adding an interface language is adding its module; users
whose Telegram language has none get English.

>>> ui_languages()[:3]
('en', 'de', 'es')
>>> text("de", "no_more"), text("xx", "no_more")
('Keine weiteren Ergebnisse.', 'No more results.')
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from dataclasses import dataclass


@dataclass(frozen=True)
class Interface:
    code: str
    texts: dict[str, str]
    commands: list[tuple[str, str]]


@functools.cache
def _registry() -> dict[str, Interface]:
    found = {}
    for module in pkgutil.iter_modules(__path__):
        if module.name.startswith("_"):
            continue
        loaded = importlib.import_module(f"{__name__}.{module.name}")
        found[module.name] = Interface(module.name, loaded.TEXTS, loaded.COMMANDS)
    return {code: found[code] for code in sorted(found, key=lambda c: (c != "en", c))}


def ui_languages() -> tuple[str, ...]:
    """The interface languages, English first, then by code."""
    return tuple(_registry())


def interface(ui: str) -> Interface:
    """The interface in ``ui`` (a primary subtag), or English."""
    registry = _registry()
    return registry.get(ui, registry["en"])


def text(ui: str, key: str) -> str:
    """One interface text, unformatted."""
    return interface(ui).texts[key]
