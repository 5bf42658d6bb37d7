"""Telegram handlers: each parses the update, asks the engine in a worker
thread (``Service.run``), formats with ``tg_format`` and replies.

Flood control and the allowlist are applied when an update arrives
(``tg_intake``); what reaches a handler is to be answered.  ``Turn`` and
``Press`` carry what every message or button handler needs.  Answer buttons
belong to the chat and user who asked: anyone else pressing one gets an alert
and nothing else.  One error handler logs, and apologises for our own failures
(not for Telegram being unreachable: the update is then tried again later).
"""

from __future__ import annotations

import functools
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
    ReplyParameters,
    Update,
    User,
)
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import Application, ContextTypes

from docbot.index import (
    Answer,
    DocbotError,
    EmptyQuestion,
    QuestionTooLong,
    Searcher,
    UnknownLanguage,
)

from ..app.conversation import answer_in_context
from ..app.serving import Snapshot, summary
from ..app.state import NOTE, REFUSE, StoredAnswer
from . import format as fmt
from .delivery import may_have_arrived, permanent
from .format import Callback, t
from .intake import Job, addressed_text
from .service import Service, log, service_of

TOP = 3
INLINE_TOP = 5
MAX_UPLOAD_MB = 20  # Telegram's limit for files a bot downloads (tg_documents)


async def send_html(send: Callable[..., Awaitable[Message]], text: str, **kwargs: Any) -> Message:
    """Send one HTML message (retries are the delivery limiter's)."""
    return await send(text, parse_mode=ParseMode.HTML, **kwargs)


async def answer_press(query: CallbackQuery, text: str | None = None, alert: bool = False) -> None:
    """Answer a button press (ends the client's spinner).  A press answered
    late (after a restart) is refused by Telegram as too old: that is fine."""
    try:
        await query.answer(text, show_alert=alert)
    except BadRequest as error:
        log.debug("Could not answer button press %s: %s", query.id, error)


def answer_keyboard(answer_id: str, ui: str, more: bool, section: bool) -> InlineKeyboardMarkup:
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
        InlineKeyboardButton("👍", callback_data=Callback("f", (answer_id, "1")).encode()),
        InlineKeyboardButton("👎", callback_data=Callback("f", (answer_id, "0")).encode()),
    ]
    return InlineKeyboardMarkup([row, votes] if row else [votes])


def _refs(answer: Answer) -> list[list[object]]:
    return [[h.passage.doc, h.passage.ordinal] for h in answer.hits]


def _error_text(error: DocbotError, ui: str) -> str:
    if isinstance(error, EmptyQuestion):
        return t(ui, "empty")
    if isinstance(error, QuestionTooLong):
        return t(ui, "too_long", length=error.length, limit=error.limit)
    return fmt.clip(str(error), 1000)


@dataclass(frozen=True)
class Turn:
    """One user's message to the bot, with what every handler needs."""

    message: Message
    user: User
    svc: Service
    ui: str
    snapshot: Snapshot

    async def say(self, key: str, quote: bool = False, **values: Any) -> None:
        await send_html(self.message.reply_text, fmt.esc(t(self.ui, key, **values)), do_quote=quote)


def turn_of(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Turn | None:
    """The turn, or ``None`` for bots and users not allowed (refused at receipt)."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or user.is_bot:
        return None
    svc = service_of(context)
    if not svc.allowed(user):
        return None
    return Turn(message, user, svc, fmt.ui_language(user.language_code), svc.snapshot)


def _searched(chosen: str | None, searcher: Searcher) -> str | None:
    """The language a user chose to search (``/lang``), while the corpus has
    it; ``None``, every language, once it is gone."""
    return chosen if chosen in searcher.languages else None


async def reply_answer(
    turn: Turn, context: ContextTypes.DEFAULT_TYPE, question: str, quote: bool
) -> None:
    """ "Typing…", the engine in a worker thread, then quotes, sources, buttons.

    A question that leans on the chat's last one (asked within the follow-up
    window) is searched in its context, and the reply says so; when the
    context finds nothing, the question is searched as asked."""
    svc, ui, message, snap = turn.svc, turn.ui, turn.message, turn.snapshot
    await show_typing(context, message.chat_id)
    chosen = svc.state.language(turn.user.id)
    lang = _searched(chosen, snap.searcher)
    if chosen is not None and lang is None:
        # the corpus no longer has the language this user chose: back to automatic
        svc.state.set_language(turn.user.id, None)
    before = svc.last_question(message.chat_id)
    hint = before.lang if before else None  # the language the chat's questions are written in
    # /lang chooses the language searched; the question's own is detected
    ask = functools.partial(snap.searcher.ask, top=TOP, within=lang)
    try:
        reading = await svc.run(
            answer_in_context, ask, question, before.question if before else None, hint
        )
    except (EmptyQuestion, QuestionTooLong, UnknownLanguage) as error:
        await send_html(message.reply_text, fmt.esc(_error_text(error, ui)), do_quote=quote)
        return
    answer, built = reading.answer, reading.followed
    spoken = None if answer.lang_reason == "ambiguous" else answer.lang
    svc.remember_question(message.chat_id, answer.question, spoken)
    lead = fmt.following_up_html(ui, built.leans_on) if built.leans_on else None
    messages = fmt.answer_messages(answer, ui, svc.name_of(ui, snap), lead)
    markup = None
    if answer.hits:
        answer_id = svc.state.save_answer(
            chat_id=message.chat_id,
            user_id=turn.user.id,
            question=answer.question,
            lang=lang,
            shown=len(answer.hits),
            passages=_refs(answer),
            chat_type=str(message.chat.type),
            question_lang=answer.lang,
        )
        markup = answer_keyboard(answer_id, ui, answer.total > len(answer.hits), True)
    else:  # counted (and, with questions logged, kept) for docbot report
        svc.state.record_unanswered(
            chat_id=message.chat_id,
            user_id=turn.user.id,
            question=answer.question,
            lang=lang,
            chat_type=str(message.chat.type),
            question_lang=answer.lang,
        )
    for i, text in enumerate(messages):
        last = i == len(messages) - 1
        await send_html(
            message.reply_text,
            text,
            do_quote=quote and i == 0,
            reply_markup=markup if last else None,
        )


async def show_typing(context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> None:
    """The "typing…" indicator, best effort: an answer never fails or waits for its sake."""
    try:
        await context.bot.send_chat_action(chat_id, ChatAction.TYPING)
    except TelegramError as error:
        log.debug("Could not show typing in %s: %s", chat_id, error)


def chat_sender(
    context: ContextTypes.DEFAULT_TYPE, chat_id: int
) -> Callable[..., Awaitable[Message]]:
    """A ``send(text, **kwargs)`` into one chat, for ``send_html``."""

    async def send(text: str, **kwargs: Any) -> Message:
        return await context.bot.send_message(chat_id, text, **kwargs)

    return send


# --- messages and commands -------------------------------------------------------------


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
    turn = turn_of(update, context)
    if turn:
        await reply_answer(turn, context, question or "", quote=in_group)


async def on_ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    turn = turn_of(update, context)
    if turn is None:
        return
    question = " ".join(context.args or [])
    if not question:
        await turn.say("ask_usage")
        return
    await reply_answer(turn, context, question, quote=True)


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    turn = turn_of(update, context)
    if turn is None:
        return
    searcher, ui = turn.snapshot.searcher, turn.ui
    langs = ", ".join(searcher.language_name(tag, ui) for tag in searcher.languages)
    name = fmt.clip(turn.user.first_name, 64)
    text = fmt.esc(t(ui, "hello", name=name, docs=len(searcher.documents), langs=langs))
    examples = turn.snapshot.examples.get(ui, [])
    buttons = [
        [InlineKeyboardButton(q, callback_data=Callback("e", (key,)).encode())]
        for key, q in examples
    ]
    if examples:
        text += "\n\n" + fmt.esc(t(ui, "try"))
    await send_html(
        turn.message.reply_text,
        text,
        reply_markup=InlineKeyboardMarkup(buttons) if buttons else None,
    )


async def on_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    turn = turn_of(update, context)
    if turn is None:
        return
    text = t(turn.ui, "help")
    if turn.svc.is_admin(turn.user):
        text += "\n\n" + t(turn.ui, "help_admin", limit=MAX_UPLOAD_MB)
    await send_html(turn.message.reply_text, fmt.esc(text))


async def on_sources(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    turn = turn_of(update, context)
    if turn is None:
        return
    snap = turn.snapshot
    texts = fmt.sources_messages(snap.searcher.documents, turn.ui, turn.svc.name_of(turn.ui, snap))
    for text in texts:
        await send_html(turn.message.reply_text, text)


async def on_lang(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    turn = turn_of(update, context)
    if turn is None:
        return
    ui, name_of = turn.ui, turn.svc.name_of(turn.ui, turn.snapshot)
    current = turn.svc.state.language(turn.user.id)
    buttons = [[InlineKeyboardButton(t(ui, "lang_auto"), callback_data=fmt.lang_callback(None))]]
    buttons += [
        [InlineKeyboardButton(fmt.clip(name_of(tag), 60), callback_data=fmt.lang_callback(tag))]
        for tag in turn.snapshot.searcher.languages
    ]
    now = name_of(current) if current else t(ui, "lang_auto")
    await send_html(
        turn.message.reply_text,
        fmt.esc(t(ui, "lang_choose", current=now)),
        reply_markup=InlineKeyboardMarkup(buttons),
    )


async def on_reindex(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    turn = turn_of(update, context)
    if turn is None:
        return
    if not turn.svc.is_admin(turn.user):
        await turn.say("reindex_denied")
        return
    await show_typing(context, turn.message.chat_id)
    try:
        report = await turn.svc.rebuild()
    except DocbotError as error:
        await send_html(turn.message.reply_text, fmt.esc(fmt.clip(str(error), 1000)))
        return
    await turn.say("reindex_done", summary=summary(report))


# --- buttons ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Press:
    """One button press, with what every button handler needs."""

    query: CallbackQuery
    user: User
    svc: Service
    ui: str
    chat_id: int
    snapshot: Snapshot

    async def expired(self) -> None:
        await answer_press(self.query, t(self.ui, "expired"))

    async def owned(self, answer_id: str) -> StoredAnswer | None:
        """The answer behind the button if it belongs to this chat and user;
        otherwise ``None`` after an alert (and nothing else)."""
        found = self.svc.state.answer(answer_id)
        if found is None:
            await self.expired()
            return None
        if not await self.belongs_here(found.chat_id, found.user_id, "answer"):
            return None
        return found

    async def belongs_here(self, chat_id: int, user_id: int, what: str) -> bool:
        """Whether a button's record is this chat's and this user's; if not,
        an alert says so (and the other user's record stays unseen)."""
        if chat_id == self.chat_id and user_id == self.user.id:
            return True
        log.info("User %s pressed a button of another user's %s", self.user.id, what)
        await answer_press(self.query, t(self.ui, "not_yours"), alert=True)
        return False


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    svc = service_of(context)
    ui = fmt.ui_language(user.language_code)
    callback = Callback.decode(query.data)
    buttons: dict[str, ButtonHandler] = context.application.bot_data.get("buttons", BUTTONS)
    handler = buttons.get(callback.action) if callback else None
    if query.message is None or callback is None or handler is None or not svc.allowed(user):
        # not this bot's button, or on an inline message: say so, never leave it spinning
        await answer_press(query, t(ui, "expired"))
        return
    press = Press(query, user, svc, ui, query.message.chat.id, svc.snapshot)
    await handler(press, context, callback.args)


async def on_lang_button(
    press: Press, context: ContextTypes.DEFAULT_TYPE, args: tuple[str, ...]
) -> None:
    chosen = None if args[0] == "auto" else args[0]
    if chosen is not None and chosen not in press.snapshot.searcher.languages:
        await press.expired()
        return
    press.svc.state.set_language(press.user.id, chosen)
    name = (
        press.svc.name_of(press.ui, press.snapshot)(chosen) if chosen else t(press.ui, "lang_auto")
    )
    await answer_press(press.query)
    await press.query.edit_message_text(
        fmt.esc(t(press.ui, "lang_set", lang=name)), parse_mode=ParseMode.HTML
    )


async def on_more(press: Press, context: ContextTypes.DEFAULT_TYPE, args: tuple[str, ...]) -> None:
    stored = await press.owned(args[0])
    if stored is None:
        return
    await answer_press(press.query)
    svc, ui, searcher = press.svc, press.ui, press.snapshot.searcher
    send = chat_sender(context, press.chat_id)
    within = _searched(stored.lang, searcher)
    answer = await svc.run(
        searcher.ask, stored.question, top=TOP, offset=stored.shown, within=within
    )
    if not answer.hits:
        await send_html(send, fmt.esc(t(ui, "no_more")))
        return
    svc.state.add_shown(stored.id, stored.shown + len(answer.hits), _refs(answer))
    more = answer.total > stored.shown + len(answer.hits)
    markup = answer_keyboard(stored.id, ui, more, False)
    messages = fmt.answer_messages(answer, ui, svc.name_of(ui, press.snapshot))
    for i, text in enumerate(messages):
        await send_html(send, text, reply_markup=markup if i == len(messages) - 1 else None)


def _section_of(searcher: Any, doc: str, ordinal: int) -> list[Any]:
    passage = searcher.find_passage(doc, ordinal)
    return [] if passage is None else list(searcher.section_passages(passage))


async def on_section(
    press: Press, context: ContextTypes.DEFAULT_TYPE, args: tuple[str, ...]
) -> None:
    stored = await press.owned(args[0])
    if stored is None:
        return
    doc, ordinal = stored.passages[0] if stored.passages else ("", -1)
    passages = await press.svc.run(
        _section_of, press.snapshot.searcher, str(doc), int(str(ordinal))
    )
    if not passages:
        await press.expired()
        return
    await answer_press(press.query)
    send = chat_sender(context, press.chat_id)
    for text in fmt.section_messages(passages, press.svc.name_of(press.ui, press.snapshot)):
        await send_html(send, text)


async def on_feedback(
    press: Press, context: ContextTypes.DEFAULT_TYPE, args: tuple[str, ...]
) -> None:
    stored = await press.owned(args[0])
    if stored is None:
        return
    press.svc.state.vote(stored.id, press.user.id, 1 if args[1] == "1" else -1)
    await answer_press(press.query, t(press.ui, "thanks"))


async def on_example(
    press: Press, context: ContextTypes.DEFAULT_TYPE, args: tuple[str, ...]
) -> None:
    question = press.svc.state.example(args[0])
    message = press.query.message
    if question is None or not isinstance(message, Message):
        await press.expired()
        return
    await answer_press(press.query)
    turn = Turn(message, press.user, press.svc, press.ui, press.snapshot)
    await reply_answer(turn, context, question, quote=False)


ButtonHandler = Callable[[Press, ContextTypes.DEFAULT_TYPE, tuple[str, ...]], Awaitable[None]]
BUTTONS: dict[str, ButtonHandler] = {
    "m": on_more,
    "s": on_section,
    "f": on_feedback,
    "e": on_example,
    "l": on_lang_button,
}


# --- inline mode -----------------------------------------------------------------------


async def on_inline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query, user = update.inline_query, update.effective_user
    if query is None or user is None:
        return
    svc = service_of(context)
    ui = fmt.ui_language(user.language_code)
    if not svc.allowed(user) or not query.query.strip():
        await query.answer([], cache_time=0, is_personal=True)
        return
    snap = svc.snapshot
    within = _searched(svc.state.language(user.id), snap.searcher)
    try:
        answer = await svc.run(snap.searcher.ask, query.query, top=INLINE_TOP, within=within)
    except DocbotError:
        await query.answer([], cache_time=0, is_personal=True)
        return
    name_of = svc.name_of(ui, snap)
    results = [
        InlineQueryResultArticle(
            id=str(hit.rank),
            title=fmt.inline_title(hit),
            description=fmt.inline_description(hit),
            input_message_content=InputTextMessageContent(
                fmt.hit_html(hit, ui, name_of), parse_mode=ParseMode.HTML
            ),
        )
        for hit in answer.hits
    ]
    await query.answer(results, cache_time=0, is_personal=True)


# --- what flood control and the allowlist decided at receipt -------------------------------


async def send_notice(application: Application[Any, Any, Any, Any, Any, Any], job: Job) -> None:
    """The one slow-down note of a flood, or the one refusal to an outsider."""
    update, user = job.update, job.update.effective_user
    ui = fmt.ui_language(user.language_code if user else None)
    key = "slow_down" if job.status == NOTE else "not_allowed"
    if update.callback_query is not None:
        await answer_press(update.callback_query, t(ui, key), alert=job.status == REFUSE)
    elif update.inline_query is not None:
        await update.inline_query.answer([], cache_time=0, is_personal=True)
    elif job.where.chat_id is not None:
        message = update.effective_message
        thread = ReplyParameters(message.message_id) if message and job.where.group else None
        await application.bot.send_message(
            job.where.chat_id,
            fmt.esc(t(ui, key)),
            parse_mode=ParseMode.HTML,
            reply_parameters=thread,
        )


def transient(error: BaseException) -> bool:
    """Telegram was unreachable (after the delivery limiter's retries): the
    update stays unfinished and is tried again later."""
    if isinstance(error, RetryAfter):
        return True
    return isinstance(error, NetworkError) and not permanent(error) and not may_have_arrived(error)


async def handle_job(application: Application[Any, Any, Any, Any, Any, Any], job: Job) -> str:
    """Handle one received update; returns "done", or "retry" when Telegram
    could not be reached."""
    svc: Service = application.bot_data["service"]
    if job.status in (NOTE, REFUSE):
        try:
            await send_notice(application, job)
        except TelegramError as error:
            log.warning("Could not send a notice for update %d: %s", job.update_id, error)
            return "retry" if transient(error) else "done"
        return "done"
    await application.process_update(job.update)
    return svc.outcomes.pop(job.update_id, "done")


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the failure (secrets masked by the log filter); apologise when it is ours."""
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    if error is None:
        return
    if transient(error):
        if update_id is not None:
            service_of(context).outcomes[update_id] = "retry"
        log.warning("Telegram is unreachable (%s); update %s will be tried again", error, update_id)
        return
    if isinstance(error, Forbidden | InvalidToken):
        log.info("Update %s: Telegram refused the reply (%s)", update_id, error)
        return
    if isinstance(error, NetworkError) and may_have_arrived(error):
        return  # the delivery limiter said what happened; nothing is sent again
    log.error("Error while handling update %s", update_id, exc_info=error)
    if isinstance(update, Update) and update.effective_chat and update.effective_user:
        ui = fmt.ui_language(update.effective_user.language_code)
        try:
            await context.bot.send_message(
                update.effective_chat.id, fmt.esc(t(ui, "error")), parse_mode=ParseMode.HTML
            )
        except TelegramError:  # the apology is best effort
            log.warning("Could not tell the user about the error")
