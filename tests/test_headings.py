"""The order among answers: a passage that opens a section whose heading
holds the question moves up; a translation in the question's language comes first."""

from __future__ import annotations

from contextlib import closing
from pathlib import Path

from docbot.index import DEFAULT_ENCODER, Searcher, build_index
from docbot.index.retrieval.ranking import (
    HEADING_MATCH,
    Candidate,
    cited_sections_first,
    cites,
    heading_coverage,
    heading_title,
    own_translation_first,
    with_headings,
)
from docbot.index.storage import store

TERMS = {"changelog": 1.39, "file": 0.16}


def candidate(pid: int, score: float) -> Candidate:
    return Candidate(pid, "en", pid, 1.0, 1.0, 2, 1.5, TERMS, 0.5, score)


def test_a_heading_that_holds_the_question_moves_its_section_up_but_only_so_far() -> None:
    mention, titled, far_behind = candidate(1, 0.62), candidate(2, 0.55), candidate(3, 0.40)
    share = heading_coverage(TERMS, {"changelog"})
    assert round(share, 2) == 0.9 and heading_coverage(TERMS, {"rule", "adjust"}) == 0.0
    ranked = with_headings([mention, titled, far_behind], {2: share, 3: share})
    assert [c.passage_id for c in ranked] == [2, 1, 3]  # 0.55 + 0.1 * 0.81 > 0.62
    assert ranked[0].score == titled.score + HEADING_MATCH * share**2
    ahead = with_headings([candidate(1, 0.75), titled], {2: share})
    assert [c.passage_id for c in ahead] == [1, 2]  # a clearly better passage stays first


def test_only_the_passage_that_opens_a_section_carries_its_heading(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    long_section = " ".join(
        f"Entry {i} of the changelog names the version, the urgency and who uploaded it."
        for i in range(40)
    )
    (corpus / "guide.md").write_text(
        "---\nlang: en\n---\n# Guide\n\n## changelog\n\n"
        f"{long_section}\n\n## Upload\n\nUse dput.\n",
        encoding="utf-8",
    )
    db = tmp_path / "index.db"
    build_index(corpus, db)
    searcher = Searcher(db)
    with closing(store.open_reader(db)) as conn:
        rows = conn.execute("SELECT id, section FROM passages ORDER BY ordinal").fetchall()
        opening = store.opening_sections(conn, [pid for pid, _ in rows])
    in_changelog = [pid for pid, section in rows if section == "changelog"]
    assert len(in_changelog) >= 2 and searcher.passage_count == len(rows)
    assert opening[in_changelog[0]] == "changelog"
    assert not any(pid in opening for pid in in_changelog[1:])


def test_a_translation_in_the_questions_language_comes_before_the_original() -> None:
    """Translated documentation: the English question's answer first in
    English when the English passage translates the German one ranked first;
    not when the English passage is about something else, nor beyond the
    first few."""
    german, english, other = (
        Candidate(1, "de", 0, 1.0, 1.0, 2, 1.5, TERMS, 0.6, 0.60),
        Candidate(2, "en", 0, 1.0, 1.0, 2, 1.5, TERMS, 0.5, 0.55),
        Candidate(3, "en", 1, 1.0, 1.0, 2, 1.5, TERMS, 0.5, 0.50),
    )
    close = {(("de", 0), ("en", 0)): 0.83, (("de", 0), ("en", 1)): 0.31}

    def similarity(a: tuple[str, int], b: tuple[str, int]) -> float | None:
        return close.get((a, b))

    ranked = own_translation_first([german, english, other], "en", similarity)
    assert [c.passage_id for c in ranked] == [2, 1, 3] and ranked[0].score == german.score
    assert own_translation_first([german, other, english], "en", similarity)[0] is german
    assert own_translation_first([german, english], "de", similarity)[0] is german
    assert own_translation_first([german, english], None, similarity)[0] is german


CITING_GUIDE = """---
lang: en
---
# Packaging guide

## 1.1. Getting started

Where you ask for help matters: help with packaging is easy to find when you know
where to ask. If you need some help with packaging, please read Section 1.4,
“Where to ask for help”.

## 1.2. Tools you need

You need a compiler, make and the debhelper scripts. Install them with apt first.

## 1.4. Where to ask for help

Before you decide to put your question in some public place, please read the
documentation in /usr/share/doc. If your question remains, write to the
debian-mentors mailing list or the IRC channel.
"""


def test_a_passage_that_cites_a_section_by_its_heading_comes_after_that_section() -> None:
    assert heading_title("1.4. Where to ask for help") == "Where to ask for help"
    assert heading_title("Kapitel 3 Was ist neu") == "Was ist neu"
    assert heading_title("4.1. control") is None  # one word: cited by any mention
    assert cites("please read Sección 1.4, «Dónde  pedir ayuda».", "Dónde pedir ayuda")
    assert not cites("Where to ask for help depends on you.", "Where to ask for help")
    citing, cited, other = candidate(1, 0.62), candidate(2, 0.55), candidate(3, 0.60)
    ranked = cited_sections_first([citing, other, cited], {1: 2})
    assert [c.passage_id for c in ranked] == [3, 2, 1]
    behind = candidate(1, 0.50)
    assert cited_sections_first([cited, behind], {1: 2}) == [cited, behind]  # already after it


def test_the_section_a_passage_cites_answers_before_the_citation(tmp_path: Path) -> None:
    """A guide whose introduction sends readers to "Section 1.4, “Where to ask
    for help”" in more of the question's words than the section itself: the
    section comes first, the introduction still answers after it."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "guide.md").write_text(CITING_GUIDE, encoding="utf-8")
    db = tmp_path / "index.db"
    build_index(corpus, db, semantic=DEFAULT_ENCODER)
    searcher = Searcher.open(db, DEFAULT_ENCODER)
    assert searcher.semantic_active
    hits = searcher.ask("Where to ask for help?").hits
    sections = [h.passage.section for h in hits]
    assert sections[:2] == ["1.4. Where to ask for help", "1.1. Getting started"], sections
