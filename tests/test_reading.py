"""Reading corpus files: encodings, binary and empty files, owner metadata."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from docbot.index.loader import load_document
from docbot.index.reading import Unreadable

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
