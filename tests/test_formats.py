"""HTML, PDF and DOCX files become documents like text files do."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from docbot.index import Searcher, build_index
from docbot.index.ingest.loader import load_document
from docbot.index.ingest.reading import Unreadable

PAGE = """<!doctype html><html lang="en"><head><title>ROI of Networking | Example Blog</title>
<meta name="author" content="Jane Doe">
<link rel="canonical" href="https://blog.example.org/roi-networking"></head><body>
<nav><a href="/">Home</a> | <a href="/about">About</a> | <a href="/contact">Contact us</a></nav>
<article><h1>Measuring the ROI of Networking</h1>
<p>Networking pays off slowly, but it can be measured if you track the right numbers.</p>
<h2>What to count</h2>
<p>Count introductions, follow-up meetings and the deals that started from a conversation
at an event &amp; compare them with the hours you spent.</p>
<h2>When to stop</h2>
<p>If a group brings you nothing after a year, spend your evenings somewhere else.</p>
</article>
<aside>Subscribe to our newsletter! Share on Facebook Tweet this</aside>
<footer>© 2024 Example Blog. All rights reserved. Privacy policy. Cookie settings.</footer>
</body></html>"""


def make_pdf(pages: list[list[str]], title: str | None = None) -> bytes:
    """A minimal valid PDF: one text line per entry, Helvetica, one page per list."""
    objects: list[bytes] = []
    page_ids = [4 + 2 * i for i in range(len(pages))]
    info = f"<< /Title ({title}) >>".encode() if title else b"<< >>"
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    kids = " ".join(f"{i} 0 R" for i in page_ids)
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for i, lines in enumerate(pages):
        content = (
            "BT /F1 11 Tf 14 TL 50 780 Td " + " ".join(f"({line}) Tj T*" for line in lines) + " ET"
        )
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 842] "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {page_ids[i] + 1} 0 R >>".encode()
        )
        objects.append(f"<< /Length {len(content)} >>\nstream\n{content}\nendstream".encode())
    objects.append(info)
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info {len(objects)} 0 R >>\n"
        f"startxref\n{xref}\n%%EOF\n"
    ).encode()
    return bytes(out)


def make_docx(path: Path) -> None:
    from docx import Document

    document = Document()
    document.core_properties.author = "Ana Ruiz"
    document.add_heading("Guía de networking", 0)
    document.add_paragraph(
        "Esta guía explica cómo medir el retorno de las relaciones profesionales."
    )
    document.add_heading("Medir el retorno", 1)
    document.add_paragraph(
        "Cuenta las presentaciones, las reuniones y los acuerdos que nacieron "
        "de una conversación en un evento."
    )
    document.add_heading("Cuándo parar", 1)
    document.add_paragraph(
        "Si un grupo no te aporta nada después de un año, dedica tus tardes a otra cosa."
    )
    document.save(str(path))


def test_html_main_text_title_headings_and_url(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(PAGE, encoding="utf-8")
    doc = load_document(path, "page.html")
    body = " ".join(p for s in doc.sections for p in s.paragraphs)
    assert doc.title == "Measuring the ROI of Networking"
    assert doc.author == "Jane Doe" and doc.url == "https://blog.example.org/roi-networking"
    assert [s.heading for s in doc.sections if s.heading] == ["What to count", "When to stop"]
    assert "deals that started from a conversation" in body and "&" in body
    for chrome in ("Contact us", "newsletter", "All rights reserved", "Cookie"):
        assert chrome not in body
    assert doc.lang == "en"


def test_pdf_text_per_page_with_page_numbers(tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(
        make_pdf(
            [
                [
                    "Networking Report",
                    "",
                    "1. Counting contacts",
                    "We counted every new contact made at the spring conference in Lisbon.",
                ],
                ["2. Following up", "Follow-up meetings turned one in five contacts into clients."],
            ],
            title="Networking Report 2024",
        )
    )
    doc = load_document(path, "report.pdf")
    assert doc.title == "Networking Report 2024"
    assert [s.heading for s in doc.sections] == ["1. Counting contacts", "2. Following up"]
    assert doc.page_of_section == (1, 2)
    db = tmp_path / "i.db"
    corpus = tmp_path
    build_index(corpus, db)
    hit = Searcher(db).ask("How many contacts became clients after follow-up meetings?").hits[0]
    assert hit.passage.page == 2 and hit.passage.doc == "report.pdf"


def test_docx_headings_from_styles(tmp_path: Path) -> None:
    path = tmp_path / "guia.docx"
    make_docx(path)
    doc = load_document(path, "guia.docx")
    assert doc.title == "Guía de networking"
    assert doc.author == "Ana Ruiz"
    assert [s.heading for s in doc.sections] == [None, "Medir el retorno", "Cuándo parar"]
    assert doc.lang == "es"


@pytest.mark.parametrize("name", ["zero.pdf", "zero.docx", "zero.html"])
def test_zero_byte_files_of_known_types(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_bytes(b"")
    with pytest.raises(Unreadable, match="empty"):
        load_document(tmp_path / name, name)


@pytest.mark.parametrize("name", ["random.pdf", "random.docx", "random.html", "random.md"])
def test_random_bytes_under_a_known_extension(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_bytes(os.urandom(3000))
    with pytest.raises(Unreadable):
        load_document(tmp_path / name, name)


def test_bad_files_are_listed_and_the_rest_indexed(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "page.html").write_text(PAGE, encoding="utf-8")
    make_docx(corpus / "guia.docx")
    (corpus / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    (corpus / "notes.rtf").write_text("{\\rtf1 hello}")
    (corpus / "bad.txt").write_bytes(b"\xff\xfe\x00\x00" + os.urandom(500))
    report = build_index(corpus, tmp_path / "i.db")
    assert set(report.added) == {"page.html", "guia.docx"}
    reasons = dict(report.skipped)
    assert "PDF" in reasons["broken.pdf"]
    assert "unsupported" in reasons["notes.rtf"]
    assert "bad.txt" in reasons
    searcher = Searcher(tmp_path / "i.db")
    assert searcher.ask("¿Cómo medir el retorno del networking?").hits[0].passage.doc == "guia.docx"
    assert searcher.ask("What should I count to measure networking?").hits[0].passage.url == (
        "https://blog.example.org/roi-networking"
    )


def truncated_docx(path: Path) -> None:
    """A .docx whose word/document.xml is cut in half, as an incompletely saved file is."""
    import io
    import zipfile

    make_docx(path)
    whole = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as cut:
        for item in whole.infolist():
            data = whole.read(item.filename)
            if item.filename == "word/document.xml":
                data = data[: len(data) // 2]
            cut.writestr(item, data)
    path.write_bytes(out.getvalue())


def test_truncated_docx_is_unreadable_with_a_reason(tmp_path: Path) -> None:
    truncated_docx(tmp_path / "cut.docx")
    with pytest.raises(Unreadable, match=r"damaged: its text \(word/document.xml\) is cut short"):
        load_document(tmp_path / "cut.docx", "cut.docx")


def test_any_error_of_a_format_library_becomes_a_reason(tmp_path: Path) -> None:
    import io
    import zipfile

    make_docx(tmp_path / "good.docx")
    whole = zipfile.ZipFile(io.BytesIO((tmp_path / "good.docx").read_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as odd:
        for item in whole.infolist():
            data = whole.read(item.filename)
            odd.writestr(item, b"<x/>" if item.filename == "word/document.xml" else data)
    (tmp_path / "odd.docx").write_bytes(out.getvalue())  # python-docx: AttributeError
    with pytest.raises(Unreadable, match=r"cannot read it as a \.docx document \(AttributeError"):
        load_document(tmp_path / "odd.docx", "odd.docx")


def test_a_damaged_file_never_stops_the_rest(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "page.html").write_text(PAGE, encoding="utf-8")
    make_docx(corpus / "guia.docx")
    truncated_docx(corpus / "cut.docx")
    (corpus / "bad-lang.md").write_text("---\nlang: 12345\n---\nSome notes on lead.\n")
    report = build_index(corpus, tmp_path / "i.db")
    assert set(report.added) == {"page.html", "guia.docx"}
    reasons = dict(report.skipped)
    assert "damaged" in reasons["cut.docx"]
    assert "lang: 12345" in reasons["bad-lang.md"]
    hit = Searcher(tmp_path / "i.db").ask("What should I count to measure networking?").hits[0]
    assert hit.passage.doc == "page.html" and hit.passage.section == "What to count"


WATER = [
    "Water Quality Report 2023",
    "",
    "1. Lead",
    "In 2023 the utility sampled 120 homes. All lead levels measured at the tap were below 3",
    "parts per billion, well under the federal action level of 15 parts per billion. Homes",
    "built before 1986 were sampled first, because their service lines are the most likely",
    "to contain lead.",
    "",
    "Copper levels were low as well.",
]


def test_wrapped_pdf_lines_become_one_paragraph(tmp_path: Path) -> None:
    (tmp_path / "water.pdf").write_bytes(make_pdf([WATER]))
    doc = load_document(tmp_path / "water.pdf", "water.pdf")
    assert doc.title == "Water Quality Report 2023"
    assert doc.sections[0].heading == "1. Lead"
    assert doc.sections[0].paragraphs == (
        "In 2023 the utility sampled 120 homes. All lead levels measured at the tap were below 3 "
        "parts per billion, well under the federal action level of 15 parts per billion. Homes "
        "built before 1986 were sampled first, because their service lines are the most likely "
        "to contain lead.",
        "Copper levels were low as well.",
    )


def test_pdf_paragraph_over_a_page_break_page_numbers_and_running_heads(tmp_path: Path) -> None:
    head = "Acme Utilities - Annual Report"
    pages = [
        [head, "", "Lead service lines were replaced in 40 streets, and the crews will", "", "1"],
        [head, "", "finish the remaining 12 streets by the end of next year.", "", "2"],
        [
            head,
            "",
            "2. Copper",
            "Copper levels stayed below the action level in every home.",
            "",
            "3",
        ],
    ]
    (tmp_path / "r.pdf").write_bytes(make_pdf(pages))
    doc = load_document(tmp_path / "r.pdf", "r.pdf")
    text = [p for s in doc.sections for p in s.paragraphs]
    assert text[0] == (
        "Lead service lines were replaced in 40 streets, and the crews will finish the "
        "remaining 12 streets by the end of next year."
    )
    assert all(head not in p and p not in {"1", "2", "3"} for p in text)
    assert [s.heading for s in doc.sections if s.heading] == ["2. Copper"]
    assert doc.page_of_section[0] == 1 and doc.page_of_section[-1] == 3


def test_wrapped_pdf_paragraph_is_quoted_whole_with_its_page(tmp_path: Path) -> None:
    (tmp_path / "water.pdf").write_bytes(make_pdf([["Water Quality Report"], WATER[2:]]))
    build_index(tmp_path, tmp_path / "i.db")
    answer = Searcher(tmp_path / "i.db").ask("What lead levels were measured at the tap?")
    hit = answer.hits[0]
    assert "below 3 parts per billion" in hit.quote.text
    assert hit.passage.page == 2
