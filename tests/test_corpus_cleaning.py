"""Cleaning and structure of every seed document: no chrome left, no sentence lost."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from docbot.index.ingest.loader import load_document
from docbot.index.records import Document

from .conftest import CORPUS

# Page chrome the seeds carry, written out literally (independent of the rules).
CHROME = [
    "Advertisements",
    "Schlagwörter",
    "Kommentar verfassen",
    "Trage deine Daten unten ein",
    "WordPress.com-Logo",
    "Du kommentierst mit",
    "Twitter-Bild",
    "Facebook-Foto",
    "Google+ Foto",
    "Verbinde mit %s",
    "Bloggern gefällt das",
    "Leave a Reply",
    "Want to join the discussion",
    "Feel free to contribute",
    "Volver a la Portada",
    "Logo Paperblog",
]
TRAILING_WORDS = {"Comments", "Vía"}

EXPECTED = {
    "000_0aa6e62ea50a720a.txt": {
        "title": "5 Unterschiede zwischen Social Media und Social Networking",
        "lang": "de",
        "headings": [
            "1. Die einfachste Definition",
            "2. Form der Kommunikation",
            "3. Kapitalrendite",
            "4. Zeitnahe Reaktion",
            "5. Um Hilfe bitten",
        ],
        "date": None,
        "author": None,
    },
    "001_2d344c75e50ed637.txt": {
        "title": "Wir wurden bereits mehrfach gefragt: Was genau ist der Unterschied zwischen "
        "sozialen Netzwerken und sozialen Medien?",
        "lang": "de",
        "headings": [],
        "date": None,
        "author": "EyOnline agency Webmarketing & operatives Marketing in Frankreich",
    },
    "002_38366ab575c2df6f.txt": {
        "title": "5 Differences Between Social Media and Social Networking",
        "lang": "en",
        "headings": [
            "1. By Any Definition",
            "2. Communication Style",
            "3. Return on Investment",
            "4. Timely Responses",
            "5. Asking or Telling",
        ],
        "date": "2015-04-13",
        "author": None,
    },
    "003_b874282588a5190a.txt": {
        "title": "Social Media Networking: Eine Definition",
        "lang": "de",
        "headings": [
            "Was ist Social Media Networking?",
            "Social Media und Social Media Networking",
            "Die wichtigsten Social Media",
            "Eine Social Media Network Strategie",
        ],
        "date": None,
        "author": None,
    },
    "004_bbc4f9790b92bfd2.txt": {
        "title": "Las 5 grandes diferencias entre Social Media y Social Networking",
        "lang": "es",
        "headings": [
            "1. Estilo de comunicación",
            "2. Metas",
            "3. Contenido",
            "4. Tiempo y esfuerzo",
            "5. ROI",
        ],
        "date": "2015-06-30",
        "author": "Cristianmonroy",
    },
}


def _load(name: str) -> Document:
    return load_document(CORPUS / name, name)


def _body(doc: Document) -> str:
    return "\n".join(p for s in doc.sections for p in s.paragraphs)


def _norm(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split())


def _real_lines(path: Path, doc: Document) -> list[str]:
    """Lines of the original that are article text (not chrome, title, byline or heading)."""
    expected = EXPECTED[path.name]
    skip = {expected["title"], *expected["headings"], "Revista Comunicación"}
    out = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = _norm(raw)
        if not line or line in skip or line in TRAILING_WORDS:
            continue
        if any(chrome in line for chrome in CHROME):
            continue
        if re.match(r"^(Monday, 13 April 2015|Publicado el .*|par EyOnline.*)$", line):
            continue
        out.append(line)
    return out


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_no_boilerplate_left(name: str) -> None:
    body = _body(_load(name))
    for chrome in CHROME:
        assert chrome not in body, chrome
    last_lines = [line.strip() for line in body.splitlines()[-2:]]
    assert not TRAILING_WORDS & set(last_lines)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_real_sentence_is_kept(name: str) -> None:
    doc = _load(name)
    body = _norm(_body(doc))
    lines = _real_lines(CORPUS / name, doc)
    assert lines
    for line in lines:
        assert line in body, line


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_title_headings_byline_and_language(name: str) -> None:
    doc = _load(name)
    expected = EXPECTED[name]
    assert doc.title == expected["title"]
    assert [s.heading for s in doc.sections if s.heading] == expected["headings"]
    assert doc.lang == expected["lang"]
    assert doc.date == expected["date"]
    assert doc.author == expected["author"]


def test_site_name_before_a_repeated_title_is_not_text() -> None:
    doc = _load("004_bbc4f9790b92bfd2.txt")
    assert doc.site == "Revista Comunicación"
    assert "Revista Comunicación" not in _body(doc)
    assert doc.title not in _body(doc)


def test_a_list_stays_with_its_introduction() -> None:
    doc = _load("001_2d344c75e50ed637.txt")
    paragraph = next(p for s in doc.sections for p in s.paragraphs if "Mikroblogs" in p)
    assert paragraph.startswith("Soziale Medien hingegen umfassen")
    assert "Online-Gaming-Plattformen" in paragraph
