"""Turning corpus files into ``Document`` records.

One function per format reads a file into text lines (or pages) plus owner
metadata; the shared steps (cleaning, structure, language) then give every
format the same shape.  A file that cannot be used raises ``Unreadable`` with
the reason, which the index build reports and skips.
"""

from __future__ import annotations

import re
from pathlib import Path

from .cleaning import clean_lines
from .formats import (
    DOCX_SUFFIXES,
    HTML_SUFFIXES,
    PDF_SUFFIXES,
    docx_sections,
    html_to_markdown,
    pdf_sections,
)
from .langs import detect_document_language, normalize_tag
from .reading import SIDECAR_SUFFIX, Unreadable, read_sidecar, read_text, split_front_matter
from .records import Document, Section
from .structure import parse_structure

TEXT_SUFFIXES = (".txt", ".md", ".markdown")
SUPPORTED_SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES + PDF_SUFFIXES + DOCX_SUFFIXES

_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1")
_MD_LIST = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")


def is_candidate(path: Path) -> bool:
    """A file the index should look at (hidden files and sidecars excluded)."""
    name = path.name
    return not name.startswith((".", "~")) and not name.endswith(SIDECAR_SUFFIX) and path.is_file()


def strip_markdown(text: str) -> str:
    """Inline Markdown to plain text; headings and lists keep their lines.

    >>> strip_markdown("See [the **ROI** section](https://x.org) and `code`.")
    'See the ROI section and code.'
    """
    lines = []
    for raw in text.split("\n"):
        line = _MD_EMPHASIS.sub(r"\2", _MD_LINK.sub(r"\1", raw))
        lines.append(line if line.lstrip().startswith("#") else _MD_LIST.sub("", line))
    return "\n".join(lines)


def _language(meta: dict[str, str], text: str) -> str:
    if "lang" in meta:
        return normalize_tag(meta["lang"])
    return detect_document_language(text) or "und"


def document_from_text(rel_path: str, text: str, meta: dict[str, str]) -> Document:
    """Clean and structure already-decoded text."""
    lines = clean_lines(text)
    structure = parse_structure(lines)
    body = "\n".join(p for s in structure.sections for p in s.paragraphs)
    if not body.strip():
        raise Unreadable("no text left after removing page boilerplate")
    title = meta.get("title") or structure.title or Path(rel_path).stem
    return Document(
        path=rel_path,
        title=title,
        lang=_language(meta, body),
        sections=structure.sections,
        date=meta.get("date") or structure.date,
        author=meta.get("author") or structure.author,
        url=meta.get("url"),
        site=structure.site,
    )


def _assemble(
    rel_path: str,
    title: str | None,
    sections: list[Section],
    pages: list[int] | None,
    meta: dict[str, str],
) -> Document:
    body = "\n".join(p for s in sections for p in s.paragraphs)
    return Document(
        path=rel_path,
        title=meta.get("title") or title or Path(rel_path).stem,
        lang=_language(meta, body),
        sections=tuple(sections),
        date=meta.get("date"),
        author=meta.get("author"),
        url=meta.get("url"),
        page_of_section=tuple(pages or ()),
    )


def load_document(path: Path, rel_path: str) -> Document:
    """Read one corpus file into a ``Document``, or raise ``Unreadable``."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise Unreadable(f"unsupported file type {suffix or '(none)'}")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise Unreadable(f"cannot read it ({error.strerror})") from None
    if not data.strip():
        raise Unreadable("empty file")
    sidecar = read_sidecar(path)
    if suffix in HTML_SUFFIXES:
        markdown, page_meta = html_to_markdown(data)
        return document_from_text(rel_path, strip_markdown(markdown), {**page_meta, **sidecar})
    if suffix in PDF_SUFFIXES:
        title, sections, pages, pdf_meta = pdf_sections(data)
        return _assemble(rel_path, title, sections, pages, {**pdf_meta, **sidecar})
    if suffix in DOCX_SUFFIXES:
        title, sections, docx_meta = docx_sections(data)
        return _assemble(rel_path, title, sections, None, {**docx_meta, **sidecar})
    front, text = split_front_matter(read_text(data))
    if suffix in (".md", ".markdown"):
        text = strip_markdown(text)
    return document_from_text(rel_path, text, {**front, **sidecar})
