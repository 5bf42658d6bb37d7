"""Turning corpus files into ``Document`` records.

One function per format reads a file into text lines (or pages) plus owner
metadata; the shared steps (cleaning, structure, language) then give every
format the same shape.  A file that cannot be used raises ``Unreadable`` with
the reason, which the index build reports and skips: ``load_document`` raises
nothing else for a bad file, whatever a format library throws, so one file
never stops the rest.  Owner metadata (front matter, sidecar) is checked here
too: a ``lang`` that names no language, a date or URL that is not one, is the
file's reason to be skipped, named with the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

from ..errors import UnknownLanguage
from ..languages.detect import DEFAULT_DOCUMENT_LANGUAGES, detect_document_language, normalize_tag
from ..records import Document, Section
from .cleaning import clean_lines, cut_trailing_chrome, is_widget_line, parse_date
from .formats import (
    docx_sections,
    html_metadata,
    html_to_markdown,
    pdf_sections,
)
from .html import html_sections
from .markdown import markdown_sections
from .reading import (
    DOCX_SUFFIXES,
    HTML_SUFFIXES,
    PDF_SUFFIXES,
    SIDECAR_SUFFIX,
    SUPPORTED_SUFFIXES,
    TEXT_SUFFIXES,
    Unreadable,
    read_sidecar,
    read_text,
    split_front_matter,
)
from .structure import join_wrapped_lines, looks_hard_wrapped, parse_structure

FORMAT_NAMES = {
    **dict.fromkeys(TEXT_SUFFIXES, "text"),
    **dict.fromkeys(HTML_SUFFIXES, "an HTML page"),
    **dict.fromkeys(PDF_SUFFIXES, "a PDF"),
    **dict.fromkeys(DOCX_SUFFIXES, "a .docx document"),
}
_NUMERIC_DATE = re.compile(r"^(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})$")
_PARTIAL_DATE = re.compile(r"^\d{4}(?:-(?:0[1-9]|1[0-2]))?$")

_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1")
_MD_LIST = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_MD_LIST_HEADS = frozenset("-*+0123456789")
_MD_INLINE_MARK = re.compile(r"[\[*_`]")
_MD_FENCE = re.compile(r"^(```+|~~~+)")
_MD_SETEXT = re.compile(r"^(?:=+|-+)$")
_MD_THEMATIC_BREAK = re.compile(r"^(?:(?:-\s*){3,}|(?:\*\s*){3,}|(?:_\s*){3,})$")
# Lines that start a block of their own rather than continue a paragraph.
_MD_BLOCK_START = re.compile(r"^(?:#{1,6}(?:\s|$)|[-*+]\s|\d+[.)]\s|>|\||<|(?:[-*_]\s*){3,}$)")
# Blocks that never take continuation lines.
_MD_NO_CONTINUATION = re.compile(r"^(?:#{1,6}(?:\s|$)|\||<|(?:[-*_]\s*){3,}$)")


def is_candidate(path: Path) -> bool:
    """A file the index should look at (hidden files and sidecars excluded)."""
    name = path.name
    return not name.startswith((".", "~")) and not name.endswith(SIDECAR_SUFFIX) and path.is_file()


def strip_markdown(text: str) -> str:
    r"""Markdown to plain text lines: one line per paragraph, heading or list item.

    Inline markup goes; a paragraph wrapped over several lines becomes one line
    (as Markdown renders it, unless a line ends with a hard break); setext
    headings become ``#`` headings; fenced code keeps its lines.

    >>> strip_markdown("See [the **ROI** section](https://x.org) and `code`.")
    'See the ROI section and code.'
    >>> strip_markdown("A paragraph that\nwraps.\n\nTitle\n=====\n- an item\n  continued")
    'A paragraph that wraps.\n\n# Title\nan item continued'
    """
    return "\n".join(_plain_markdown_line(line) for line in _join_markdown_lines(text))


def _join_markdown_lines(text: str) -> list[str]:
    out: list[str] = []
    joinable = False  # the last line is paragraph or list text that may continue
    fence: str | None = None
    for raw in text.split("\n"):
        line = raw.rstrip()
        stripped = line.strip()
        opener = _MD_FENCE.match(stripped) if stripped[:1] in ("`", "~") else None
        if fence is not None or opener:
            if fence is None and opener:
                fence = opener.group(1)[:3]
            elif fence is not None and stripped.startswith(fence):
                fence = None
            out.append(line)
            joinable = False
            continue
        if not stripped:
            out.append("")
            joinable = False
        elif joinable and _MD_SETEXT.match(stripped) and not _MD_BLOCK_START.match(out[-1].strip()):
            out[-1] = ("# " if stripped[0] == "=" else "## ") + out[-1].strip()
            joinable = False
        elif _MD_THEMATIC_BREAK.match(stripped):
            out.append("")
            joinable = False
        elif joinable and not _MD_BLOCK_START.match(stripped):
            out[-1] = out[-1].rstrip(" \\") + " " + stripped
            joinable = not _hard_break(raw)
        else:
            out.append(line)
            joinable = not _MD_NO_CONTINUATION.match(stripped) and not _hard_break(raw)
    return out


def _hard_break(raw: str) -> bool:
    return raw.endswith(("  ", "\\"))


def _plain_markdown_line(raw: str) -> str:
    if _MD_INLINE_MARK.search(raw):  # most lines hold no markup: no substitutions
        raw = _MD_EMPHASIS.sub(r"\2", _MD_LINK.sub(r"\1", raw))
    head = raw.lstrip()[:1]
    if head and head in _MD_LIST_HEADS:
        return _MD_LIST.sub("", raw)
    return raw


def _iso_date(value: str) -> str | None:
    """An ISO 8601 date (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``) for an owner's date."""
    text = value.strip()
    if _PARTIAL_DATE.match(text):
        return text
    numeric = _NUMERIC_DATE.match(text)
    if numeric:
        day, month, year = (int(numeric.group(k)) for k in ("d", "m", "y"))
        return f"{year:04d}-{month:02d}-{day:02d}" if 1 <= month <= 12 and 1 <= day <= 31 else None
    return parse_date(text)


def _is_web_address(value: str) -> bool:
    parts = urlsplit(value.strip())
    return parts.scheme in {"http", "https"} and bool(parts.netloc) and " " not in value.strip()


def checked_meta(meta: dict[str, str], origin: str) -> dict[str, str]:
    """The owner's metadata with ``lang``, ``date`` and ``url`` checked and normalised.

    A value that is not what its key says is the file's reason to be skipped:
    indexing it under a made-up language or a dead link would hide the mistake.

    >>> checked_meta({"lang": "German", "date": "13.04.2015"}, "its front matter")
    {'lang': 'de', 'date': '2015-04-13'}
    """
    out = dict(meta)
    if "lang" in out:
        try:
            out["lang"] = normalize_tag(out["lang"])
        except UnknownLanguage:
            raise Unreadable(
                f"{origin} says lang: {meta['lang']}, which is not a language "
                "(write a tag such as en or de-AT, or a name such as German)"
            ) from None
    if "date" in out:
        date = _iso_date(out["date"])
        if date is None:
            raise Unreadable(
                f"{origin} says date: {meta['date']}, which is not a date (write it as YYYY-MM-DD)"
            )
        out["date"] = date
    if "url" in out and not _is_web_address(out["url"]):
        raise Unreadable(
            f"{origin} says url: {meta['url']}, which is not a web address "
            "(write it in full, starting with https://)"
        )
    return out


_NAMED_LANGUAGE = re.compile(r"\.(?P<tag>[a-z]{2}(?:[-_][a-zA-Z]{2})?)\.[a-z]+$")


def language_in_name(rel_path: str) -> str | None:
    """The language a file name declares the way web servers negotiate content
    (``faq.de.html``, ``README.pt-br.md``), or ``None``.

    >>> language_in_name("faq/de/index.de.html"), language_in_name("guide.es.md")
    ('de', 'es')
    >>> language_in_name("index.html") is None, language_in_name("v1.2.txt") is None
    (True, True)
    """
    match = _NAMED_LANGUAGE.search(rel_path.rsplit("/", 1)[-1])
    if match is None:
        return None
    try:
        return normalize_tag(match.group("tag").replace("_", "-"))
    except UnknownLanguage:
        return None


def _usable_page_meta(meta: dict[str, str]) -> dict[str, str]:
    """What a file's own metadata (HTML head, PDF info) says, minus values that
    are not what they claim: the file's author did not write them for docbot."""
    out = dict(meta)
    if "lang" in out:
        try:
            out["lang"] = normalize_tag(out["lang"])
        except UnknownLanguage:
            del out["lang"]
    if "date" in out:
        date = _iso_date(out["date"][:10])
        if date is None:
            del out["date"]
        else:
            out["date"] = date
    if "url" in out and not _is_web_address(out["url"]):
        del out["url"]
    return out


def _language(meta: dict[str, str], text: str, languages: tuple[str, ...]) -> str:
    if "lang" in meta:
        return meta["lang"]
    return detect_document_language(text, languages) or "und"


def document_from_text(
    rel_path: str,
    text: str,
    meta: dict[str, str],
    *,
    languages: Iterable[str] = DEFAULT_DOCUMENT_LANGUAGES,
    known_title: str | None = None,
) -> Document:
    """Clean and structure already-decoded text.

    ``known_title`` is the title the owner gave (front matter, sidecar): the
    text's own first heading is then a section heading, unless it is that title.
    """
    lines = clean_lines(text)
    if looks_hard_wrapped(lines):
        lines = join_wrapped_lines(lines)
    structure = parse_structure(lines, known_title=known_title)
    body = "\n".join(p for s in structure.sections for p in s.paragraphs)
    if not body.strip():
        raise Unreadable("no text left after removing page boilerplate")
    title = known_title or meta.get("title") or structure.title or Path(rel_path).stem
    return Document(
        path=rel_path,
        title=title,
        lang=_language(meta, body, tuple(languages)),
        sections=structure.sections,
        date=meta.get("date") or structure.date,
        author=meta.get("author") or structure.author,
        url=meta.get("url"),
        site=structure.site,
    )


def _assemble(
    rel_path: str,
    *,
    title: str | None,
    sections: list[Section],
    pages: list[int] | None,
    meta: dict[str, str],
    languages: tuple[str, ...],
) -> Document:
    body = "\n".join(p for s in sections for p in s.paragraphs)
    return Document(
        path=rel_path,
        title=meta.get("title") or title or Path(rel_path).stem,
        lang=_language(meta, body, languages),
        sections=tuple(sections),
        date=meta.get("date"),
        author=meta.get("author"),
        url=meta.get("url"),
        page_of_section=tuple(pages or ()),
    )


def load_document(
    path: Path, rel_path: str, languages: Iterable[str] = DEFAULT_DOCUMENT_LANGUAGES
) -> Document:
    """Read one corpus file into a ``Document``, or raise ``Unreadable``.

    ``languages`` are the corpus's languages, preferred for short texts whose
    language a model cannot tell (see ``detect_document_language``).  Nothing
    but ``Unreadable`` comes out for a bad file: whatever a format library
    raises on a damaged file becomes the reason it is skipped.
    """
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise Unreadable(f"unsupported file type {suffix or '(none)'}")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise Unreadable(f"cannot read it ({error.strerror or error})") from None
    if not data.strip():
        raise Unreadable("empty file")
    try:
        return _read(path, rel_path, suffix, data, tuple(languages))
    except Unreadable:
        raise
    except RecursionError:
        raise Unreadable(f"cannot read it as {FORMAT_NAMES[suffix]} (nested too deeply)") from None
    except Exception as error:  # a damaged file may make any library raise anything
        raise Unreadable(
            f"cannot read it as {FORMAT_NAMES[suffix]} ({_describe(error)})"
        ) from error


def _without_widgets(sections: list[Section]) -> list[Section]:
    """Sections without page-widget lines ("Share", "12 comments") and the
    comment or share block a page may end with."""
    out = []
    for section in sections:
        kept = [
            "\n".join(line for line in p.split("\n") if not is_widget_line(line.strip()))
            for p in section.paragraphs
        ]
        kept = [p for p in kept if p.strip()]
        if kept:
            out.append(Section(section.heading, tuple(kept)))
    if out:
        last = out[-1]
        tail = cut_trailing_chrome(list(last.paragraphs))
        out[-1] = Section(last.heading, tuple(tail))
    return [s for s in out if s.paragraphs]


def _describe(error: BaseException) -> str:
    message = " ".join(str(error).split())
    if len(message) > 160:
        message = message[:159] + "…"
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


def _read(
    path: Path, rel_path: str, suffix: str, data: bytes, languages: tuple[str, ...]
) -> Document:
    sidecar = checked_meta(read_sidecar(path), f"its metadata file {path.name}{SIDECAR_SUFFIX}")
    named = language_in_name(rel_path)
    by_name = {"lang": named} if named else {}  # unless the file itself says another
    if suffix in HTML_SUFFIXES:
        page = read_text(data)
        title, sections, page_meta = html_sections(page)
        sections = _without_widgets(sections)
        if sections:
            meta = {**by_name, **_usable_page_meta({**page_meta, **html_metadata(page)}), **sidecar}
            if title and "title" not in sidecar:
                meta["title"] = title
            return _assemble(
                rel_path, title=title, sections=sections, pages=None, meta=meta, languages=languages
            )
        markdown, page_meta = html_to_markdown(data)  # no structure to read: the main text
        return document_from_text(
            rel_path,
            strip_markdown(markdown),
            {**by_name, **_usable_page_meta(page_meta), **sidecar},
            languages=languages,
            known_title=sidecar.get("title"),
        )
    if suffix in PDF_SUFFIXES:
        title, sections, pages, pdf_meta = pdf_sections(data)
        meta = {**by_name, **_usable_page_meta(pdf_meta), **sidecar}
        return _assemble(
            rel_path, title=title, sections=sections, pages=pages, meta=meta, languages=languages
        )
    if suffix in DOCX_SUFFIXES:
        title, sections, docx_meta = docx_sections(data)
        meta = {**by_name, **_usable_page_meta(docx_meta), **sidecar}
        return _assemble(
            rel_path, title=title, sections=sections, pages=None, meta=meta, languages=languages
        )
    front, text = split_front_matter(read_text(data))
    meta = {**by_name, **checked_meta(front, "its front matter"), **sidecar}
    if suffix in (".md", ".markdown"):
        title, sections = markdown_sections(text, meta.get("title"))
        sections = _without_widgets(sections)
        if sections:
            return _assemble(
                rel_path, title=title, sections=sections, pages=None, meta=meta, languages=languages
            )
        text = strip_markdown(text)  # nothing but a title line: read as text
    return document_from_text(
        rel_path, text, meta, languages=languages, known_title=meta.get("title")
    )
