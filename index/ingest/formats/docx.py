"""Word files (``.docx``): python-docx's paragraphs and tables in reading
order; "Title" and "Heading N" styles give the title and the sections, the
core properties the author and date (not python-docx's template's)."""

from __future__ import annotations

import datetime
import io
import zipfile
from collections.abc import Mapping
from typing import Any

from ...records import Section
from ..meta import usable_page_meta
from ..reading import Unreadable
from . import Format, Parsed

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


def read(data: bytes, owner: Mapping[str, str]) -> Parsed:
    title, sections, meta = docx_sections(data)
    return Parsed(title=title, sections=tuple(sections), meta=usable_page_meta(meta))


FORMAT = Format("a .docx document", (".docx",), read)
