"""File formats, one module each, behind one interface and found by name.

A format module (``pdf.py``) defines ``FORMAT``, a :class:`Format`: its name in
messages ("a PDF"), the file name suffixes it reads, and ``read(data, owner)``
that turns the file's bytes into a :class:`Parsed` (its title, its sections
with their pages, what the file says of itself; or plain text when it has no
structure to read).  ``owner`` is the metadata the file's owner gave beside it
(a sidecar), which a format needs when the file's own title competes with it.
A reader raises ``Unreadable`` with a reason for a file it cannot use; the
loader turns anything else a library raises into one too.  Adding a format is
adding its module.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from ..._modules import modules_in
from ...records import Section

__all__ = ["Format", "Parsed", "all_formats", "for_suffix", "supported_suffixes"]


@dataclass(frozen=True)
class Parsed:
    """What a format read from a file.

    ``text`` is ``None`` when the file has structure (``sections``, with the
    page each starts on when the format has pages); otherwise it is the file's
    text, cleaned and structured by the loader as plain text.  ``meta`` is
    what the file says of itself (checked: a value that is not what its key
    says was dropped or made the file unreadable).  ``known_title`` is the
    title the file's author gave for docbot (front matter), which a text's
    first heading does not replace.
    """

    title: str | None = None
    sections: tuple[Section, ...] = ()
    pages: tuple[int, ...] = ()
    meta: Mapping[str, str] = field(default_factory=dict)
    text: str | None = None
    known_title: str | None = None


@dataclass(frozen=True)
class Format:
    name: str  # in messages: "cannot read it as a PDF (...)"
    suffixes: tuple[str, ...]
    read: Callable[[bytes, Mapping[str, str]], Parsed]


@functools.cache
def _registry() -> dict[str, Format]:
    by_suffix: dict[str, Format] = {}
    for module in modules_in(__name__, __path__):
        found = getattr(module, "FORMAT", None)
        if isinstance(found, Format):
            for suffix in found.suffixes:
                by_suffix[suffix] = found
    return by_suffix


def all_formats() -> tuple[Format, ...]:
    return tuple(dict.fromkeys(_registry().values()))


def for_suffix(suffix: str) -> Format | None:
    """The format that reads files ending in ``suffix`` (lower case, with its dot)."""
    return _registry().get(suffix)


def supported_suffixes() -> tuple[str, ...]:
    """Every suffix a format reads.

    >>> sorted(supported_suffixes())
    ['.docx', '.htm', '.html', '.markdown', '.md', '.pdf', '.txt']
    """
    return tuple(sorted(_registry()))
