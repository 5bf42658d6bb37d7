"""The real bot (``docbot bot`` in a subprocess, python-telegram-bot over HTTP)
against the Bot API emulator, driven as users would."""

from __future__ import annotations

import shutil
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from docbot.index import DEFAULT_ENCODER, vectors_missing

from .botapi import Emulator, parse_html, running_bot
from .conftest import CORPUS

TOKEN = "123456789:AAFakeTokenForTestsOnly_x9QmZ-ShouldNeverLeak"
ADMIN = {"id": 9001, "is_bot": False, "first_name": "Ada", "username": "ada", "language_code": "en"}
NEW_DOC = (
    "Quokka Onboarding\n\nEvery new member gets a quokka buddy who explains how the team "
    "shares notes, answers questions and keeps the wiki tidy during the first month.\n"
)


def user(uid: int, lang: str = "en", name: str = "Sam") -> dict[str, Any]:
    return {"id": uid, "is_bot": False, "first_name": name, "language_code": lang}


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Emulator, Path, Path]]:
    work = tmp_path_factory.mktemp("bot")
    corpus = work / "corpus"
    shutil.copytree(CORPUS, corpus)
    log_path = work / "bot.log"
    settings = {
        "DOCBOT_CORPUS": str(corpus),
        "DOCBOT_DB": str(work / "db" / "index.db"),
        "DOCBOT_ALLOWED_USERS": ",".join(str(i) for i in [*range(1001, 1041), 2001, 2002, 9001])
        + ",@ada",
        "DOCBOT_ADMINS": "@ada",
        "DOCBOT_LOG_LEVEL": "DEBUG",
    }
    with open(log_path, "wb") as log, running_bot(TOKEN, settings, log) as emulator:
        yield emulator, corpus, log_path


def ask(
    emulator: Emulator, who: dict[str, Any], text: str, count: int = 1, timeout: float = 15
) -> list[dict[str, Any]]:
    return emulator.ask(who, text, count, timeout)


def buttons(message: dict[str, Any]) -> dict[str, str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return {b["text"]: b["callback_data"] for row in rows for b in row}


def test_commands_registered_in_every_interface_language(
    bot: tuple[Emulator, Path, Path],
) -> None:
    emulator, _, _ = bot
    emulator.wait_for(lambda: len(emulator.commands) == 6)
    assert set(emulator.commands) == {"", "de", "es", "fr", "it", "pt"}
    for ui in ("de", "fr", "it", "pt"):
        assert {c["command"] for c in emulator.commands[ui]} >= {"start", "help", "lang", "sources"}
    descriptions = {ui: commands[0]["description"] for ui, commands in emulator.commands.items()}
    assert len(set(descriptions.values())) == 6, descriptions


def test_start_greets_in_the_users_language_with_example_buttons(
    bot: tuple[Emulator, Path, Path],
) -> None:
    emulator, _, _ = bot
    reply = ask(emulator, user(1001, "de", "Jonas"), "/start")[0]
    assert reply["text"].startswith("Hallo Jonas!")
    assert "5 Dokumenten" in reply["text"] and "Deutsch" in reply["text"]
    examples = buttons(reply)
    assert len(examples) == 3
    before = len(emulator.sent)
    emulator.press(user(1001, "de"), reply, next(iter(examples.values())))
    answer = emulator.wait_for(lambda: emulator.messages_to(1001, before))[0]
    assert "<blockquote>" in answer["html"]


def test_french_italian_portuguese_users_get_their_interface(
    bot: tuple[Emulator, Path, Path],
) -> None:
    emulator, _, _ = bot
    for uid, lang, hello, language in (
        (1011, "fr", "Bonjour Camille", "allemand"),
        (1012, "it-IT", "Ciao Camille", "tedesco"),
        (1013, "pt-BR", "Olá, Camille", "alemão"),
    ):
        reply = ask(emulator, user(uid, lang, "Camille"), "/start")[0]
        assert reply["text"].startswith(hello), reply["text"]
        assert language in reply["text"].casefold()  # the corpus languages, named in theirs
        assert len(buttons(reply)) == 3


def test_english_question_quotes_the_roi_section(bot: tuple[Emulator, Path, Path]) -> None:
    emulator, _, _ = bot
    reply = ask(emulator, user(1002), "How do I measure ROI for networking?")[0]
    assert "Return on Investment" in reply["text"]
    assert "<blockquote>" in reply["html"] and "<b>ROI</b>" in reply["html"]
    assert "002_38366ab575c2df6f.txt" in reply["text"]
    assert parse_html(reply["html"]) == reply["text"]
    assert set(buttons(reply)) >= {"Full section", "👍", "👎"}
    typing = [p for m, p in emulator.calls if m == "sendChatAction" and int(p["chat_id"]) == 1002]
    assert typing and typing[0]["action"] == "typing"


@pytest.mark.parametrize(
    "case",
    [
        (
            1003,
            "de",
            "Wie misst man die Kapitalrendite bei Social Networking?",
            "3. Kapitalrendite",
            "Ganzer Abschnitt",
        ),
        (1004, "es", "¿Cómo se mide el ROI del networking?", "5. ROI", "Sección completa"),
    ],
)
def test_german_and_spanish_questions(
    bot: tuple[Emulator, Path, Path], case: tuple[int, str, str, str, str]
) -> None:
    emulator, _, _ = bot
    uid, lang, question, section, label = case
    reply = ask(emulator, user(uid, lang), question)[0]
    assert section in reply["text"]
    assert label in buttons(reply)


def test_more_full_section_and_feedback(bot: tuple[Emulator, Path, Path]) -> None:
    emulator, _, _ = bot
    who = user(1005)
    reply = ask(emulator, who, "Social Networking Kommunikation")[0]
    data = buttons(reply)
    assert "More" in data
    before = len(emulator.sent)
    emulator.press(who, reply, data["More"])
    more = emulator.wait_for(lambda: emulator.messages_to(1005, before))[0]
    assert "<blockquote>" in more["html"] and more["text"] != reply["text"]

    before = len(emulator.sent)
    emulator.press(who, reply, data["Full section"])
    section = emulator.wait_for(lambda: emulator.messages_to(1005, before))
    assert all(len(m["text"]) <= 4096 for m in section)

    emulator.press(who, reply, data["👍"])
    emulator.wait_for(
        lambda: any(a.get("text") == "Thanks for the feedback!" for a in emulator.callback_answers)
    )


def test_buttons_from_unknown_answers_expire_politely(bot: tuple[Emulator, Path, Path]) -> None:
    emulator, _, _ = bot
    reply = ask(emulator, user(1006), "What is social media by definition?")[0]
    emulator.press(user(1006), reply, "m:999999")
    emulator.wait_for(
        lambda: any("no longer have" in str(a.get("text")) for a in emulator.callback_answers)
    )
    emulator.press(user(1006), reply, "garbage")
    emulator.wait_for(
        lambda: sum("no longer have" in str(a.get("text")) for a in emulator.callback_answers) >= 2
    )


def test_lang_choice_is_kept(bot: tuple[Emulator, Path, Path]) -> None:
    emulator, _, _ = bot
    who = user(1007, "es")
    menu = ask(emulator, who, "/lang")[0]
    options = buttons(menu)
    assert {"Automático", "Alemán", "Inglés", "Español"} <= set(options)
    before = len(emulator.sent)
    emulator.press(who, menu, options["Alemán"])
    edited = emulator.wait_for(
        lambda: [m for m in emulator.sent[before:] if m.get("method") == "editMessageText"]
    )
    assert "Alemán" in edited[0]["text"]
    reply = ask(emulator, who, "Social Media")[0]
    assert "Alemán" in reply["text"] and "Inglés" not in reply["text"]
    # the language searched, not the question's: an English question gets German passages
    english = ask(emulator, who, "What is the definition of social media networking?")[0]
    assert "Social Media Networking: Eine Definition" in english["text"]
    assert "Inglés" not in english["text"] and "Español" not in english["text"]


def test_group_needs_a_mention_and_replies_are_threaded(bot: tuple[Emulator, Path, Path]) -> None:
    emulator, _, _ = bot
    group = {"id": -500, "type": "group", "title": "Team"}
    who = user(1008)
    before = len(emulator.sent)
    emulator.send_text(who, "How do I measure ROI for networking?", chat=group)
    text = "@docbot_test_bot How do I measure ROI for networking?"
    question = emulator.send_text(
        who,
        text,
        chat=group,
        entities=[{"type": "mention", "offset": 0, "length": len("@docbot_test_bot")}],
    )
    reply = emulator.wait_for(lambda: emulator.messages_to(-500, before))
    time.sleep(0.5)
    replies = emulator.messages_to(-500, before)
    assert len(replies) == 1
    assert reply[0]["reply_to"] == question["message_id"]
    assert "Return on Investment" in reply[0]["text"]
    before = len(emulator.sent)
    asked = emulator.send_text(who, "/ask Was ist Social Networking?", chat=group)
    via_command = emulator.wait_for(lambda: emulator.messages_to(-500, before))
    assert via_command[0]["reply_to"] == asked["message_id"]


def test_other_bots_are_ignored(bot: tuple[Emulator, Path, Path]) -> None:
    emulator, _, _ = bot
    robot = {"id": 1009, "is_bot": True, "first_name": "Robo"}
    before = len(emulator.sent)
    emulator.send_text(robot, "How do I measure ROI for networking?")
    ask(emulator, user(1010), "ROI networking?")
    assert emulator.messages_to(1009, before) == []


def test_inline_query(bot: tuple[Emulator, Path, Path]) -> None:
    emulator, _, _ = bot
    query_id = emulator.inline(user(1011), "How do I measure ROI for networking?")
    answer = emulator.wait_for(
        lambda: [a for a in emulator.inline_answers if a.get("inline_query_id") == query_id]
    )[0]
    results = answer["results"]
    assert results and results[0]["type"] == "article"
    content = results[0]["input_message_content"]
    assert "Return on Investment" in parse_html(content["message_text"])


def test_html_and_markdown_in_questions_come_back_as_text(bot: tuple[Emulator, Path, Path]) -> None:
    emulator, _, _ = bot
    rejected = len(emulator.rejected)
    reply = ask(
        emulator, user(1012), "<b>ROI</b> & <script>alert(1)</script> **networking** _x_ 🚀"
    )[0]
    assert "<blockquote>" in reply["html"]
    assert "<script>" not in reply["html"]
    nothing = ask(emulator, user(1012), "<i>&amp; <b>Käsekuchen</b> &</i> backen?")[0]
    assert "Nothing in my documents answers this" in nothing["text"]
    assert len(emulator.rejected) == rejected


def test_a_5000_character_question(bot: tuple[Emulator, Path, Path]) -> None:
    emulator, _, _ = bot
    reply = ask(emulator, user(1013), "networking " * 455)[0]
    assert "5,004 characters" in reply["text"] or "characters long" in reply["text"]
    assert len(reply["text"]) <= 4096


def test_user_not_on_the_allowlist(bot: tuple[Emulator, Path, Path]) -> None:
    emulator, _, _ = bot
    reply = ask(emulator, user(4242), "How do I measure ROI for networking?")[0]
    assert "private" in reply["text"]
    assert "<blockquote>" not in reply["html"]


def confirmed(emulator: Emulator, update_id: int) -> None:
    """Until the bot confirmed ``update_id``: flood control has decided about it."""
    emulator.wait_for(lambda: emulator.confirmed_below > update_id)


def test_a_burst_of_30_questions_gets_5_answers_and_one_note(
    bot: tuple[Emulator, Path, Path],
) -> None:
    emulator, _, _ = bot
    flooder, other = user(1014), user(1015)
    before = len(emulator.sent)
    for i in range(30):
        emulator.send_text(flooder, f"Social media question number {i}")
    last = emulator.next_update_id - 1
    reply = ask(emulator, other, "How do I measure ROI for networking?")[0]
    assert "Return on Investment" in reply["text"]
    confirmed(emulator, last)
    emulator.wait_for(lambda: len(emulator.messages_to(1014, before)) >= 6)
    ask(emulator, other, "/help")  # the flooder's chat queue has had time to finish
    to_flooder = emulator.messages_to(1014, before)
    slow = [m for m in to_flooder if "faster than I can read" in m["text"]]
    assert len(slow) == 1
    assert len(to_flooder) == 6


def test_300_help_commands_get_5_answers_and_one_note(bot: tuple[Emulator, Path, Path]) -> None:
    emulator, _, _ = bot
    before = len(emulator.sent)
    for _ in range(300):
        emulator.send_text(user(1024), "/help")
    last = emulator.next_update_id - 1
    reply = ask(emulator, user(1025), "How do I measure ROI for networking?")[0]
    assert "Return on Investment" in reply["text"]
    confirmed(emulator, last)
    emulator.wait_for(lambda: len(emulator.messages_to(1024, before)) >= 6)
    ask(emulator, user(1025), "/help")
    assert len(emulator.messages_to(1024, before)) == 6


def test_outsiders_get_one_refusal_however_often_they_write(
    bot: tuple[Emulator, Path, Path],
) -> None:
    emulator, _, _ = bot
    before = len(emulator.sent)
    for _ in range(100):
        emulator.send_text(user(4343), "How do I measure ROI for networking?")
    last = emulator.next_update_id - 1
    confirmed(emulator, last)
    refusal = emulator.wait_for(lambda: emulator.messages_to(4343, before))
    ask(emulator, user(1026), "/help")
    assert len(emulator.messages_to(4343, before)) == 1
    assert "private" in refusal[0]["text"]


def test_button_presses_and_inline_queries_are_flood_limited_too(
    bot: tuple[Emulator, Path, Path],
) -> None:
    emulator, _, _ = bot
    who = user(1027)
    reply = ask(emulator, who, "How do I measure ROI for networking?")[0]
    vote = buttons(reply)["👍"]
    presses = [emulator.press(who, reply, vote) for _ in range(50)]
    queries = [emulator.inline(who, f"ROI networking {i}") for i in range(50)]
    confirmed(emulator, emulator.next_update_id - 1)
    answered = emulator.wait_for(
        lambda: (
            n if (n := sum(bool(emulator.callback_answers_for(q)) for q in presses)) >= 5 else None
        )
    )
    ask(emulator, user(1028), "/help")
    answered = sum(bool(emulator.callback_answers_for(q)) for q in presses)
    texts = [a.get("text") for q in presses for a in emulator.callback_answers_for(q)]
    assert answered == 5  # 4 votes (the question took one token) and one slow-down note
    assert sum("faster than I can read" in str(t) for t in texts) == 1
    # inline answers come from the engine's threads, in their own time: wait for them
    emulator.wait_for(
        lambda: [a for a in emulator.inline_answers if a.get("inline_query_id") in queries] or None
    )
    inline = [a for a in emulator.inline_answers if a.get("inline_query_id") in queries]
    assert 1 <= len(inline) <= 10


def test_429_storm_and_502_are_retried(bot: tuple[Emulator, Path, Path]) -> None:
    emulator, _, _ = bot
    emulator.fail("sendMessage", 429, count=3, retry_after=1)
    reply = ask(emulator, user(1016), "Can I automate individual conversations?", timeout=30)[0]
    assert "Timely Responses" in reply["text"]
    emulator.fail("sendMessage", 502, count=1)
    reply = ask(emulator, user(1016), "Is social media a marathon or a sprint?", timeout=30)[0]
    assert "Timely Responses" in reply["text"]
    emulator.fail("getUpdates", 502, count=2)
    reply = ask(emulator, user(1016), "ROI networking?", timeout=30)[0]
    assert "<blockquote>" in reply["html"]


def test_slow_server_still_gets_answers(bot: tuple[Emulator, Path, Path]) -> None:
    emulator, _, _ = bot
    emulator.delay = 1.0
    try:
        reply = ask(emulator, user(1017), "What can turn people into loyal fans?", timeout=30)[0]
    finally:
        emulator.delay = 0.0
    assert "<blockquote>" in reply["html"]


def test_sources_and_help(bot: tuple[Emulator, Path, Path]) -> None:
    emulator, _, _ = bot
    sources = ask(emulator, user(2001), "/sources")[0]
    assert "German" in sources["text"] and "5 Differences" in sources["text"]
    help_text = ask(emulator, user(2001), "/help")[0]
    assert "/lang" in help_text["text"]


def test_admin_reindex_and_live_corpus_changes(bot: tuple[Emulator, Path, Path]) -> None:
    emulator, corpus, _ = bot
    denied = ask(emulator, user(2002), "/reindex")[0]
    assert "Only admins" in denied["text"]
    (corpus / "quokka.txt").write_text(NEW_DOC)
    started = time.monotonic()
    deadline = started + 10
    answered = False
    while time.monotonic() < deadline and not answered:
        reply = ask(emulator, user(2002), "Who explains how the team shares notes?")[0]
        answered = "quokka" in reply["text"].lower()
        if not answered:
            time.sleep(0.5)
    assert answered, "the running bot did not pick up the new document"
    assert time.monotonic() - started < 5
    (corpus / "quokka.txt").unlink()
    done = ask(emulator, ADMIN, "/reindex")[0]
    assert "Index rebuilt" in done["text"]


def test_the_token_never_appears_in_the_bots_output(bot: tuple[Emulator, Path, Path]) -> None:
    emulator, _, log_path = bot
    ask(emulator, user(2002), "/help")
    output = log_path.read_text(errors="replace")
    assert "getUpdates" in output or "docbot is up" in output  # the log is really there
    assert TOKEN not in output
    assert TOKEN.split(":")[1] not in output


def state_file(corpus: Path) -> Path:
    return corpus.parent / "db" / "index.bot.sqlite"


def votes(corpus: Path) -> list[tuple[str, int, int]]:
    with sqlite3.connect(state_file(corpus)) as db:
        rows = db.execute("SELECT answer_id, user_id, vote FROM feedback").fetchall()
    return [(str(a), int(u), int(v)) for a, u, v in rows]


def test_a_button_from_someone_else_reveals_nothing(bot: tuple[Emulator, Path, Path]) -> None:
    emulator, corpus, _ = bot
    ana, mallory, eve = user(1018, name="Ana"), user(1019, name="Mallory"), user(1020, name="Eve")
    reply = ask(emulator, ana, "Social Networking Kommunikation")[0]
    data = buttons(reply)
    answer_id = data["More"].split(":")[1]
    assert len(answer_id) == 12 and not answer_id.isdigit()
    own = ask(emulator, mallory, "/help")[0]  # a message in Mallory's own chat
    before = len(emulator.sent)
    foreign = [emulator.press(mallory, own, data[k]) for k in ("More", "Full section", "👎")]
    foreign.append(emulator.press(eve, reply, data["More"]))  # on Ana's message itself
    guessed = [
        emulator.press(eve, own | {"chat": {"id": 1020, "type": "private"}}, d)
        for d in ("m:1", "s:1", "f:1:0")
    ]
    emulator.wait_for(lambda: all(emulator.callback_answers_for(q) for q in foreign + guessed))
    for query in foreign:
        (alert,) = emulator.callback_answers_for(query)
        assert "someone else's answer" in alert["text"] and alert.get("show_alert")
    for query in guessed:
        assert "no longer have" in emulator.callback_answers_for(query)[0]["text"]
    assert not [v for v in votes(corpus) if v[0] == answer_id]
    emulator.press(ana, reply, data["More"])
    more = emulator.wait_for(lambda: emulator.messages_to(1018, before))[0]
    assert "<blockquote>" in more["html"] and "No more results" not in more["text"]
    assert emulator.messages_to(1019, before) == [] and emulator.messages_to(1020, before) == []


def test_one_vote_per_user_and_answer_changeable(bot: tuple[Emulator, Path, Path]) -> None:
    emulator, corpus, _ = bot
    who = user(1021)
    reply = ask(emulator, who, "How do I measure ROI for networking?")[0]
    data = buttons(reply)
    for key in ("👍", "👎"):
        query = emulator.press(who, reply, data[key])
        emulator.wait_for(lambda q=query: emulator.callback_answers_for(q))
    answer_id = data["👍"].split(":")[1]
    assert [v for v in votes(corpus) if v[0] == answer_id] == [(answer_id, 1021, -1)]


def test_malformed_updates_and_buttons_are_answered_or_skipped_never_apologised_for(
    bot: tuple[Emulator, Path, Path],
) -> None:
    emulator, _, _ = bot
    who = user(1022)
    message = {"message_id": 5, "date": int(time.time()), "chat": {"id": 1022, "type": "private"}}
    before = len(emulator.sent)
    queries = [
        emulator.press(who, message, data)
        for data in ("m:99999999999999999999", "f:1", "f:1:1:1", "m: 1", "m:١")
    ]
    queries.append(emulator.press_inline(user(1023), "m:1"))
    emulator.push({"message": {"message_id": 9, "chat": {"id": 1022}, "text": "no date, no type"}})
    emulator.wait_for(lambda: all(emulator.callback_answers_for(q) for q in queries))
    for query in queries:
        assert "no longer have" in emulator.callback_answers_for(query)[0]["text"]
    ask(emulator, who, "/help")
    assert [m["text"] for m in emulator.messages_to(1022, before)][:-1] == []


def test_a_follow_up_is_answered_in_the_context_of_the_last_question(
    bot: tuple[Emulator, Path, Path],
) -> None:
    emulator, _, _ = bot
    who = user(1029)
    first = ask(emulator, who, "How do I measure ROI for social media?")[0]
    assert "following up" not in first["text"]
    follow = ask(emulator, who, "and for networking?")[0]
    assert follow["text"].startswith("↪ following up on: How do I measure ROI for social media?")
    assert "<i>↪ following up on: How do I measure ROI for social media?</i>" in follow["html"]
    assert "Return on Investment" in follow["text"] and "<blockquote>" in follow["html"]
    assert "Full section" in buttons(follow)
    alone = ask(emulator, who, "Can I automate individual conversations?")[0]
    assert "following up" not in alone["text"] and "Timely Responses" in alone["text"]
    other = ask(emulator, user(1030), "and for networking?")[0]  # another chat: no context
    assert "following up" not in other["text"]


def test_the_bot_computes_a_new_files_vectors_in_the_background(
    seed_copy: tuple[Path, Path], tmp_path: Path
) -> None:
    """The semantic layer on: a file written while the bot runs is answered
    at once (BM25), and its vectors are computed in the background (by a
    process of the bot's own, ``refresh_vectors_apart``) until the layer
    covers every passage again; the bot then stops on SIGTERM as before."""
    corpus, db = seed_copy
    settings = {
        "DOCBOT_CORPUS": str(corpus),
        "DOCBOT_DB": str(db),
        "DOCBOT_ALLOWED_USERS": "1501",
        "DOCBOT_SEMANTIC": "1",
        "DOCBOT_LOG_LEVEL": "INFO",
    }
    with open(tmp_path / "bot.log", "wb") as log, running_bot(TOKEN, settings, log) as emulator:
        (corpus / "quokka.txt").write_text(NEW_DOC)
        deadline = time.monotonic() + 60
        while True:
            reply = ask(emulator, user(1501), "Who explains how the team shares notes?")[0]
            if "quokka" in reply["text"].lower() or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert "quokka" in reply["text"].lower(), reply["text"]
        while vectors_missing(db, DEFAULT_ENCODER) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert vectors_missing(db, DEFAULT_ENCODER) == 0
    assert "Computing the vectors in their own process failed" not in (
        tmp_path / "bot.log"
    ).read_text(encoding="utf-8", errors="replace")
