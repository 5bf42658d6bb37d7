"""What a question asks for: a number, or something the corpus names; per language,
and end to end over the seed corpus."""

from __future__ import annotations

import pytest

from docbot.index import Searcher
from docbot.index.analysis.answertype import expects_number, holds_number
from docbot.index.analysis.question import named_things


@pytest.mark.parametrize(
    "question",
    [
        "How many monthly active users does Instagram have?",
        "How much does LinkedIn Premium cost per month?",
        "What is the population of Spain?",
        "What's the price of an ad?",
        "Wie viele Einwohner hat Deutschland?",
        "Was kostet LinkedIn Premium im Monat?",
        "Wie teuer ist eine Anzeige?",
        "¿Cuántos habitantes tiene España?",
        "¿Cuánto cuesta anunciarse en Facebook?",
        "¿Qué precio tiene LinkedIn Premium?",
    ],
)
def test_questions_asking_for_a_count_or_a_price(question: str) -> None:
    assert expects_number(question)


@pytest.mark.parametrize(
    "question",
    [
        "How much time does social networking take?",
        "How do I measure ROI for networking?",
        "Does the number of platforms matter?",
        "Wie viel Zeit braucht Social Networking?",
        "Warum ist die Kapitalrendite so schwer zu bestimmen?",
        "¿Por qué cuesta tanto saber cuánto rinde la inversión?",
        "¿Cuánto tiempo lleva el networking?",
    ],
)
def test_questions_that_ask_for_no_number(question: str) -> None:
    assert not expects_number(question)


@pytest.mark.parametrize(
    ("text", "holds"),
    [
        ("Im Jahr 2011 nutzten 53 % der Internetnutzer soziale Netzwerke.", True),
        ("5 Differences Between Social Media and Social Networking", True),
        ("There are five key differences.", True),
        ("Las cinco grandes diferencias", True),
        ("Es gibt drei Regeln.", True),
        ("1. By Any Definition\nSocial media is a way to share information.", False),
        ("Social networking is an act of engagement.", False),
        ("Un perfil de marca en social media.", False),  # "un" counts nothing
    ],
)
def test_passages_with_a_number(text: str, holds: bool) -> None:
    assert holds_number(text) is holds


@pytest.mark.parametrize(
    ("question", "lang", "names"),
    [
        ("What is the best time to post on TikTok?", "en", ["TikTok"]),
        ("How do I measure ROI for networking?", "en", ["ROI"]),
        ("If I can't measure it, is it worthless?", "en", []),
        ("Who wrote this? Ask Merriam-Webster.", "en", ["Merriam-Webster"]),
        ("¿Qué tiempo hará mañana en Barcelona?", "es", ["Barcelona"]),
        ("¿Qué es Social Media?", "es", ["Social", "Media"]),
        ("Wie wird das Wetter morgen in Berlin?", "de", []),  # German capitalises nouns
    ],
)
def test_named_things_are_capitalised_words_inside_a_sentence(
    question: str, lang: str, names: list[str]
) -> None:
    assert named_things(question, lang) == names


def test_a_name_the_corpus_never_mentions_is_unknown(searcher: Searcher) -> None:
    assert searcher.unknown_names("How many followers does Cristiano Ronaldo have?", "en")
    assert searcher.unknown_names("What is the best time to post on TikTok?", "en")
    assert not searcher.unknown_names("Which networks like LinkedIn or Viadeo exist?", "en")
    assert not searcher.unknown_names("¿Qué define Merriam-Webster como social networking?", "es")


def test_words_beside_an_unknown_name_vouch_for_a_passage_only_when_most_of_them_match(
    hybrid: Searcher,
) -> None:
    """The corpus never says "Threads": a passage that shares "personal
    communication" with the question holds everything of it but its subject,
    and is no answer unless it is close on its own. A question whose subject
    the corpus knows, beside a name it does not, still finds its passage."""
    threads = "Is Threads better than Twitter for personal communication?"
    assert hybrid.unknown_names(threads, "en") == ("threads",)
    assert not hybrid.ask(threads).hits
    roi = hybrid.ask("How do I measure ROI for networking on Mastodon?").hits
    assert roi and "ROI" in roi[0].quote.text
    berlin = "Why is networking more personal than social media, for a startup in Berlin?"
    personal = hybrid.ask(berlin).hits
    assert personal and "direct communication" in personal[0].quote.text


def test_a_count_is_answered_only_by_a_passage_with_a_number(hybrid: Searcher) -> None:
    answer = hybrid.ask("Wie viele Internetnutzer nutzten soziale Netzwerke?")
    assert answer.hits and "53 %" in answer.hits[0].passage.text
    # Facebook is all over the corpus, its number of users nowhere.
    asked = hybrid.ask("How many active users does Facebook have today?")
    assert all(holds_number(h.passage.text) for h in asked.hits), asked.hits
    assert not hybrid.ask("¿Cuántos usuarios activos tiene Facebook hoy en día?").hits


def test_the_rule_holds_without_the_semantic_layer(searcher: Searcher) -> None:
    answer = searcher.ask("Wie viele Internetnutzer nutzten 2011 soziale Netzwerke?")
    assert answer.hits and "53 %" in answer.hits[0].passage.text
    assert not searcher.ask("How many followers do Facebook pages have?").hits
