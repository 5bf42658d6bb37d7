"""PDF files (``.pdf``): pdfminer.six's text by character positions (words
stay apart), paragraphs joined across lines and pages, running heads and page
numbers dropped, the outline's entries as section headings, each section with
the page it starts on."""

from __future__ import annotations

import io
import itertools
import logging
import re
from collections.abc import Iterable, Mapping
from typing import Any

from ...records import Section
from ..cleaning import clean_lines
from ..meta import usable_page_meta
from ..reading import Unreadable
from ..structure import (
    continues,
    join_two,
    join_wrapped_lines,
    parse_sections,
    parse_structure,
    typical_width,
)
from . import Format, Parsed


def pdf_sections(data: bytes) -> tuple[str | None, list[Section], list[int], dict[str, str]]:
    """(title, sections, page of each section, metadata) of a PDF.

    A PDF holds lines, not paragraphs: lines are grouped into paragraphs by
    the space between them, lines wrapped inside a paragraph are joined (a
    word hyphenated at a line end made whole), page numbers and running
    heads repeated on every page dropped, and a paragraph that goes on over
    a page break is joined too.  Each section keeps the page it starts on.
    """
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise Unreadable("the PDF is encrypted")
        info = reader.metadata
        outline = _outline_by_page(reader)
        page_lines = _pdf_lines(data)
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as error:
        raise Unreadable(f"not a readable PDF ({error})") from None
    meta: dict[str, str] = {}
    if info is not None:
        if info.title and info.title.strip():
            meta["title"] = info.title.strip()
        if info.author and info.author.strip():
            meta["author"] = info.author.strip()
    title: str | None = None
    sections: list[Section] = []
    pages: list[int] = []
    for number, paragraphs in enumerate(pdf_paragraphs(page_lines), 1):
        lines = _mark_headings(clean_lines("\n".join(paragraphs)), outline.get(number, ()))
        if number == 1:
            structure = parse_structure(lines)
            title = structure.title
            found = list(structure.sections)
        else:
            carry = sections[-1].heading if sections else None
            found = parse_sections(lines, carry)
        sections += found
        pages += [number] * len(found)
    if not any(s.paragraphs for s in sections):
        raise Unreadable("the PDF has no extractable text (scanned images need OCR first)")
    opening = " ".join([title or "", *(line for page in page_lines[:2] for line in page)])
    if "title" in meta and not _shares_a_word(meta["title"], opening):
        del meta["title"]  # a producer's name ("Enscript Output"), not the document's title
    return title, sections, pages, meta


def _outline_by_page(reader: Any) -> dict[int, list[str]]:
    """The PDF's outline (bookmarks): each page's entry titles, pages from 1."""
    found: dict[int, list[str]] = {}

    def visit(items: Any) -> None:
        for item in items:
            if isinstance(item, list):
                visit(item)
                continue
            try:
                page = reader.get_destination_page_number(item)
            except Exception:  # an entry pointing nowhere: no heading to mark
                continue
            if page is not None and page >= 0 and getattr(item, "title", None):
                found.setdefault(page + 1, []).append(" ".join(str(item.title).split()))

    try:
        visit(reader.outline)
    except Exception:  # a damaged outline costs the headings it would give, nothing else
        return {}
    return found


_SECTION_NUMBER = re.compile(r"^(?:\d+[.)]?)+\s+")


def _folded(text: str) -> str:
    return re.sub(r"\W+", "", text.casefold())


def _mark_headings(lines: list[str], titles: Iterable[str]) -> list[str]:
    """Lines that an outline entry names become Markdown headings.

    >>> _mark_headings(["1.2 Programs needed", "You need gcc."], ["Programs needed"])
    ['# 1.2 Programs needed', 'You need gcc.']
    """
    wanted = {_folded(t) for t in titles}
    wanted.discard("")
    if not wanted:
        return lines
    return [
        f"# {line}"
        if _folded(_SECTION_NUMBER.sub("", line)) in wanted or _folded(line) in wanted
        else line
        for line in lines
    ]


def _shares_a_word(title: str, text: str) -> bool:
    """Whether a word of three or more letters of ``title`` is in ``text``.

    >>> _shares_a_word("Enscript Output", "50 remarks on networking")
    False
    >>> _shares_a_word("Networking Report 2024", "Networking Report")
    True
    """
    words = set(re.findall(r"[^\W\d_]{3,}", text.casefold()))
    return any(w in words for w in re.findall(r"[^\W\d_]{3,}", title.casefold()))


def _pdf_lines(data: bytes) -> list[list[str]]:
    """Each page's text lines, a blank line after each block of text.

    pdfminer.six places words by their characters' positions, so words stay
    apart where pypdf ran a tenth of the Debian Reference's words together
    ("Regularexpressionsareused"); its layout analysis groups lines into
    blocks (paragraphs, headings) and orders columns."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams, LTTextContainer

    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    pages: list[list[str]] = []
    for layout in extract_pages(io.BytesIO(data), laparams=LAParams()):
        lines: list[str] = []
        for element in layout:
            if not isinstance(element, LTTextContainer):
                continue
            block = [" ".join(line.split()) for line in element.get_text().split("\n")]
            block = [line for line in block if line]
            if block:
                lines += [*block, ""]
        pages.append(lines[:-1])
    return pages


_PAGE_NUMBER = re.compile(
    r"^(?:[-–—]\s*)?(?:page|seite|página|p\.)?\s*\d{1,3}(?:\s*(?:/|of|von|de)\s*\d{1,3})?(?:\s*[-–—])?$",
    re.I,
)


def pdf_paragraphs(pages: list[list[str]]) -> list[list[str]]:
    """Each page's lines as paragraph lines: running heads, footers and page
    numbers dropped, wrapped lines joined, and a paragraph cut by a page
    break finished on the page where it starts.

    >>> pdf_paragraphs([["Lead levels were below 3", "parts per", "- 1 -"], ["billion.", "- 2 -"]])
    [['Lead levels were below 3 parts per billion.'], []]
    """
    pages = _without_running_lines(pages)
    width = typical_width([line for page in pages for line in page])
    joined = [join_wrapped_lines(page, width) for page in pages]
    for previous, page in itertools.pairwise(joined):
        last = next((i for i in range(len(previous) - 1, -1, -1) if previous[i]), None)
        first = next((i for i, line in enumerate(page) if line), None)
        if last is None or first is None:
            continue
        if continues(previous[last], page[first]):
            previous[last] = join_two(previous[last], page[first])
            del page[first]
    return joined


def _without_running_lines(pages: list[list[str]]) -> list[list[str]]:
    """Pages without page numbers at the top or bottom, nor the lines repeated
    at the top or bottom of most pages (running heads and footers).

    A line repeated with other numbers is a running line only when its number
    goes up with the page ("Page 3 of 9"), not when lines at page edges merely
    look alike ("Remark 9", "Remark 10" are text).

    >>> pages = [["Remark %d" % (2 * p + 1), "x", "Remark %d" % (2 * p + 2), "Page %d" % (p + 1)]
    ...          for p in range(4)]
    >>> [page[0] for page in _without_running_lines(pages)]
    ['Remark 1', 'Remark 3', 'Remark 5', 'Remark 7']
    """

    def key(line: str) -> str:
        return re.sub(r"\d+", "#", line.strip().casefold())

    def edges(page: list[str]) -> list[int]:
        filled = [i for i, line in enumerate(page) if line.strip()]
        return filled[:2] + filled[-2:]

    seen: dict[str, dict[int, str]] = {}
    for number, page in enumerate(pages):
        for i in edges(page):
            seen.setdefault(key(page[i]), {}).setdefault(number, page[i].strip())
    least = max(3, len(pages) // 2)
    repeated = {k for k, lines in seen.items() if len(pages) >= 3 and _running(lines, least)}
    out = []
    for page in pages:
        drop = {
            i
            for i in edges(page)
            if key(page[i]) in repeated or _PAGE_NUMBER.match(page[i].strip())
        }
        out.append([line for i, line in enumerate(page) if i not in drop])
    return out


def _running(lines: dict[int, str], least: int) -> bool:
    """Lines alike at the edges of pages (page number -> line) run over the
    pages: the same text on ``least`` pages, or a number that follows the page."""
    if len(lines) < least:
        return False
    texts = list(lines.values())
    if max(texts.count(t) for t in set(texts)) >= least:
        return True
    offsets = []
    for page, line in lines.items():
        numbers = re.findall(r"\d+", line)
        if numbers:
            offsets.append(int(numbers[-1]) - page)
    return bool(offsets) and max(offsets.count(o) for o in set(offsets)) >= least


def read(data: bytes, owner: Mapping[str, str]) -> Parsed:
    title, sections, pages, meta = pdf_sections(data)
    return Parsed(
        title=title, sections=tuple(sections), pages=tuple(pages), meta=usable_page_meta(meta)
    )


FORMAT = Format("a PDF", (".pdf",), read)
