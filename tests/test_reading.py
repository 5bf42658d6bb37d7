"""Reading corpus files: encodings, binary and empty files, owner metadata."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from docbot.index.ingest.loader import load_document
from docbot.index.ingest.reading import Unreadable

TEXT = (
    "Networking Notes\n\nThe return on investment of networking grows with every contact "
    "you make and every conversation you keep going over the years.\n"
)


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    "data",
    [
        TEXT.encode("utf-8"),
        b"\xef\xbb\xbf" + TEXT.encode("utf-8"),
        TEXT.replace("\n", "\r\n").encode("utf-8"),
        TEXT.encode("utf-16"),
    ],
    ids=["utf8", "utf8-bom", "crlf", "utf16-bom"],
)
def test_text_encodings_give_the_same_document(tmp_path: Path, data: bytes) -> None:
    doc = load_document(_write(tmp_path, "a.txt", data), "a.txt")
    assert doc.title == "Networking Notes"
    assert doc.sections[0].paragraphs[0].startswith("The return on investment")
    assert "\r" not in doc.sections[0].paragraphs[0]


def test_latin1_file_is_detected(tmp_path: Path) -> None:
    text = (
        "Größere Reichweite\n\nSoziale Netzwerke verbinden Menschen über gemeinsame Interessen "
        "und fördern den Austausch. Die Kapitalrendite lässt sich schwer messen, "
        "aber Gespräche zählen mehr als Zahlen."
    )
    doc = load_document(_write(tmp_path, "l.txt", text.encode("latin-1")), "l.txt")
    assert doc.title == "Größere Reichweite"
    assert "fördern" in doc.sections[0].paragraphs[0]
    assert doc.lang == "de"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"   \n\n  ", "empty"),
        (bytes(range(256)) * 20, "binary"),
        (b"PK\x03\x04\x00\x00\x08\x00" + b"\x00\x17" * 300, "binary"),
    ],
    ids=["empty", "blank", "random-bytes", "zip"],
)
def test_unusable_files_raise_with_a_reason(tmp_path: Path, data: bytes, reason: str) -> None:
    with pytest.raises(Unreadable, match=reason):
        load_document(_write(tmp_path, "bad.txt", data), "bad.txt")


def test_unsupported_extension(tmp_path: Path) -> None:
    with pytest.raises(Unreadable, match="unsupported"):
        load_document(_write(tmp_path, "x.xyz", b"hello"), "x.xyz")


def test_front_matter_sets_metadata_without_touching_the_text(tmp_path: Path) -> None:
    data = "---\ntitle: Notes on ROI\nurl: https://example.org/roi\nauthor: Ana\n---\n" + TEXT
    doc = load_document(_write(tmp_path, "f.md", data.encode()), "f.md")
    assert (doc.title, doc.url, doc.author) == ("Notes on ROI", "https://example.org/roi", "Ana")
    assert "title:" not in "".join(p for s in doc.sections for p in s.paragraphs)


def test_sidecar_metadata_wins(tmp_path: Path) -> None:
    path = _write(tmp_path, "s.txt", TEXT.encode())
    (tmp_path / "s.txt.meta.json").write_text(
        json.dumps({"title": "Sidecar title", "source": "https://example.org/s", "lang": "en-GB"})
    )
    doc = load_document(path, "s.txt")
    assert (doc.title, doc.url, doc.lang) == ("Sidecar title", "https://example.org/s", "en-GB")


def test_broken_sidecar_is_reported(tmp_path: Path) -> None:
    path = _write(tmp_path, "s.txt", TEXT.encode())
    (tmp_path / "s.txt.meta.json").write_text("{not json")
    with pytest.raises(Unreadable, match="not valid JSON"):
        load_document(path, "s.txt")


def test_markdown_headings_and_inline_markup(tmp_path: Path) -> None:
    data = (
        "# Guide to ROI\n\nIntro paragraph that explains what the guide covers in enough words.\n\n"
        "## Measuring\n\nUse **clear** numbers and [links](https://x.org) to measure the "
        "return of your networking efforts over a quarter.\n"
    )
    doc = load_document(_write(tmp_path, "g.md", data.encode()), "g.md")
    assert doc.title == "Guide to ROI"
    assert [s.heading for s in doc.sections] == [None, "Measuring"]
    assert "Use clear numbers and links to measure" in doc.sections[1].paragraphs[0]


def test_english_windows_1252_reads_right(tmp_path: Path) -> None:
    text = (
        "Don’t forget the “early bird” discount: tickets cost €25 until Friday.\n\n"
        "The conference opens at nine – bring your badge.\n"
    )
    doc = load_document(_write(tmp_path, "w.txt", text.encode("cp1252")), "w.txt")
    body = "\n".join(p for s in doc.sections for p in s.paragraphs)
    assert "Don’t forget the “early bird” discount: tickets cost €25" in doc.title + body
    assert "opens at nine – bring your badge." in body
    assert doc.lang == "en"


@pytest.mark.parametrize("encoding", ["utf-16-be", "utf-16-le"])
def test_utf16_without_a_bom(tmp_path: Path, encoding: str) -> None:
    doc = load_document(_write(tmp_path, "u.txt", TEXT.encode(encoding)), "u.txt")
    assert doc.title == "Networking Notes"
    assert doc.sections[0].paragraphs[0].startswith("The return on investment")


def test_polish_in_windows_1250_is_not_read_as_1252(tmp_path: Path) -> None:
    text = "Zażółć gęślą jaźń. Pchnąć w tę łódź jeża lub ośm skrzyń fig. " * 3
    doc = load_document(_write(tmp_path, "pl.txt", text.encode("cp1250")), "pl.txt")
    assert "Zażółć gęślą jaźń" in doc.title + doc.sections[0].paragraphs[0]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("lang: 12345", "its front matter says lang: 12345, which is not a language"),
        ("date: someday", "its front matter says date: someday, which is not a date"),
        ("url: example.org/roi", "its front matter says url: example.org/roi, which is not a web"),
    ],
)
def test_front_matter_values_are_checked(tmp_path: Path, line: str, message: str) -> None:
    data = f"---\ntitle: Notes\n{line}\n---\n{TEXT}"
    with pytest.raises(Unreadable, match=message):
        load_document(_write(tmp_path, "f.md", data.encode()), "f.md")


def test_front_matter_dates_and_language_names_are_normalised(tmp_path: Path) -> None:
    data = f"---\ndate: 13.04.2015\nlang: English\n---\n{TEXT}"
    doc = load_document(_write(tmp_path, "f.md", data.encode()), "f.md")
    assert (doc.date, doc.lang) == ("2015-04-13", "en")


def test_sidecar_values_are_checked_and_named(tmp_path: Path) -> None:
    path = _write(tmp_path, "s.txt", TEXT.encode())
    (tmp_path / "s.txt.meta.json").write_text(json.dumps({"lang": 12345}))
    with pytest.raises(Unreadable, match=r"metadata file s\.txt\.meta\.json says lang: 12345"):
        load_document(path, "s.txt")


def test_first_markdown_heading_after_a_front_matter_title_is_a_section(tmp_path: Path) -> None:
    data = (
        "---\ntitle: Office Handbook\n---\n# Getting in\n\nThe front door opens with your badge "
        "from seven in the morning.\n\n## Parking\n\nVisitors park behind the building.\n"
    )
    doc = load_document(_write(tmp_path, "h.md", data.encode()), "h.md")
    assert doc.title == "Office Handbook"
    assert [s.heading for s in doc.sections] == ["Getting in", "Parking"]


def test_a_first_heading_that_repeats_the_title_is_the_title(tmp_path: Path) -> None:
    data = "---\ntitle: Office handbook\n---\n# Office Handbook\n\nThe front door opens at seven.\n"
    doc = load_document(_write(tmp_path, "h.md", data.encode()), "h.md")
    assert doc.title == "Office handbook"
    assert [s.heading for s in doc.sections] == [None]


def test_wrapped_markdown_paragraph_is_one_paragraph(tmp_path: Path) -> None:
    data = (
        "# Water\n\nLead levels measured at the tap were below 3\nparts per billion in every "
        "home we sampled.\n\n- a list item that\n  wraps too\n- another item\n"
    )
    doc = load_document(_write(tmp_path, "w.md", data.encode()), "w.md")
    paragraphs = doc.sections[0].paragraphs
    assert paragraphs[0] == (
        "Lead levels measured at the tap were below 3 parts per billion in every home we sampled."
    )
    assert "a list item that wraps too" in paragraphs[1]


def test_hard_wrapped_text_file_is_read_as_paragraphs(tmp_path: Path) -> None:
    data = (
        "Water Quality Report\n\n"
        "In 2023 the utility sampled 120 homes. All lead levels measured at the\n"
        "tap were below 3 parts per billion, well under the action level of 15\n"
        "parts per billion. Homes built before 1986 were sampled first because\n"
        "their pipes are the most likely to contain lead.\n\n"
        "Copper levels were also low in every home that was sampled this year.\n"
    )
    doc = load_document(_write(tmp_path, "r.txt", data.encode()), "r.txt")
    assert doc.sections[0].paragraphs[0].startswith("In 2023 the utility sampled 120 homes.")
    assert "at the tap were below 3 parts per billion, well under" in doc.sections[0].paragraphs[0]


def test_one_line_note_is_a_document(tmp_path: Path) -> None:
    doc = load_document(_write(tmp_path, "wifi.txt", b"Guest Wi-Fi password: sunflower42\n"), "w")
    assert doc.title == "Guest Wi-Fi password: sunflower42"
    assert doc.sections[0].paragraphs == ("Guest Wi-Fi password: sunflower42",)
    assert doc.lang == "en"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("The printer is on the second floor.", "en"),  # all-language model: Dutch
        ("Lunch at noon.", "en"),  # all-language model: Tagalog
        ("Die Teeküche ist im zweiten Stock.", "de"),
        ("Parkplatz nur für Besucher.", "de"),
        ("El código del wifi está en la recepción.", "es"),
    ],
)
def test_short_notes_get_the_corpus_language_they_are_in(
    tmp_path: Path, text: str, lang: str
) -> None:
    doc = load_document(_write(tmp_path, "n.txt", text.encode()), "n.txt", ["en", "de", "es"])
    assert doc.lang == lang


def test_short_note_in_a_corpus_language_without_function_words(tmp_path: Path) -> None:
    path = _write(tmp_path, "n.txt", "La stampante è al secondo piano.".encode())
    assert load_document(path, "n.txt", ["en", "de", "es", "it"]).lang == "it"


def test_a_language_outside_the_corpus_needs_a_sure_model(tmp_path: Path) -> None:
    text = "Le rapport annuel est disponible sur l'intranet depuis lundi, merci de le lire."
    path = _write(tmp_path, "n.txt", text.encode())
    assert load_document(path, "n.txt", ["en", "de", "es"]).lang == "fr"


def test_utf8_file_with_one_stray_byte_stays_utf8(tmp_path: Path) -> None:
    data = "Größere Reichweite\n\nÜber Qualität ".encode() + b"\x96" + " und Quantität.".encode()
    doc = load_document(_write(tmp_path, "s.txt", data), "s.txt")
    assert doc.title == "Größere Reichweite"
    assert doc.sections[0].paragraphs[0] == "Über Qualität \ufffd und Quantität."
