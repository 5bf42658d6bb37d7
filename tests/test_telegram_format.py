"""Formatting for Telegram stays within Telegram's limits whatever the corpus
holds, and only http(s) URLs become links (pure functions, no bot)."""

from __future__ import annotations

import pytest

from docbot.bot.telegram import format as fmt
from docbot.index import Answer, DocumentInfo, Hit, Passage, Quote

from .botapi import ApiError, check_text

LONG_TITLE = "A very long title " * 250  # 4,500 characters
LONG_URL = "https://example.org/" + "segment/" * 525  # 4,220 characters


def name_of(tag: str) -> str:
    return {"en": "English", "de": "German"}.get(tag, tag)


def passage(**fields: object) -> Passage:
    values: dict[str, object] = {
        "doc": "002_38366ab575c2df6f.txt",
        "ordinal": 3,
        "title": "5 Differences Between Social Media and Social Networking",
        "section": "3. Return on Investment",
        "lang": "en",
        "text": "This doesn't mean that ROI is null. It is measured differently.",
        "url": None,
    }
    values.update(fields)
    return Passage(**values)  # type: ignore[arg-type]


def hit(p: Passage, quote: str | None = None, cross: bool = False) -> Hit:
    text = quote if quote is not None else p.text
    return Hit(1, 1.0, p, Quote(text, ((0, 4),)), ((0, 4),), cross)


def visible_length(html: str) -> int:
    return len(check_text(html, "HTML"))


def test_javascript_and_other_schemes_are_never_links() -> None:
    for url in ("javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,x", "ftp://x.org/a"):
        line = fmt.source_html(passage(url=url), name_of)
        assert "<a " not in line and "javascript" not in line.lower(), url
        assert "002_38366ab575c2df6f.txt" in line  # the file name stands in for the link
    assert '<a href="https://example.org/roi">source</a>' in fmt.source_html(
        passage(url="https://example.org/roi"), name_of
    )


def test_a_4500_character_title_gives_messages_within_the_limit() -> None:
    p = passage(title=LONG_TITLE, section=LONG_TITLE)
    answer = Answer(question="ROI?", lang="en", lang_reason="detected", hits=(hit(p),), total=1)
    messages = fmt.answer_messages(answer, "en", name_of)
    assert messages and all(len(m) <= fmt.MAX_MESSAGE for m in messages)
    assert all(visible_length(m) <= fmt.MAX_MESSAGE for m in messages)
    assert "…" in messages[0]  # the title was cut, with an ellipsis
    section = fmt.section_messages([p, p], name_of)
    assert all(len(m) <= fmt.MAX_MESSAGE for m in section)


def test_a_4220_character_url_is_cut_not_linked_and_fits() -> None:
    p = passage(url=LONG_URL)
    html = fmt.hit_html(hit(p), "en", name_of)
    assert len(html) <= fmt.MAX_MESSAGE and "<a " not in html
    check_text(html, "HTML")


def test_a_huge_quote_with_marks_is_cut_to_fit_as_valid_html() -> None:
    text = "ROI & <networking> " * 600  # 11,400 characters, escaping makes it longer
    p = passage(text=text, title=LONG_TITLE, url=LONG_URL)
    html = fmt.hit_html(hit(p, text, cross=True), "en", name_of)
    assert len(html) <= fmt.MAX_MESSAGE
    assert "<b>ROI </b>" in html or "<b>ROI</b>" in html
    check_text(html, "HTML")


def test_inline_results_fit_whatever_the_metadata() -> None:
    h = hit(passage(title=LONG_TITLE, section=None, url=LONG_URL), "word " * 2000)
    assert len(fmt.inline_title(h)) <= fmt.MAX_INLINE_TITLE
    assert len(fmt.inline_description(h)) <= fmt.MAX_INLINE_DESCRIPTION
    assert len(fmt.hit_html(h, "en", name_of)) <= fmt.MAX_MESSAGE


def test_sources_of_a_big_corpus_fit_in_a_few_messages() -> None:
    docs = [
        DocumentInfo(f"doc{i}.txt", f"Title {i} " + "x" * 300, "en", 3, url="javascript:x")
        for i in range(10_000)
    ]
    messages = fmt.sources_messages(docs, "en", name_of)
    assert 1 <= len(messages) <= 3
    assert all(len(m) <= fmt.MAX_MESSAGE for m in messages)
    assert "9,970 more" in messages[-1] and "<a " not in "".join(messages)


@pytest.mark.parametrize(
    "data",
    [
        "m:99999999999999999999a" + "9" * 50,  # over 64 bytes
        "m: 1",
        "m:١",  # an Arabic-Indic digit
        "f:1",
        "f:1:1:1",
        "f:abc:2",
        "m:1\n",
        "s:",
        "x:1",
        "l:<b>",
        "",
    ],
)
def test_button_data_is_parsed_strictly(data: str) -> None:
    assert fmt.Callback.decode(data) is None


def test_button_data_round_trips_and_fits_64_bytes() -> None:
    for callback in (
        fmt.Callback("m", ("Xq3_-a1B2c3D",)),
        fmt.Callback("f", ("Xq3_-a1B2c3D", "0")),
        fmt.Callback("l", ("de-AT",)),
    ):
        data = callback.encode()
        assert len(data.encode()) <= 64
        assert fmt.Callback.decode(data) == callback
    with pytest.raises(ValueError):
        fmt.Callback("f", ("id", "2")).encode()


def test_check_text_is_the_emulators_own_rule() -> None:
    with pytest.raises(ApiError):
        check_text("x" * 4097, None)
