"""Reading HTML, PDF and DOCX files into the same ``Document`` shape as text.

* HTML: trafilatura extracts the main text as Markdown (navigation, footers,
  share widgets dropped; headings kept), with the page's title, author, date
  and canonical URL; the Markdown then goes the text path.
* PDF: pypdf extracts the text of each page; headings are found per page as in
  plain text, and each section remembers its page for the attribution.
* DOCX: python-docx paragraphs; "Title" and "Heading N" styles give the title
  and the sections; core properties give title, author and date.

Each reader raises ``Unreadable`` with a reason for files it cannot use.
"""

from __future__ import annotations

import datetime
import io
import itertools
import logging
import re
import zipfile
from collections.abc import Iterable
from typing import Any

from ..records import Section
from .cleaning import clean_lines
from .reading import Unreadable, read_text
from .structure import (
    continues,
    join_two,
    join_wrapped_lines,
    parse_sections,
    parse_structure,
    typical_width,
)


def html_to_markdown(data: bytes) -> tuple[str, dict[str, str]]:
    """Main text of a web page as Markdown, and its metadata."""
    import trafilatura

    page = read_text(data)
    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    markdown = trafilatura.extract(
        page,
        output_format="markdown",
        include_formatting=True,
        favor_recall=True,
        include_comments=False,
        include_tables=True,
    )
    if not markdown or not markdown.strip():
        raise Unreadable("no main text found in the page")
    found = trafilatura.bare_extraction(page, with_metadata=True, only_with_metadata=False)
    meta: dict[str, str] = {}
    for key, attr in (("title", "title"), ("author", "author"), ("date", "date"), ("url", "url")):
        value = getattr(found, attr, None) if found is not None else None
        if value:
            meta[key] = str(value)
    return markdown, meta


def html_metadata(page: str) -> dict[str, str]:
    """A web page's author, date and address, as its head and byline give them."""
    from trafilatura.metadata import extract_metadata

    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    logging.getLogger("htmldate").setLevel(logging.ERROR)
    found = extract_metadata(page, extensive=False)
    meta: dict[str, str] = {}
    for key in ("author", "date", "url"):
        value = getattr(found, key, None)
        if value:
            meta[key] = str(value)
    return meta


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


_DOCX_TEMPLATE_CREATED = datetime.datetime(2013, 12, 23, 23, 15)


def _docx_rows(table: Any) -> list[str]:
    """A Word table as lines a person reads, "cell — cell" (a merged cell,
    which python-docx repeats for each grid column it spans, once)."""
    rows = []
    for row in table.rows:
        cells: list[str] = []
        for cell in row.cells:
            text = " ".join(cell.text.split())
            if text and (not cells or cells[-1] != text):
                cells.append(text)
        if cells:
            rows.append(" — ".join(cells))
    return rows


def _docx_meta(props: Any) -> dict[str, str]:
    """Title, author and date of a Word file; none of python-docx's template
    (a generated file says it was written by "python-docx" on 2013-12-23)."""
    template = "python-docx" in (props.author, props.last_modified_by)
    meta: dict[str, str] = {}
    if props.title:
        meta["title"] = props.title
    if props.author and props.author != "python-docx":
        meta["author"] = props.author
    created = props.created
    if created and not (template and created.replace(tzinfo=None) == _DOCX_TEMPLATE_CREATED):
        meta["date"] = created.date().isoformat()
    return meta


def docx_sections(data: bytes) -> tuple[str | None, list[Section], dict[str, str]]:
    """(title, sections, metadata) of a Word document."""
    from docx import Document as open_docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table as DocxTable
    from lxml.etree import XMLSyntaxError

    try:
        document = open_docx(io.BytesIO(data))
    except XMLSyntaxError:
        raise Unreadable(
            "the .docx file is damaged: its text (word/document.xml) is cut short or not "
            "valid XML, as when a file was not completely saved; open and save it again"
        ) from None
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise Unreadable(f"not a readable .docx file ({error})") from None
    title: str | None = None
    sections: list[tuple[str | None, list[str]]] = [(None, [])]
    for block in document.iter_inner_content():
        if isinstance(block, DocxTable):
            rows = _docx_rows(block)
            if rows:
                sections[-1][1].append("\n".join(rows))
            continue
        text = block.text.strip()
        if not text:
            continue
        style = (block.style.name if block.style is not None else "") or ""
        if style == "Title" and title is None:
            title = text
        elif style.startswith("Heading"):
            sections.append((text, []))
        else:
            sections[-1][1].append(text)
    meta = _docx_meta(document.core_properties)
    result = [Section(h, tuple(p)) for h, p in sections if p]
    if not result:
        raise Unreadable("the document has no text")
    return title, result, meta
