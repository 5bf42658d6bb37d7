"""Telegram handlers: each parses the update, asks the engine, formats with
``tg_format`` and replies.  ``Turn`` and ``Press`` carry what every message or
button handler needs; one error handler logs and apologises.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Message,
    Update,
    User,
)
from telegram.constants import ChatAction, ChatType, MessageEntityType, ParseMode
from telegram.error import (
    BadRequest,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import (
    ContextTypes,
)

from docbot.index import (
    Answer,
    DocbotError,
    EmptyQuestion,
    QuestionTooLong,
    Searcher,
    UnknownLanguage,
)

from . import tg_format as fmt
from .state import StoredAnswer
from .tg_format import Callback, t
from .tg_service import Service, log, service_of, summary

TOP = 3
SEND_RETRIES = 3


async def send_html(
    send: Callable[..., Awaitable[Message]], text: str, **kwargs: Any
) -> Message | None:
    """Send with bounded retries on network errors (429s are the rate limiter's)."""
    for attempt in range(SEND_RETRIES):
        try:
            return await send(text, parse_mode=ParseMode.HTML, **kwargs)
        except (TimedOut, NetworkError) as error:
            if isinstance(error, BadRequest | Forbidden) or attempt == SEND_RETRIES - 1:
                raise
            await asyncio.sleep(0.5 * 2**attempt)
    return None


def answer_keyboard(answer_id: int, ui: str, more: bool, section: bool) -> InlineKeyboardMarkup:
    row = []
    if more:
        row.append(
            InlineKeyboardButton(t(ui, "more"), callback_data=Callback("m", (answer_id,)).encode())
        )
    if section:
        row.append(
            InlineKeyboardButton(
                t(ui, "section"), callback_data=Callback("s", (answer_id,)).encode()
            )
        )
    votes = [
        InlineKeyboardButton("👍", callback_data=Callback("f", (answer_id, 1)).encode()),
        InlineKeyboardButton("👎", callback_data=Callback("f", (answer_id, 0)).encode()),
    ]
    return InlineKeyboardMarkup([row, votes] if row else [votes])


def _refs(answer: Answer) -> list[list[object]]:
    return [[h.passage.doc, h.passage.ordinal] for h in answer.hits]


def _error_text(error: DocbotError, ui: str) -> str:
    if isinstance(error, EmptyQuestion):
        return t(ui, "empty")
    if isinstance(error, QuestionTooLong):
        return t(ui, "too_long", length=error.length, limit=error.limit)
    return str(error)


@dataclass(frozen=True)
class Turn:
    """One user's message to the bot, with what every handler needs."""

    message: Message
    user: User
    svc: Service
    ui: str

    async def say(self, key: str, quote: bool = False, **values: Any) -> None:
        await send_html(self.message.reply_text, fmt.esc(t(self.ui, key, **values)), do_quote=quote)


async def turn_of(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Turn | None:
    """The turn, or ``None`` (after a polite refusal) for users not allowed; bots are ignored."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or user.is_bot:
        return None
    svc = service_of(context)
    turn = Turn(message, user, svc, fmt.ui_language(user.language_code))
    if not svc.allowed(user):
        await turn.say("not_allowed")
        return None
    return turn


async def reply_answer(turn: Turn, question: str, quote: bool) -> None:
    """Ask the engine and reply: quotes, sources, buttons."""
    svc, ui, message = turn.svc, turn.ui, turn.message
    lang = svc.state.language(turn.user.id)
    if lang is not None and lang not in svc.searcher.languages:
        # the corpus no longer has the language this user chose: back to automatic
        svc.state.set_language(turn.user.id, None)
        lang = None
    try:
        answer = svc.searcher.ask(question, lang=lang, top=TOP)
    except (EmptyQuestion, QuestionTooLong, UnknownLanguage) as error:
        await send_html(message.reply_text, fmt.esc(_error_text(error, ui)), do_quote=quote)
        return
    messages = fmt.answer_messages(answer, ui, svc.name_of(ui))
    markup = None
    if answer.hits:
        answer_id = svc.state.save_answer(
            chat_id=message.chat_id,
            user_id=turn.user.id,
            question=answer.question,
            lang=lang,
            shown=len(answer.hits),
            passages=_refs(answer),
        )
        markup = answer_keyboard(answer_id, ui, answer.total > len(answer.hits), True)
    for i, text in enumerate(messages):
        last = i == len(messages) - 1
        await send_html(
            message.reply_text,
            text,
            do_quote=quote and i == 0,
            reply_markup=markup if last else None,
        )


async def answer_question(
    turn: Turn, context: ContextTypes.DEFAULT_TYPE, question: str, quote: bool
) -> None:
    """Flood check, "typing…", then the answer."""
    if not turn.svc.throttle.allow(turn.user.id):
        if turn.svc.throttle.should_warn(turn.user.id):
            await turn.say("slow_down", quote=quote)
        return
    await show_typing(context, turn.message.chat_id)
    await reply_answer(turn, question, quote)


def addressed_text(message: Message, bot_id: int, username: str) -> str | None:
    """In a group: the question if the bot is mentioned or replied to, else ``None``."""
    text = message.text or ""
    mention = f"@{username}".casefold()
    for entity in message.entities:
        part = text[entity.offset : entity.offset + entity.length]
        if (entity.type == MessageEntityType.MENTION and part.casefold() == mention) or (
            entity.type == MessageEntityType.TEXT_MENTION
            and entity.user
            and entity.user.id == bot_id
        ):
            return (text[: entity.offset] + text[entity.offset + entity.length :]).strip()
    reply = message.reply_to_message
    if reply and reply.from_user and reply.from_user.id == bot_id:
        return text
    return None


async def show_typing(context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> None:
    """The "typing…" indicator, best effort: an answer never fails for its sake."""
    try:
        await context.bot.send_chat_action(chat_id, ChatAction.TYPING)
    except TelegramError as error:
        log.info("Could not show typing in %s: %s", chat_id, error)


def chat_sender(
    context: ContextTypes.DEFAULT_TYPE, chat_id: int
) -> Callable[..., Awaitable[Message]]:
    """A ``send(text, **kwargs)`` into one chat, for ``send_html``."""

    async def send(text: str, **kwargs: Any) -> Message:
        return await context.bot.send_message(chat_id, text, **kwargs)

    return send


# --- handlers ------------------------------------------------------------------


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat, message = update.effective_chat, update.effective_message
    if chat is None or message is None:
        return
    question: str | None = message.text or ""
    in_group = chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)
    if in_group:
        question = addressed_text(message, context.bot.id, context.bot.username)
        if question is None:
            return
    turn = await turn_of(update, context)
    if turn:
        await answer_question(turn, context, question or "", quote=in_group)


async def on_ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    turn = await turn_of(update, context)
    if turn is None:
        return
    question = " ".join(context.args or [])
    if not question:
        await turn.say("ask_usage")
        return
    await answer_question(turn, context, question, quote=True)


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    turn = await turn_of(update, context)
    if turn is None:
        return
    searcher, ui = turn.svc.searcher, turn.ui
    langs = ", ".join(searcher.language_name(tag, ui) for tag in searcher.languages)
    text = fmt.esc(
        t(ui, "hello", name=turn.user.first_name, docs=len(searcher.documents), langs=langs)
    )
    examples = example_questions(searcher, ui)
    buttons = [
        [
            InlineKeyboardButton(
                q, callback_data=Callback("e", (turn.svc.state.example_id(q),)).encode()
            )
        ]
        for q in examples
    ]
    if examples:
        text += "\n\n" + fmt.esc(t(ui, "try"))
    await send_html(
        turn.message.reply_text,
        text,
        reply_markup=InlineKeyboardMarkup(buttons) if buttons else None,
    )


def example_questions(searcher: Searcher, ui: str, count: int = 3) -> list[str]:
    """Section headings in the user's language (else any), as example questions."""
    seen: list[str] = []
    passages = sorted(searcher.passages.values(), key=lambda p: (p.lang != ui, p.doc, p.ordinal))
    for passage in passages:
        heading = (passage.section or "").strip()
        heading = heading.split(". ", 1)[-1] if heading[:1].isdigit() else heading
        if 3 <= len(heading) <= 60 and heading not in seen:
            seen.append(heading)
        if len(seen) == count:
            break
    return seen


async def on_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    turn = await turn_of(update, context)
    if turn:
        await turn.say("help")


async def on_sources(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    turn = await turn_of(update, context)
    if turn is None:
        return
    name_of = turn.svc.name_of(turn.ui)
    blocks = [fmt.esc(t(turn.ui, "sources"))]
    by_lang: dict[str, list[str]] = {}
    for doc in turn.svc.searcher.documents:
        line = f"• {fmt.esc(doc.title)} ({doc.passages})"
        if doc.url:
            line += " – " + fmt.link(doc.url, "link")
        by_lang.setdefault(doc.lang, []).append(line)
    for lang, lines in by_lang.items():
        blocks.append(f"<b>{fmt.esc(name_of(lang))}</b>\n" + "\n".join(lines))
    for text in fmt.pack(blocks):
        await send_html(turn.message.reply_text, text)


async def on_lang(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    turn = await turn_of(update, context)
    if turn is None:
        return
    ui, name_of = turn.ui, turn.svc.name_of(turn.ui)
    current = turn.svc.state.language(turn.user.id)
    buttons = [[InlineKeyboardButton(t(ui, "lang_auto"), callback_data=fmt.lang_callback(None))]]
    buttons += [
        [InlineKeyboardButton(name_of(tag), callback_data=fmt.lang_callback(tag))]
        for tag in turn.svc.searcher.languages
    ]
    now = name_of(current) if current else t(ui, "lang_auto")
    await send_html(
        turn.message.reply_text,
        fmt.esc(t(ui, "lang_choose", current=now)),
        reply_markup=InlineKeyboardMarkup(buttons),
    )


async def on_reindex(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    turn = await turn_of(update, context)
    if turn is None:
        return
    if not turn.svc.is_admin(turn.user):
        await turn.say("reindex_denied")
        return
    await show_typing(context, turn.message.chat_id)
    report = await turn.svc.rebuild()
    await turn.say("reindex_done", summary=summary(report))


# --- buttons -------------------------------------------------------------------


@dataclass(frozen=True)
class Press:
    """One button press, with what every button handler needs."""

    query: CallbackQuery
    user: User
    svc: Service
    ui: str
    chat_id: int

    async def expired(self) -> None:
        await self.query.answer(t(self.ui, "expired"))

    async def stored(self, args: tuple[int, ...]) -> StoredAnswer | None:
        """The answer behind the button, or ``None`` after saying it expired."""
        found = self.svc.state.answer(args[0]) if args else None
        if found is None:
            await self.expired()
        return found


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query, user = update.callback_query, update.effective_user
    if query is None or user is None or query.message is None:
        return
    svc = service_of(context)
    press = Press(query, user, svc, fmt.ui_language(user.language_code), query.message.chat.id)
    if not svc.allowed(user):
        await query.answer(t(press.ui, "not_allowed"), show_alert=True)
        return
    data = query.data or ""
    if data.startswith("l:"):
        await on_lang_button(press, data[2:])
        return
    callback = Callback.decode(data)
    handler = BUTTONS.get(callback.action) if callback else None
    if callback is None or handler is None:
        await press.expired()
        return
    await handler(press, context, callback.args)


async def on_lang_button(press: Press, tag: str) -> None:
    chosen = None if tag == "auto" else tag
    if chosen is not None and chosen not in press.svc.searcher.languages:
        await press.expired()
        return
    press.svc.state.set_language(press.user.id, chosen)
    name = press.svc.name_of(press.ui)(chosen) if chosen else t(press.ui, "lang_auto")
    await press.query.answer()
    await press.query.edit_message_text(
        fmt.esc(t(press.ui, "lang_set", lang=name)), parse_mode=ParseMode.HTML
    )


async def on_more(press: Press, context: ContextTypes.DEFAULT_TYPE, args: tuple[int, ...]) -> None:
    stored = await press.stored(args)
    if stored is None:
        return
    await press.query.answer()
    svc, ui = press.svc, press.ui
    send = chat_sender(context, press.chat_id)
    answer = svc.searcher.ask(stored.question, lang=stored.lang, top=TOP, offset=stored.shown)
    if not answer.hits:
        await send_html(send, fmt.esc(t(ui, "no_more")))
        return
    svc.state.add_shown(stored.id, stored.shown + len(answer.hits), _refs(answer))
    more = answer.total > stored.shown + len(answer.hits)
    markup = answer_keyboard(stored.id, ui, more, False)
    messages = fmt.answer_messages(answer, ui, svc.name_of(ui))
    for i, text in enumerate(messages):
        await send_html(send, text, reply_markup=markup if i == len(messages) - 1 else None)


async def on_section(
    press: Press, context: ContextTypes.DEFAULT_TYPE, args: tuple[int, ...]
) -> None:
    stored = await press.stored(args)
    if stored is None:
        return
    searcher = press.svc.searcher
    doc, ordinal = stored.passages[0] if stored.passages else ("", -1)
    passage = searcher.find_passage(str(doc), int(str(ordinal)))
    if passage is None:
        await press.expired()
        return
    await press.query.answer()
    send = chat_sender(context, press.chat_id)
    for text in fmt.section_messages(
        searcher.section_passages(passage), press.svc.name_of(press.ui)
    ):
        await send_html(send, text)


async def on_feedback(
    press: Press, context: ContextTypes.DEFAULT_TYPE, args: tuple[int, ...]
) -> None:
    stored = await press.stored(args)
    if stored is None or len(args) != 2:
        return
    press.svc.state.add_feedback(stored.id, press.user.id, 1 if args[1] else -1)
    await press.query.answer(t(press.ui, "thanks"))


async def on_example(
    press: Press, context: ContextTypes.DEFAULT_TYPE, args: tuple[int, ...]
) -> None:
    question = press.svc.state.example(args[0]) if args else None
    message = press.query.message
    if question is None or not isinstance(message, Message):
        await press.expired()
        return
    await press.query.answer()
    await answer_question(
        Turn(message, press.user, press.svc, press.ui), context, question, quote=False
    )


ButtonHandler = Callable[[Press, ContextTypes.DEFAULT_TYPE, tuple[int, ...]], Awaitable[None]]
BUTTONS: dict[str, ButtonHandler] = {
    "m": on_more,
    "s": on_section,
    "f": on_feedback,
    "e": on_example,
}


async def on_inline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query, user = update.inline_query, update.effective_user
    if query is None or user is None:
        return
    svc = service_of(context)
    ui = fmt.ui_language(user.language_code)
    if not svc.allowed(user) or not query.query.strip():
        await query.answer([], cache_time=0, is_personal=True)
        return
    try:
        answer = svc.searcher.ask(query.query, lang=svc.state.language(user.id), top=5)
    except DocbotError:
        await query.answer([], cache_time=0, is_personal=True)
        return
    name_of = svc.name_of(ui)
    results = [
        InlineQueryResultArticle(
            id=str(hit.rank),
            title=(hit.passage.section or hit.passage.title)[:100],
            description=fmt.inline_description(hit),
            input_message_content=InputTextMessageContent(
                fmt.hit_html(hit, ui, name_of), parse_mode=ParseMode.HTML
            ),
        )
        for hit in answer.hits
    ]
    await query.answer(results, cache_time=0, is_personal=True)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the failure with its traceback (token masked by the log filter), apologise."""
    error = context.error
    if isinstance(error, RetryAfter | TimedOut | NetworkError) and not isinstance(
        error, BadRequest | Forbidden
    ):
        log.warning("Telegram is not reachable right now (%s); retrying", error)
        return
    log.error("Error while handling an update", exc_info=error)
    if isinstance(update, Update) and update.effective_chat and update.effective_user:
        ui = fmt.ui_language(update.effective_user.language_code)
        try:
            await context.bot.send_message(
                update.effective_chat.id, fmt.esc(t(ui, "error")), parse_mode=ParseMode.HTML
            )
        except Exception:  # the apology is best effort
            log.warning("Could not tell the user about the error")
