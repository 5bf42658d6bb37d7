"""Markdown files (``.md``, ``.markdown``): rendered to HTML by markdown-it-py (CommonMark with
tables), then read like any HTML page, so headings, lists, tables and code
blocks come out as they do from a page (``ingest.html``).

>>> title, sections = markdown_sections(
...     "# Guide\\n\\nIntro, wrapped\\nover two lines.\\n\\n## Hold a package\\n\\n"
...     "Run this:\\n\\n```\\napt-mark hold foo\\n```\\n\\n| Team | Phone |\\n|---|---|\\n"
...     "| Support | 2200 |\\n\\nEscaped \\\\_name\\\\_ stays.\\n")
>>> title, [s.heading for s in sections]
('Guide', [None, 'Hold a package'])
>>> print("\\n".join(sections[1].paragraphs))
Run this:
    apt-mark hold foo
Team — Phone
Support — 2200
Escaped _name_ stays.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from ...records import Section
from ..cleaning import without_widgets
from ..markup import strip_markdown
from ..meta import checked_meta
from ..reading import read_text, split_front_matter
from . import Format, Parsed
from .html import html_sections


def _same_words(a: str, b: str) -> bool:
    return re.findall(r"\w+", a.casefold()) == re.findall(r"\w+", b.casefold())


def markdown_sections(
    text: str, known_title: str | None = None
) -> tuple[str | None, list[Section]]:
    """(title, sections) of a Markdown text.  The first top heading is the
    title, unless the owner gave one (``known_title``): then it stays a section
    heading, or is dropped when it repeats that title."""
    from markdown_it import MarkdownIt

    page = MarkdownIt("commonmark", {"html": False}).enable("table").render(text)
    title, sections, _ = html_sections(f"<html><body>{page}</body></html>")
    if known_title is None or title is None or _same_words(title, known_title):
        return title, sections
    if sections and sections[0].heading is None:
        sections[0] = Section(title, sections[0].paragraphs)
    return known_title, sections


def read(data: bytes, owner: Mapping[str, str]) -> Parsed:
    """Front matter, then the rendered page; a file that is only a title line
    is read as text."""
    front, text = split_front_matter(read_text(data))
    meta = checked_meta(front, "its front matter")
    known = owner.get("title") or meta.get("title")
    title, sections = markdown_sections(text, known)
    kept = without_widgets(sections)
    if kept:
        return Parsed(title=title, sections=tuple(kept), meta=meta)
    return Parsed(meta=meta, text=strip_markdown(text), known_title=meta.get("title"))


FORMAT = Format("text", (".md", ".markdown"), read)
