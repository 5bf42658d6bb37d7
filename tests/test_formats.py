"""HTML, PDF and DOCX files become documents like text files do."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from docbot.index import Searcher, build_index
from docbot.index.loader import load_document
from docbot.index.reading import Unreadable

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
