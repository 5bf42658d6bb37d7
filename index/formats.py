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

import io
import logging
import zipfile

from .cleaning import clean_lines
from .reading import Unreadable, read_text
from .records import Section
from .structure import parse_sections, parse_structure

HTML_SUFFIXES = (".html", ".htm")
PDF_SUFFIXES = (".pdf",)
DOCX_SUFFIXES = (".docx",)


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


def pdf_sections(data: bytes) -> tuple[str | None, list[Section], list[int], dict[str, str]]:
    """(title, sections, page of each section, metadata) of a PDF."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise Unreadable("the PDF is encrypted")
        texts = [page.extract_text() or "" for page in reader.pages]
        info = reader.metadata
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
    for number, text in enumerate(texts, 1):
        lines = clean_lines(text)
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
    return title, sections, pages, meta


def docx_sections(data: bytes) -> tuple[str | None, list[Section], dict[str, str]]:
    """(title, sections, metadata) of a Word document."""
    from docx import Document as open_docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = open_docx(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise Unreadable(f"not a readable .docx file ({error})") from None
    title: str | None = None
    sections: list[tuple[str | None, list[str]]] = [(None, [])]
    for paragraph in document.paragraphs:
        text = paragraph.text.strip()
        if not text:
            continue
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        if style == "Title" and title is None:
            title = text
        elif style.startswith("Heading"):
            sections.append((text, []))
        else:
            sections[-1][1].append(text)
    props = document.core_properties
    meta: dict[str, str] = {}
    if props.title:
        meta["title"] = props.title
    if props.author:
        meta["author"] = props.author
    if props.created:
        meta["date"] = props.created.date().isoformat()
    result = [Section(h, tuple(p)) for h, p in sections if p]
    if not result:
        raise Unreadable("the document has no text")
    return title, result, meta
