"""Turning corpus files into ``Document`` records.

The file's format (``formats``: one module per format) reads it into sections
(with pages) or plain text, plus what the file says of itself; the shared
steps (cleaning, structure, language) then give every format the same shape.
A file that cannot be used raises ``Unreadable`` with the reason, which the
index build reports and skips: ``load_document`` raises nothing else for a
bad file, whatever a format library throws, so one file never stops the rest.
Owner metadata (front matter, sidecar) is checked (``meta``): a ``lang`` that
names no language, a date or URL that is not one, is the file's reason to be
skipped, named with the file.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from ..errors import UnknownLanguage
from ..languages.detect import DEFAULT_DOCUMENT_LANGUAGES, detect_document_language, normalize_tag
from ..records import Document, Section
from .cleaning import clean_lines
from .formats import Parsed, for_suffix
from .meta import checked_meta
from .reading import SIDECAR_SUFFIX, Unreadable, read_sidecar
from .structure import join_wrapped_lines, looks_hard_wrapped, parse_structure

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
    found = for_suffix(suffix)
    if found is None:
        raise Unreadable(f"unsupported file type {suffix or '(none)'}")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise Unreadable(f"cannot read it ({error.strerror or error})") from None
    if not data.strip():
        raise Unreadable("empty file")
    try:
        return _read(path, rel_path, found.read, data, tuple(languages))
    except Unreadable:
        raise
    except RecursionError:
        raise Unreadable(f"cannot read it as {found.name} (nested too deeply)") from None
    except Exception as error:  # a damaged file may make any library raise anything
        raise Unreadable(f"cannot read it as {found.name} ({_describe(error)})") from error


def _describe(error: BaseException) -> str:
    message = " ".join(str(error).split())
    if len(message) > 160:
        message = message[:159] + "…"
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


def _read(
    path: Path,
    rel_path: str,
    read: Callable[[bytes, Mapping[str, str]], Parsed],
    data: bytes,
    languages: tuple[str, ...],
) -> Document:
    """The file's format reads it; its owner's metadata (a sidecar, then what
    its name says of its language) is put beside what the file says."""
    sidecar = checked_meta(read_sidecar(path), f"its metadata file {path.name}{SIDECAR_SUFFIX}")
    named = language_in_name(rel_path)
    by_name = {"lang": named} if named else {}  # unless the file itself says another
    parsed = read(data, sidecar)
    meta = {**by_name, **parsed.meta, **sidecar}
    if parsed.text is None:
        return _assemble(
            rel_path,
            title=parsed.title,
            sections=list(parsed.sections),
            pages=list(parsed.pages) or None,
            meta=meta,
            languages=languages,
        )
    return document_from_text(
        rel_path,
        parsed.text,
        meta,
        languages=languages,
        known_title=sidecar.get("title") or parsed.known_title,
    )
