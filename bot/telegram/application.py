"""``docbot bot``: starting and running the Telegram front end (python-telegram-bot v22).

Start-up checks every setting and the Bot API server (one line and a non-zero
exit for any problem, never a traceback), builds the index, opens the state
file, then runs until SIGTERM/SIGINT or until Telegram rejects the token:

- updates come from long polling (``tg_intake.poll``) or the webhook server
  (``tg_webhook``); both store them in the inbox before confirming them;
- updates left unfinished by the previous run (a crash, a kill) are handled
  first;
- python-telegram-bot's ``Application`` is used for its handlers and its bot,
  without its ``Updater``: receipt, queues and shutdown are ours;
- background tasks, each restarted if it fails: the corpus watcher, the index
  generation check, and the hourly retention clean-up.

On SIGTERM: stop receiving, let the chat queues finish (up to
``DRAIN_SECONDS``), confirm what was received, exit 0.  When the token is
rejected: one line and exit 1 (a service manager restarts or alerts).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import time
from collections.abc import Mapping
from typing import Any

from telegram import BotCommand, BotCommandScopeDefault, Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from docbot.index import DocbotError, build_index

from ..app.config import Paths
from ..app.logsafety import install_log_masking, mask_all
from ..app.serving import summary, supervise, watch_generation
from ..app.state import BotState, StateError, state_path
from ..app.watch import changes as corpus_changes
from . import format as fmt
from .delivery import DeliveryLimiter
from .documents import DOCUMENT_BUTTONS, on_document, on_remove, on_stats
from .handlers import (
    BUTTONS,
    handle_job,
    on_ask,
    on_button,
    on_error,
    on_help,
    on_inline,
    on_lang,
    on_reindex,
    on_sources,
    on_start,
    on_text,
)
from .intake import Dispatcher, Intake, Job, TokenRejected, poll
from .service import Service, log
from .settings import BotConfig, SettingError
from .webhook import WebhookError, WebhookServer

EXIT_USAGE = 2
EXIT_FAILURE = 1
DRAIN_SECONDS = 10.0
PRUNE_EVERY = 3600.0
RETRY_LATER = (30.0, 60.0, 120.0, 300.0)  # waits before an unreachable reply is tried again
RETRY_FOR = 3600.0  # after this long since receipt an unreachable reply is given up

NO_TOKEN = (
    "docbot: TELEGRAM_BOT_TOKEN is not set. In Telegram, talk to @BotFather, send /newbot, "
    "then put the token in the environment or in .env (see .env.example)."
)
REJECTED = (
    "Telegram rejected TELEGRAM_BOT_TOKEN. Check it with @BotFather (/token) and TELEGRAM_API_URL."
)

AnyApp = Application[Any, Any, Any, Any, Any, Any]


# --- start-up --------------------------------------------------------------------------


def run_bot(paths: Paths, env: Mapping[str, str]) -> int:
    try:
        config = BotConfig.from_env(env)
    except SettingError as error:
        print(f"docbot: {error}", file=sys.stderr)
        return EXIT_USAGE
    if not config.token:
        print(NO_TOKEN, file=sys.stderr)
        return EXIT_USAGE
    if config.webhook_url and not config.webhook_secret:
        print(
            "docbot: TELEGRAM_WEBHOOK_SECRET must be set with TELEGRAM_WEBHOOK_URL.",
            file=sys.stderr,
        )
        return EXIT_USAGE
    install_log_masking(config.token, config.webhook_secret, config.log_level)
    secrets = {config.token: "<TOKEN>", config.webhook_secret or "": "<SECRET>"}
    problem = preflight(config)
    if problem:
        print(f"docbot: {mask_all(problem, secrets)}", file=sys.stderr)
        return EXIT_FAILURE
    report = build_index(paths.corpus, paths.db)
    log.info("Index ready: %s", summary(report))
    try:
        state = BotState(
            state_path(paths.db),
            config.log_questions,
            retention=config.retention_days * 86400,
        )
    except StateError as error:
        print(f"docbot: {error}", file=sys.stderr)
        return EXIT_FAILURE
    if state.warning:
        log.warning("%s", state.warning)
    bot = BotRun(config, paths, state)
    code = asyncio.run(bot.main())
    if bot.fatal:
        print(f"docbot: {mask_all(bot.fatal, secrets)}", file=sys.stderr)
    return code


def preflight(config: BotConfig) -> str | None:
    """Check the token and the server with one getMe before starting, so that a
    wrong token, an unreachable server or something that is not a Bot API
    server is one clear line, not a traceback."""
    import httpx

    url = f"{config.api_url}/bot{config.token}/getMe"
    where = f"the Bot API at {config.api_url}"
    try:
        response = httpx.post(url, timeout=15)
    except httpx.HTTPError as error:
        reason = str(error) or type(error).__name__
        return f"cannot reach {where} ({reason}). Check TELEGRAM_API_URL and the network."
    if response.status_code in (401, 404):
        return REJECTED
    try:
        body = response.json()
    except ValueError:
        body = None
    ok = isinstance(body, dict) and body.get("ok") is True and isinstance(body.get("result"), dict)
    if response.status_code != 200 or not ok:
        kind = response.headers.get("content-type", "no content type").split(";")[0]
        return (
            f"{where} answered getMe with HTTP {response.status_code} ({kind}), not a Bot API "
            "answer. Check TELEGRAM_API_URL (the server root, e.g. https://api.telegram.org)."
        )
    return None


async def register_commands(application: AnyApp) -> None:
    """The command menu in every interface language (``app.texts``); best effort (a server
    without setMyCommands still gets a working bot)."""
    for ui, commands in fmt.COMMANDS.items():
        try:
            await application.bot.set_my_commands(
                [BotCommand(name, description) for name, description in commands],
                scope=BotCommandScopeDefault(),
                language_code=None if ui == "en" else ui,
            )
        except TelegramError as error:
            log.warning("Could not register the %s command menu: %s", ui, error)


def build_application(svc: Service, limiter: DeliveryLimiter) -> AnyApp:
    config = svc.config
    application = (
        Application.builder()
        .token(config.token)
        .base_url(f"{config.api_url}/bot")
        .base_file_url(f"{config.api_url}/file/bot")
        .rate_limiter(limiter)
        .read_timeout(config.timeout)
        .write_timeout(config.timeout)
        .connect_timeout(5)
        .pool_timeout(5)
        .updater(None)
        .build()
    )
    application.bot_data["service"] = svc
    application.add_handler(CommandHandler("start", on_start))
    application.add_handler(CommandHandler("help", on_help))
    application.add_handler(CommandHandler("sources", on_sources))
    application.add_handler(CommandHandler("lang", on_lang))
    application.add_handler(CommandHandler("reindex", on_reindex))
    application.add_handler(CommandHandler("ask", on_ask))
    application.add_handler(CommandHandler("remove", on_remove))
    application.add_handler(CommandHandler("stats", on_stats))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, on_text))
    application.add_handler(
        MessageHandler(filters.Document.ALL & filters.ChatType.PRIVATE, on_document)
    )
    # the buttons' actions: answers' (handlers) and an admin's confirmations (documents)
    application.bot_data["buttons"] = {**BUTTONS, **DOCUMENT_BUTTONS}
    application.add_handler(CallbackQueryHandler(on_button))
    application.add_handler(InlineQueryHandler(on_inline))
    application.add_error_handler(on_error)
    return application


# --- running -----------------------------------------------------------------------------


class BotRun:
    """One run of the bot, from start-up to exit code."""

    def __init__(self, config: BotConfig, paths: Paths, state: BotState) -> None:
        self.config, self.paths, self.state = config, paths, state
        self.stop = asyncio.Event()
        self.fatal: str | None = None
        self.tasks: list[asyncio.Task[None]] = []

    def fail(self, message: str) -> None:
        """Stop, and exit 1 with ``message`` as the last line (printed by ``run_bot``)."""
        if self.fatal is None:
            self.fatal = message
        self.stop.set()

    def token_rejected(self) -> None:
        self.fail(REJECTED.replace("rejected", "no longer accepts") + " Stopping.")

    async def main(self) -> int:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self.stop.set)
        svc = Service(self.config, self.paths, self.state)
        limiter = DeliveryLimiter(on_fatal=self.token_rejected)
        application = build_application(svc, limiter)
        dispatcher = Dispatcher(lambda job: self.run_job(application, svc, dispatcher, job))
        intake = Intake(
            application.bot, self.state, dispatcher, lambda u: svc.allowed(u.effective_user)
        )
        webhook: WebhookServer | None = None
        try:
            await svc.refresh()
            svc.vectors_soon()  # BM25 answers at once; the semantic layer follows
            await application.initialize()
            await application.start()
            await register_commands(application)
            self.replay(intake, dispatcher)
            self.background(svc, application)
            if self.config.webhook_url:
                webhook = await self.start_webhook(application, intake)
            else:
                await application.bot.delete_webhook()  # polling needs it gone; updates stay
                self.tasks.append(asyncio.create_task(self.polling(application, intake)))
            log.info(
                "docbot is up: %d documents, languages %s",
                len(svc.searcher.documents),
                ", ".join(svc.searcher.languages),
            )
            await self.stop.wait()
        except InvalidToken:
            self.token_rejected()
        except (WebhookError, DocbotError) as error:
            self.fail(str(error))
        except TelegramError as error:  # still failing after the delivery limiter's retries
            self.fail(
                f"the Bot API at {self.config.api_url} failed at start-up ({error}). "
                "Check TELEGRAM_API_URL and the network."
            )
        finally:
            await self.shut_down(application, svc, dispatcher, webhook)
        return EXIT_FAILURE if self.fatal else 0

    async def start_webhook(self, application: AnyApp, intake: Intake) -> WebhookServer:
        config = self.config
        server = WebhookServer(
            application.bot,
            intake,
            config.webhook_secret or "",
            config.webhook_listen,
            config.webhook_port,
        )
        server.start()
        await application.bot.set_webhook(
            url=str(config.webhook_url),
            secret_token=config.webhook_secret,
            allowed_updates=Update.ALL_TYPES,
            max_connections=40,
        )
        self.tasks.append(asyncio.create_task(self.heartbeat(application)))
        return server

    async def heartbeat(self, application: AnyApp) -> None:
        """In webhook mode nothing else would notice a revoked token: a getMe
        every 15 s does (the delivery limiter reports InvalidToken)."""
        while not self.stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), 15)
                return
            with contextlib.suppress(TelegramError):
                await application.bot.get_me()

    async def polling(self, application: AnyApp, intake: Intake) -> None:
        try:
            await supervise(
                "update polling",
                lambda: poll(application.bot, intake, self.stop),
                self.stop,
                fatal=(TokenRejected,),
            )
        except TokenRejected:
            self.token_rejected()

    def replay(self, intake: Intake, dispatcher: Dispatcher) -> None:
        jobs, skip = intake.unfinished_jobs(self.state.inbox_unfinished())
        for update_id in skip:
            self.state.inbox_done(update_id)
        if jobs:
            log.info("Handling %d updates received before the restart and not finished", len(jobs))
        for job in jobs:
            dispatcher.submit(job)

    def background(self, svc: Service, application: AnyApp) -> None:
        stop = self.stop
        self.tasks.append(
            asyncio.create_task(
                supervise("index generation check", lambda: watch_generation(svc, stop), stop)
            )
        )
        self.tasks.append(
            asyncio.create_task(supervise("retention clean-up", lambda: self.prune(svc), stop))
        )
        if self.config.watch:
            self.tasks.append(
                asyncio.create_task(
                    supervise("corpus watcher", lambda: watch_corpus(svc, application, stop), stop)
                )
            )
        for task in self.tasks:
            task.add_done_callback(self._ended)

    def _ended(self, task: asyncio.Task[None]) -> None:
        if not self.stop.is_set() and not task.cancelled():
            log.critical("A background task ended while the bot runs: %s", task.get_name())

    async def prune(self, svc: Service) -> None:
        while not self.stop.is_set():
            deleted = await asyncio.to_thread(self.state.prune)
            if any(deleted.values()):
                log.info("Retention clean-up deleted %s", deleted)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), PRUNE_EVERY)

    async def run_job(
        self, application: AnyApp, svc: Service, dispatcher: Dispatcher, job: Job
    ) -> None:
        """Handle one update; mark it done, or try it again later when Telegram
        was unreachable (it stays unfinished in the inbox meanwhile)."""
        # (the inbox marks are tiny writes, made right here so that the window in
        # which a crash would answer an update twice stays as short as can be)
        self.state.inbox_started(job.update_id)
        outcome = await handle_job(application, job)
        if outcome == "retry" and not self.stop.is_set():
            age = time.time() - job.received
            if age < RETRY_FOR:
                wait = RETRY_LATER[min(job.retries, len(RETRY_LATER) - 1)]
                job.retries += 1
                self.state.inbox_retry_later(job.update_id)
                log.warning("Update %d: trying again in %.0f s", job.update_id, wait)
                asyncio.get_running_loop().call_later(wait, dispatcher.submit, job)
                return
            log.error(
                "Update %d: Telegram unreachable for %.0f s; giving it up", job.update_id, age
            )
        if outcome == "retry" and self.stop.is_set():
            return  # stays unfinished: the next start tries again
        self.state.inbox_done(job.update_id)

    async def shut_down(
        self,
        application: AnyApp,
        svc: Service,
        dispatcher: Dispatcher,
        webhook: WebhookServer | None,
    ) -> None:
        self.stop.set()
        svc.stopping.set()  # computing vectors ends at its next batch
        if webhook is not None:
            await webhook.stop()
        for task in self.tasks:  # polling confirms what it stored, then ends
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(task), 5)
        left = await dispatcher.drain(2.0 if self.fatal else DRAIN_SECONDS)
        if left:
            log.warning(
                "%d chats still had updates at shutdown; they are handled at the next start", left
            )
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        with contextlib.suppress(Exception):
            if application.running:
                await application.stop()
            await application.shutdown()
        svc.close()
        self.state.close()


async def watch_corpus(svc: Service, application: AnyApp, stop: asyncio.Event) -> None:
    """Rebuild when the corpus changes; tell admins with numeric ids.  A failed
    rebuild is logged with its traceback and watching goes on."""
    async for _ in corpus_changes(svc.paths, stop):
        try:
            report = await svc.rebuild()
        except Exception:
            log.exception("Reindex after a corpus change failed; still watching")
            continue
        if not report.changed_anything:
            continue
        log.info("Corpus changed, index refreshed: %s", summary(report))
        for admin in svc.config.admins:
            if admin.isdigit():
                try:
                    await application.bot.send_message(
                        int(admin), f"Index refreshed: {summary(report)}"
                    )
                except TelegramError:
                    log.warning("Could not notify admin %s", admin)
