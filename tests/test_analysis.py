"""The analyzers, per language: tokens, folding, stopwords, stemming, compounds."""

from __future__ import annotations

import pytest

from docbot.index.analysis.analyzer import (
    analyze_spans,
    has_stemmer,
    stem,
    surface_forms,
    tokenize,
    words,
)
from docbot.index.analysis.compounds import split_stem, vocabulary_decompounder
from docbot.index.languages import stopwords_for


@pytest.mark.parametrize("lang", ["en", "de", "es"])
def test_hyphenated_words_give_parts_and_joined_form(lang: str) -> None:
    terms = tokenize("Video-Sharing", lang)
    assert tokenize("video", lang)[0] in terms
    assert tokenize("sharing", lang)[0] in terms
    assert tokenize("videosharing", lang)[0] in terms


def test_english_possessive_is_dropped() -> None:
    assert tokenize("networking's ROI", "en") == ["network", "roi"]
    assert tokenize("networking’s", "en") == ["network"]


def test_contractions_do_not_leave_fragments() -> None:
    assert tokenize("You can't automate it", "en") == ["autom"]


@pytest.mark.parametrize("lang", ["en", "de", "es"])
def test_numbers_and_percentages_are_kept(lang: str) -> None:
    assert tokenize("2011: 53 %", lang) == ["2011", "53", "%"]
    assert tokenize("53%", lang) == ["53", "%"]


def test_percent_words_meet_the_sign() -> None:
    assert "%" in tokenize("53 Prozent", "de")
    assert "%" in tokenize("what percentage", "en")
    assert "%" in tokenize("el porcentaje", "es")


def test_decimal_separators_are_unified() -> None:
    assert tokenize("3,5", "de") == tokenize("3.5", "en")


@pytest.mark.parametrize(
    ("lang", "upper", "lower"),
    [
        ("en", "SOCIAL MEDIA", "social media"),
        ("de", "STRASSE", "straße"),
        ("es", "CÓMO MEDIR", "cómo medir"),
    ],
)
def test_case_folding(lang: str, upper: str, lower: str) -> None:
    assert tokenize(upper, lang) == tokenize(lower, lang)


@pytest.mark.parametrize(
    ("lang", "accented", "plain"),
    [
        ("es", "comunicación electrónica", "comunicacion electronica"),
        ("de", "Käsekuchen für größere Nutzer", "Kaesekuchen fuer groessere Nutzer"),
        ("en", "café naïve", "cafe naive"),
    ],
)
def test_accent_folding_helps_recall(lang: str, accented: str, plain: str) -> None:
    if lang == "de":
        # German readers type ä as a or ae; the stemmer folds umlauts to the base vowel.
        assert tokenize("Käsekuchen", lang) == tokenize("Kasekuchen", lang)
        assert tokenize("für größere", lang) == tokenize("fur grossere", lang)
    else:
        assert tokenize(accented, lang) == tokenize(plain, lang)


@pytest.mark.parametrize("word", ["information", "system", "world", "group", "interest", "work"])
def test_english_stopwords_keep_content_words(word: str) -> None:
    assert word not in stopwords_for("en")
    assert tokenize(word, "en")


@pytest.mark.parametrize(
    ("lang", "sentence"),
    [
        ("en", "what is the of and to in"),
        ("de", "was ist der die das und zu beim"),
        ("es", "qué es el la de y en cómo"),
    ],
)
def test_function_words_are_stopwords(lang: str, sentence: str) -> None:
    assert tokenize(sentence, lang) == []


@pytest.mark.parametrize(
    ("lang", "forms"),
    [
        ("en", ["conversation", "conversations"]),
        ("de", ["Netzwerk", "Netzwerke", "Netzwerken"]),
        ("es", ["diferencia", "diferencias"]),
    ],
)
def test_snowball_stemming_conflates_inflections(lang: str, forms: list[str]) -> None:
    assert len({tuple(tokenize(f, lang)) for f in forms}) == 1


def test_german_compound_stems_split_on_the_vocabulary() -> None:
    vocabulary = {stem(w, "de") for w in ["kapital", "rendite", "internet", "nutzer"]}

    def split(word: str) -> list[str]:
        german = word.casefold()
        return split_stem(stem(german, "de"), vocabulary.__contains__, lambda w: stem(w, "de"))

    assert split("Kapitalrendite") == ["kapital", "rendit"]
    assert split("Internetnutzer") == ["internet", "nutz"]
    assert split("Kommunikationsform") == []  # neither part occurs on its own


def test_german_query_compounds_split_on_known_vocabulary() -> None:
    split = vocabulary_decompounder({"musik", "plattform"}.__contains__, lambda w: stem(w, "de"))
    assert tokenize("Musikplattformen", "de", split)[1:] == ["musik", "plattform"]
    assert tokenize("Käsekuchen", "de", split) == ["kasekuch"]


def test_unknown_language_gets_the_neutral_analyzer() -> None:
    assert not has_stemmer("xx")
    assert tokenize("Ünïcödé WORDS, words!", "xx") == ["unicode", "words", "words"]


def test_spans_point_at_the_source_words() -> None:
    text = "Social networking's ROI"
    spans = {t: text[a:b] for t, a, b in analyze_spans(text, "en")}
    assert spans["roi"] == "ROI"
    assert spans["network"] == "networking's"


def test_words_and_surface_forms() -> None:
    assert words("¿Cómo se mide?") == ["cómo", "se", "mide"]
    assert surface_forms("¿Cómo se mide el ROI?", "es") == ["mide", "roi"]


@pytest.mark.parametrize("text", ["", "   ", "!!! ??? ...", "🙂🚀", "* _ ` #"])
def test_no_words_means_no_terms(text: str) -> None:
    assert tokenize(text, "en") == []
