"""Follow-up questions (``docbot.index.follow_up``): a short question leaning
on the previous one is searched in its context; one that stands on its own is
never changed."""

from __future__ import annotations

import pytest

from docbot.bot.cli.interactive import Session
from docbot.index import FollowUp, Searcher, follow_up

ROI_EN = "How do I measure ROI for networking?"


@pytest.mark.parametrize(
    ("question", "previous", "expected"),
    [
        ("and for social media?", ROI_EN, "How do I measure ROI for social media?"),
        ("what about Facebook?", ROI_EN, "How do I measure ROI for Facebook?"),
        (
            "And for social networking?",
            "Which tools help with social media?",
            "Which tools help with social networking?",
        ),
        (
            "und bei Twitter?",
            "Wie viele Follower braucht man bei Facebook?",
            "Wie viele Follower braucht man bei Twitter?",
        ),
        (
            "und für Social Media?",
            "Welche Strategie empfiehlt der Artikel für Social Networking?",
            "Welche Strategie empfiehlt der Artikel für Social Media?",
        ),
        (
            "¿y en networking?",
            "¿Cómo se mide el ROI en social media?",
            "¿Cómo se mide el ROI en networking?",
        ),
        (
            "¿y las relaciones con clientes?",
            "¿Se pueden automatizar las publicaciones con herramientas?",
            "¿Se pueden automatizar las relaciones con clientes?",
        ),
    ],
)
def test_a_new_topic_is_swapped_into_the_previous_question(
    question: str, previous: str, expected: str
) -> None:
    built = follow_up(question, previous)
    assert built == FollowUp(expected, previous, "swapped")
    assert built.follows


@pytest.mark.parametrize(
    ("question", "previous", "kept", "added"),
    [
        ("is it worth it?", "Should I post on many platforms?", ["platforms"], ["worth"]),
        ("how long does that take?", "How do I build a network?", ["network"], ["long", "take"]),
        ("und wie misst man das?", "Was ist die Kapitalrendite?", ["Kapitalrendite"], ["misst"]),
        ("Warum ist das so?", "Ist Social Media ein Langzeitprojekt?", ["Langzeitprojekt"], []),
        ("¿y eso cómo se mide?", "¿Qué es el ROI del networking?", ["ROI", "networking"], []),
        ("¿por qué pasa eso?", "¿Por qué crece la red tan rápido?", ["crece", "red"], ["pasa"]),
    ],
)
def test_a_pronoun_or_a_new_angle_brings_the_previous_topic_along(
    question: str, previous: str, kept: list[str], added: list[str]
) -> None:
    built = follow_up(question, previous)
    assert built.leans_on == previous and built.how == "combined"
    assert built.question.startswith(question)
    for word in kept + added:
        assert word in built.question


@pytest.mark.parametrize(
    ("question", "previous"),
    [
        ("more about that", "What is social networking?"),
        ("tell me more", "What is social networking?"),
        ("mehr dazu", "Was ist Social Networking?"),
        ("und?", "Was ist Social Networking?"),
        ("¿y eso?", "¿Qué es el social networking?"),
    ],
)
def test_nothing_new_asks_the_previous_question_again(question: str, previous: str) -> None:
    assert follow_up(question, previous) == FollowUp(previous, previous, "repeated")


@pytest.mark.parametrize(
    ("question", "previous"),
    [
        ("Can I automate individual conversations?", ROI_EN),
        ("How do I measure ROI for social media?", ROI_EN),
        ("Is it worth investing time in social media marketing?", ROI_EN),
        ("Who painted the Mona Lisa?", ROI_EN),
        ("And how does social networking help a small business grow?", ROI_EN),
        ("Gehören Foren zu den sozialen Medien?", "Was ist Social Media?"),
        ("Wie misst man die Kapitalrendite bei Social Networking?", "Was ist Social Media?"),
        ("Wie spät ist es in New York?", "Was ist Social Media?"),
        ("¿Qué es el ROI?", "¿Cómo se mide el networking?"),
        ("¿Cómo se mide el ROI del networking?", "¿Qué es social media?"),
        ("¿Cuál es la receta del gazpacho?", "¿Qué es social media?"),
    ],
)
def test_a_question_that_stands_on_its_own_is_unchanged(question: str, previous: str) -> None:
    assert follow_up(question, previous) == FollowUp(question)
    assert not follow_up(question, previous).follows


@pytest.mark.parametrize("previous", [None, "", "   "])
def test_without_a_previous_question_nothing_changes(previous: str | None) -> None:
    assert follow_up("and for social media?", previous) == FollowUp("and for social media?")


def test_the_conversation_language_can_be_given() -> None:
    # German "es" is a pronoun, Spanish "es" a verb: the language decides
    assert follow_up("Was ist es?", "Ist Social Media ein Ort?", lang="de-AT").follows
    assert not follow_up("¿Qué es el ROI?", "¿Cómo se mide el networking?", lang="es").follows
    swapped = follow_up("und bei Twitter?", "Wie viele Follower braucht man bei Facebook?", "de")
    assert swapped.question == "Wie viele Follower braucht man bei Twitter?"


def test_a_follow_up_of_a_follow_up_leans_on_what_was_searched() -> None:
    first = follow_up("and for social media?", ROI_EN)
    second = follow_up("what about Facebook?", first.question)
    assert second.question == "How do I measure ROI for Facebook?"


def test_the_interactive_session_answers_follow_ups_in_context(searcher: Searcher) -> None:
    session = Session(searcher, None, top=1, color=False)
    first = session.handle("How do I measure ROI for social media?") or ""
    assert "following up" not in first
    follow = session.handle("and for networking?") or ""
    assert follow.startswith("↪ following up on: How do I measure ROI for social media?\n\n[1]")
    assert "Return on Investment" in follow
    assert session.last_question == "How do I measure ROI for networking?"  # for :more
    alone = session.handle("Can I automate individual conversations?") or ""
    assert alone.startswith("[1]")
