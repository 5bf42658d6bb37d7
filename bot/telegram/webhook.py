"""The webhook server: Telegram POSTs each update to ``/telegram``.

Checks are made in the cheapest order, and the body is read only when the
call is plausible:

1. the ``X-Telegram-Bot-Api-Secret-Token`` header (compared in constant time):
   wrong or missing -> 403 before a byte of the body is read (the connection
   is closed, the body never buffered);
2. ``Content-Type`` must be ``application/json`` (parameters such as
   ``charset=utf-8`` allowed) -> else 415;
3. ``Content-Length`` at most ``MAX_BODY`` (1 MB; Telegram's updates are a few
   KB) -> else 413, also counted while reading;
4. the body must be a JSON object with an integer ``update_id`` that
   python-telegram-bot can read -> else 400 (Telegram does not retry a 4xx);
5. the update is stored in the inbox (synced) and only then answered 200.  An
   update id seen before is answered 200 and not handled again.

While the bot stops, calls get 503, so Telegram keeps the update and retries.
"""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any

from telegram import Bot, Update
from tornado.httpserver import HTTPServer
from tornado.web import Application, RequestHandler, stream_request_body

from .intake import Intake, Received

log = logging.getLogger("docbot.bot.webhook")

MAX_BODY = 1 << 20
PATH = "/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class WebhookError(Exception):
    """The server cannot listen (one line)."""


@stream_request_body
class UpdateHandler(RequestHandler):
    SUPPORTED_METHODS = ("POST",)

    def initialize(self, server: WebhookServer) -> None:
        self.server = server
        self.body = bytearray()
        self.refused = False

    def refuse(self, status: int, reason: str) -> None:
        log.debug("Webhook call refused with %d: %s", status, reason)
        self.refused = True
        self.set_status(status)
        self.finish(reason)

    def prepare(self) -> None:
        given = self.request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self.server.secret.encode()):
            self.refuse(403, "Forbidden")
            return
        mime = self.request.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if mime != "application/json":
            self.refuse(415, "Unsupported Media Type: application/json expected")
            return
        length = self.request.headers.get("Content-Length", "")
        if length and (not length.isdigit() or int(length) > MAX_BODY):
            self.refuse(413, "Payload Too Large")
            return
        if self.server.closing:
            self.refuse(503, "Service Unavailable")

    def data_received(self, chunk: bytes) -> None:
        if self.refused:
            return
        self.body += chunk
        if len(self.body) > MAX_BODY:
            self.body.clear()
            self.refuse(413, "Payload Too Large")

    async def post(self) -> None:
        if self.refused:
            return
        try:
            data = json.loads(bytes(self.body))
            if not isinstance(data, dict) or type(data.get("update_id")) is not int:
                raise ValueError("not an update")
            update = Update.de_json(data, self.server.bot)
        except Exception as error:
            self.refuse(400, f"Bad Request: {type(error).__name__}")
            return
        try:
            await self.server.intake.receive([Received(update.update_id, update, json.dumps(data))])
        except Exception:
            log.exception(
                "Could not store update %d; Telegram will send it again", update.update_id
            )
            self.set_status(500)
            self.finish("Internal Server Error")
            return
        self.set_status(200)
        self.finish()


class WebhookServer:
    def __init__(self, bot: Bot, intake: Intake, secret: str, listen: str, port: int) -> None:
        self.bot, self.intake, self.secret = bot, intake, secret
        self.listen, self.port = listen, port
        self.closing = False
        self._http: HTTPServer | None = None

    def start(self) -> None:
        app = Application([(PATH, UpdateHandler, {"server": self})], log_function=_no_log)
        http = HTTPServer(app, max_body_size=MAX_BODY + 1, body_timeout=30)
        try:
            http.listen(self.port, address=self.listen)
        except OSError as error:
            raise WebhookError(
                f"cannot listen on {self.listen}:{self.port} for the webhook "
                f"({error.strerror or error}). Check TELEGRAM_WEBHOOK_LISTEN and "
                "TELEGRAM_WEBHOOK_PORT."
            ) from None
        self._http = http

    async def stop(self) -> None:
        self.closing = True
        if self._http is not None:
            self._http.stop()
            await self._http.close_all_connections()


def _no_log(handler: Any) -> None:
    return None
