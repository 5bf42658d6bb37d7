"""Plain text files (``.txt``): front matter, then text whose headings,
bylines and structure the loader finds as for any text."""

from __future__ import annotations

from collections.abc import Mapping

from ..meta import checked_meta
from ..reading import read_text, split_front_matter
from . import Format, Parsed


def read(data: bytes, owner: Mapping[str, str]) -> Parsed:
    front, text = split_front_matter(read_text(data))
    meta = checked_meta(front, "its front matter")
    return Parsed(meta=meta, text=text, known_title=meta.get("title"))


FORMAT = Format("text", (".txt",), read)
