"""A Telegram Bot API emulator for end-to-end tests, on 127.0.0.1.

It implements the methods docbot uses and enforces Telegram's rules: dates in
seconds; HTML parsed with Telegram's tag set, malformed markup rejected with
400 "can't parse entities"; 4096 characters of text; 1-64 bytes of
callback_data; 400 with a description for unknown methods; a wrong token gets
401.  Switches inject 429 with retry_after, 502, and slow responses.

Like Telegram, it holds each update until the bot confirms it (a later
``getUpdates`` with a higher offset), so a bot that dies before confirming
gets it again from the same emulator; update ids continue across bot
restarts and start at a random number, as Telegram's do after a quiet week.
While a webhook is set, ``getUpdates`` is refused with 409.

Faults: ``fail`` (a status, ``count`` times, optionally for one chat only),
``fail_for`` (a status for some seconds: an outage), ``hang`` (the call is
carried out but answered only after some seconds: a hang that delivers),
``revoke`` (the token stops working), ``slow`` (every call of a method is
answered late).

Files: a test registers a file's bytes and sends it as a user's document
(``send_document``); ``getFile`` answers with its path, refusing files over
Telegram's 20 MB bot download limit ("file is too big") as Telegram does, and
``GET /file/bot<token>/<path>`` serves the bytes (``downloads`` lists what
was fetched).

Tests act as users through ``send_text``, ``send_document``, ``press``,
``press_inline`` and ``inline`` and read what the bot did through ``sent`` and
``wait_for``;
``BotProcess`` runs the real ``docbot bot`` against an emulator and can stop
it with SIGTERM or SIGKILL and start it again.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO, Any
from urllib.parse import parse_qsl, unquote

ROOT = Path(__file__).resolve().parents[1]


def clean_env(**settings: str) -> dict[str, str]:
    """This process's environment without any docbot or Telegram setting, plus ``settings``:
    what a subprocess under test sees, whatever the developer's shell exports.

    The semantic layer is off unless a test turns it on (``DOCBOT_SEMANTIC="1"``):
    each process would otherwise compute the vectors of its own new index, and
    what those tests check does not depend on them (tests/test_semantic.py and
    the semantic end-to-end tests do)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOCBOT_", "TELEGRAM_"))}
    return env | {"DOCBOT_SEMANTIC": "0"} | settings


MAX_TEXT = 4096
MAX_DOWNLOAD = 20 * 1024 * 1024  # what a bot may download through getFile
ALLOWED_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "span",
    "tg-spoiler",
    "a",
    "code",
    "pre",
    "blockquote",
    "tg-emoji",
}
_TAG = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+(?:=\"[^\"]*\"|='[^']*'|=[^\s>]+)?)*)\s*>"
)
_ENTITY = re.compile(r"&(lt|gt|amp|quot|#[0-9]+|#x[0-9a-fA-F]+);")
_ENTITY_TEXT = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_JSON_FIELDS = {
    "reply_markup",
    "results",
    "commands",
    "scope",
    "reply_parameters",
    "link_preview_options",
    "allowed_updates",
    "entities",
}
_INT_FIELDS = {
    "chat_id",
    "offset",
    "limit",
    "timeout",
    "message_id",
    "cache_time",
    "reply_to_message_id",
}


class ApiError(Exception):
    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status, self.description, self.retry_after = status, description, retry_after


def parse_html(text: str) -> str:
    """The visible text of Telegram HTML, or ``ApiError`` like Telegram's."""
    out: list[str] = []
    stack: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "<":
            match = _TAG.match(text, i)
            if not match:
                raise ApiError(
                    400, f"Bad Request: can't parse entities: Unexpected '<' at byte offset {i}"
                )
            closing, name = match.group(1) == "/", match.group(2).lower()
            if name not in ALLOWED_TAGS:
                raise ApiError(
                    400,
                    "Bad Request: can't parse entities: "
                    f'Unsupported start tag "{name}" at byte offset {i}',
                )
            if closing:
                if not stack or stack[-1] != name:
                    raise ApiError(
                        400,
                        f"Bad Request: can't parse entities: Unexpected end tag at byte offset {i}",
                    )
                stack.pop()
            else:
                stack.append(name)
            i = match.end()
        elif ch == "&":
            match = _ENTITY.match(text, i)
            if not match:
                raise ApiError(
                    400,
                    "Bad Request: can't parse entities: "
                    f"Character '&' is reserved at byte offset {i}",
                )
            ref = match.group(1)
            out.append(
                _ENTITY_TEXT.get(ref) or chr(int(ref[2:], 16) if ref[1] == "x" else int(ref[1:]))
            )
            i = match.end()
        elif ch == ">":
            raise ApiError(
                400,
                f"Bad Request: can't parse entities: Character '>' is reserved at byte offset {i}",
            )
        else:
            out.append(ch)
            i += 1
    if stack:
        raise ApiError(
            400,
            "Bad Request: can't parse entities: "
            f'Can\'t find end tag corresponding to start tag "{stack[-1]}"',
        )
    return "".join(out)


def check_text(text: str, parse_mode: str | None) -> str:
    visible = parse_html(text) if (parse_mode or "").upper() == "HTML" else text
    if not visible.strip():
        raise ApiError(400, "Bad Request: message text is empty")
    if len(visible.encode("utf-16-le")) // 2 > MAX_TEXT:
        raise ApiError(400, "Bad Request: message is too long")
    return visible


def check_markup(markup: dict[str, Any] | None) -> None:
    if not markup:
        return
    for row in markup.get("inline_keyboard", []):
        for button in row:
            if not str(button.get("text", "")).strip():
                raise ApiError(
                    400, "Bad Request: text buttons are unallowed in the inline keyboard"
                )
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= 64:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")


@dataclass
class Fault:
    method: str | None
    status: int
    count: int
    retry_after: int = 1
    chat_id: int | None = None  # only calls for this chat
    until: float | None = None  # a time-limited outage instead of a count

    def applies(self, method: str, params: dict[str, Any]) -> bool:
        if self.method not in (None, method):
            return False
        if self.chat_id is not None and str(params.get("chat_id")) != str(self.chat_id):
            return False
        if self.until is not None:
            return time.monotonic() < self.until
        return self.count > 0


@dataclass
class Emulator:
    token: str
    bot_id: int = 777000111
    username: str = "docbot_test_bot"
    updates: list[dict[str, Any]] = field(default_factory=list)
    sent: list[dict[str, Any]] = field(default_factory=list)  # messages the bot sent or edited
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    callback_answers: list[dict[str, Any]] = field(default_factory=list)
    inline_answers: list[dict[str, Any]] = field(default_factory=list)
    commands: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (method, description)
    delivered: dict[int, float] = field(default_factory=dict)  # update_id -> time handed over
    confirmed_below: int = 0  # every update under this id is confirmed
    webhook: str = ""
    delay: float = 0.0
    slow_methods: dict[str, float] = field(default_factory=dict)
    hangs: list[tuple[str, float]] = field(default_factory=list)  # (method, seconds), once each
    hangs_done: int = 0
    files: dict[str, dict[str, Any]] = field(default_factory=dict)  # file_id -> file
    downloads: list[str] = field(default_factory=list)  # file paths fetched
    _next_update: int = field(default_factory=lambda: random.randint(10_000, 1_000_000))
    _next_message: int = 1000
    _cond: threading.Condition = field(default_factory=threading.Condition)
    _server: ThreadingHTTPServer | None = None

    # --- life cycle --------------------------------------------------------------

    def start(self) -> str:
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                emulator._handle(self)

            do_GET = do_POST

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    # --- the HTTP side -----------------------------------------------------------------

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        download = re.fullmatch(r"/file/bot([^/]+)/(.+)", unquote(request.path.split("?")[0]))
        if download:
            return self._download(request, download.group(1), download.group(2))
        match = re.fullmatch(r"/bot([^/]+)/(\w+)", request.path.split("?")[0])
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        if not match:
            return self._reply(
                request, 404, {"ok": False, "error_code": 404, "description": "Not Found"}
            )
        token, method = match.groups()
        if token != self.token:
            return self._reply(
                request, 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
            )
        params = self._params(request.headers.get("Content-Type", ""), body)
        with self._cond:
            self.calls.append((method, params))
            self._cond.notify_all()
            hang = next((h for h in self.hangs if h[0] == method), None)
            if hang:
                self.hangs.remove(hang)
        if self.delay and method != "getUpdates":
            time.sleep(self.delay)
        if method in self.slow_methods:
            time.sleep(self.slow_methods[method])
        try:
            self._inject_fault(method, params)
            handler = getattr(self, f"api_{method}", None)
            if handler is None:
                raise ApiError(400, f"Bad Request: method {method} not found")
            result = handler(params)
            if hang:  # carried out, answered late: the caller's read may time out
                time.sleep(hang[1])
                with self._cond:
                    self.hangs_done += 1
                    self._cond.notify_all()
        except ApiError as error:
            if error.status == 400:
                with self._cond:
                    self.rejected.append((method, error.description))
                    self._cond.notify_all()
            payload: dict[str, Any] = {
                "ok": False,
                "error_code": error.status,
                "description": error.description,
            }
            if error.retry_after is not None:
                payload["parameters"] = {"retry_after": error.retry_after}
            return self._reply(request, error.status, payload)
        return self._reply(request, 200, {"ok": True, "result": result})

    def _download(self, request: BaseHTTPRequestHandler, token: str, path: str) -> None:
        """A file's bytes, as Telegram's file server sends them."""
        if token != self.token:
            return self._reply(
                request, 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
            )
        with self._cond:
            found = next((f for f in self.files.values() if f["file_path"] == path), None)
            if found is not None:
                self.downloads.append(path)
                self._cond.notify_all()
        if found is None:
            return self._reply(
                request, 404, {"ok": False, "error_code": 404, "description": "Not Found"}
            )
        self._send(request, 200, "application/octet-stream", found["data"])
        return None

    @staticmethod
    def _params(content_type: str, body: bytes) -> dict[str, Any]:
        if not body:
            return {}
        if "json" in content_type:
            loaded: dict[str, Any] = json.loads(body)
            return loaded
        params: dict[str, Any] = {}
        for key, value in parse_qsl(body.decode(), keep_blank_values=True):
            if key in _JSON_FIELDS or (key in _INT_FIELDS and value.lstrip("-").isdigit()):
                params[key] = json.loads(value)
            elif value in ("true", "false"):
                params[key] = value == "true"
            else:
                params[key] = value
        return params

    @staticmethod
    def _reply(request: BaseHTTPRequestHandler, status: int, payload: dict[str, Any]) -> None:
        Emulator._send(request, status, "application/json", json.dumps(payload).encode())

    @staticmethod
    def _send(request: BaseHTTPRequestHandler, status: int, kind: str, data: bytes) -> None:
        try:
            request.send_response(status)
            request.send_header("Content-Type", kind)
            request.send_header("Content-Length", str(len(data)))
            request.end_headers()
            request.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _inject_fault(self, method: str, params: dict[str, Any]) -> None:
        with self._cond:
            for fault in self.faults:
                if fault.applies(method, params):
                    fault.count -= 1
                    if fault.status == 429:
                        raise ApiError(
                            429,
                            f"Too Many Requests: retry after {fault.retry_after}",
                            fault.retry_after,
                        )
                    raise ApiError(fault.status, HTTPStatus(fault.status).phrase)

    # --- Bot API methods -----------------------------------------------------------------

    def _me(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "docbot",
            "username": self.username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
        }

    def api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._me()

    def api_deleteWebhook(self, params: dict[str, Any]) -> bool:
        with self._cond:
            self.webhook = ""
        return True

    def api_setWebhook(self, params: dict[str, Any]) -> bool:
        if not str(params.get("url", "")).startswith(("https://", "http://127.0.0.1")):
            raise ApiError(400, "Bad Request: bad webhook: HTTPS url must be provided for webhook")
        secret = str(params.get("secret_token", ""))
        if secret and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        with self._cond:
            self.webhook = str(params["url"])
        return True

    def api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        deadline = time.monotonic() + min(timeout, 5.0)
        with self._cond:
            if self.webhook:
                raise ApiError(
                    409,
                    "Conflict: can't use getUpdates method while webhook is active; "
                    "use deleteWebhook to delete the webhook first",
                )
            if offset:  # confirms every update before ``offset``, as Telegram does
                self.updates = [u for u in self.updates if u["update_id"] >= offset]
                self.confirmed_below = max(self.confirmed_below, offset)
                self._cond.notify_all()
            while not self.updates and time.monotonic() < deadline:
                self._cond.wait(deadline - time.monotonic())
            limit = int(params.get("limit") or 100)
            batch = list(self.updates[:limit])
            now = time.monotonic()
            for update in batch:
                self.delivered.setdefault(update["update_id"], now)
            return batch

    def api_setMyCommands(self, params: dict[str, Any]) -> bool:
        commands = params.get("commands") or []
        for command in commands:
            if (
                not re.fullmatch(r"[a-z0-9_]{1,32}", command["command"])
                or not 1 <= len(command["description"]) <= 256
            ):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
        with self._cond:
            self.commands[params.get("language_code") or ""] = commands
        return True

    def api_sendChatAction(self, params: dict[str, Any]) -> bool:
        if params.get("action") not in {"typing", "upload_document", "find_location"}:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        return True

    def api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        text = str(params.get("text", ""))
        visible = check_text(text, params.get("parse_mode"))
        markup = params.get("reply_markup")
        check_markup(markup)
        reply = params.get("reply_parameters") or {}
        with self._cond:
            self._next_message += 1
            message = {
                "message_id": self._next_message,
                "date": int(time.time()),
                "chat": {"id": int(params["chat_id"]), "type": "private"},
                "from": self._me(),
                "text": visible,
            }
            record = {
                **message,
                "html": text,
                "reply_markup": markup,
                "received": time.monotonic(),
                "reply_to": reply.get("message_id") or params.get("reply_to_message_id"),
                "method": "sendMessage",
            }
            self.sent.append(record)
            self._cond.notify_all()
        return message

    def api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        text = str(params.get("text", ""))
        visible = check_text(text, params.get("parse_mode"))
        check_markup(params.get("reply_markup"))
        with self._cond:
            record = {
                "message_id": int(params["message_id"]),
                "date": int(time.time()),
                "chat": {"id": int(params["chat_id"]), "type": "private"},
                "text": visible,
                "html": text,
                "reply_markup": params.get("reply_markup"),
                "method": "editMessageText",
            }
            self.sent.append(record)
            self._cond.notify_all()
        return {k: v for k, v in record.items() if k in ("message_id", "date", "chat", "text")}

    def api_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        check_markup(params.get("reply_markup"))
        with self._cond:
            self.sent.append(
                {
                    "message_id": int(params["message_id"]),
                    "chat": {"id": int(params["chat_id"])},
                    "reply_markup": params.get("reply_markup"),
                    "text": "",
                    "method": "editMessageReplyMarkup",
                }
            )
            self._cond.notify_all()
        return {
            "message_id": int(params["message_id"]),
            "date": int(time.time()),
            "chat": {"id": int(params["chat_id"]), "type": "private"},
            "text": "…",
        }

    def api_getFile(self, params: dict[str, Any]) -> dict[str, Any]:
        with self._cond:
            found = self.files.get(str(params.get("file_id", "")))
        if found is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        if found["file_size"] > MAX_DOWNLOAD:
            raise ApiError(400, "Bad Request: file is too big")
        return {
            "file_id": found["file_id"],
            "file_unique_id": found["file_unique_id"],
            "file_size": found["file_size"],
            "file_path": found["file_path"],
        }

    def api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        if len(str(params.get("text", ""))) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        with self._cond:
            self.callback_answers.append(params)
            self._cond.notify_all()
        return True

    def api_answerInlineQuery(self, params: dict[str, Any]) -> bool:
        results = params.get("results") or []
        if len(results) > 50:
            raise ApiError(400, "Bad Request: RESULTS_TOO_MUCH")
        for result in results:
            content = result.get("input_message_content") or {}
            check_text(content.get("message_text", ""), content.get("parse_mode"))
        with self._cond:
            self.inline_answers.append(params)
            self._cond.notify_all()
        return True

    # --- the test side -------------------------------------------------------------

    @property
    def next_update_id(self) -> int:
        """The id the next update pushed will get."""
        return self._next_update

    def push(self, update: dict[str, Any]) -> dict[str, Any]:
        """Any update, as given (it gets the next update id)."""
        return self._push(update)

    def _push(self, update: dict[str, Any]) -> dict[str, Any]:
        with self._cond:
            update["update_id"] = self._next_update
            self._next_update += 1
            self.updates.append(update)
            self._cond.notify_all()
        return update

    def send_text(
        self,
        user: dict[str, Any],
        text: str,
        chat: dict[str, Any] | None = None,
        entities: list[dict[str, Any]] | None = None,
        reply_to: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        chat = chat or {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        with self._cond:
            self._next_message += 1
            message_id = self._next_message
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": chat,
            "from": user,
            "text": text,
        }
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        if entities:
            message["entities"] = entities
        if reply_to:
            message["reply_to_message"] = reply_to
        self._push({"message": message})
        return message

    def send_document(
        self,
        user: dict[str, Any],
        file_name: str | None,
        data: bytes,
        *,
        mime_type: str | None = None,
        file_size: int | None = None,
        chat: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """``user`` sends a file; its bytes are served to the bot through
        ``getFile``.  ``file_size`` is what Telegram says it is (its real size
        unless a test wants a large file without its bytes)."""
        chat = chat or {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        with self._cond:
            self._next_message += 1
            message_id = self._next_message
            file_id = f"BQACAgI{random.getrandbits(64):016x}"
            size = len(data) if file_size is None else file_size
            self.files[file_id] = {
                "file_id": file_id,
                "file_unique_id": file_id[-10:],
                "file_size": size,
                "file_path": f"documents/file_{len(self.files)}{Path(file_name or '').suffix}",
                "data": data,
            }
        document: dict[str, Any] = {
            "file_id": file_id,
            "file_unique_id": file_id[-10:],
            "file_size": size,
        }
        if file_name is not None:
            document["file_name"] = file_name
        if mime_type is not None:
            document["mime_type"] = mime_type
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": chat,
            "from": user,
            "document": document,
        }
        self._push({"message": message})
        return message

    def fetched(self, message: dict[str, Any]) -> bool:
        """Whether the bot asked for (``getFile``) or downloaded the file of a
        document message."""
        file_id = message["document"]["file_id"]
        with self._cond:
            path = self.files[file_id]["file_path"]
            asked = any(m == "getFile" and p.get("file_id") == file_id for m, p in self.calls)
            return asked or path in self.downloads

    def press(self, user: dict[str, Any], message: dict[str, Any], data: str) -> str:
        with self._cond:
            query_id = str(self._next_update * 7919)
        self._push(
            {
                "callback_query": {
                    "id": query_id,
                    "from": user,
                    "chat_instance": "1",
                    "data": data,
                    "message": {
                        k: v
                        for k, v in message.items()
                        if k in ("message_id", "date", "chat", "text")
                    }
                    | {"from": self._me()},
                }
            }
        )
        return query_id

    def press_inline(self, user: dict[str, Any], data: str) -> str:
        """A button pressed on a message sent in inline mode (no chat, no message)."""
        with self._cond:
            query_id = str(self._next_update * 7919)
        self._push(
            {
                "callback_query": {
                    "id": query_id,
                    "from": user,
                    "chat_instance": "2",
                    "inline_message_id": f"inline-{query_id}",
                    "data": data,
                }
            }
        )
        return query_id

    def inline(self, user: dict[str, Any], query: str) -> str:
        query_id = f"inline-{self._next_update}"
        self._push({"inline_query": {"id": query_id, "from": user, "query": query, "offset": ""}})
        return query_id

    def fail(
        self,
        method: str | None,
        status: int,
        count: int,
        retry_after: int = 1,
        chat_id: int | None = None,
    ) -> None:
        with self._cond:
            self.faults.append(Fault(method, status, count, retry_after, chat_id))

    def fail_for(self, method: str | None, status: int, seconds: float) -> None:
        """An outage: every call of ``method`` fails with ``status`` for ``seconds``."""
        with self._cond:
            self.faults.append(Fault(method, status, 0, until=time.monotonic() + seconds))

    def faults_left(self) -> int:
        """Counted faults not served yet."""
        with self._cond:
            return sum(max(0, f.count) for f in self.faults if f.until is None)

    def hang(self, method: str, seconds: float) -> None:
        """The next call of ``method`` is carried out, then answered after ``seconds``."""
        with self._cond:
            self.hangs.append((method, seconds))

    def revoke(self) -> None:
        """The bot's token stops working (as after /revoke in @BotFather)."""
        with self._cond:
            self.token = "revoked:" + self.token

    def callback_answers_for(self, query_id: str) -> list[dict[str, Any]]:
        return [a for a in self.callback_answers if str(a.get("callback_query_id")) == query_id]

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 15.0) -> Any:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                value = predicate()
                if value:
                    return value
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError("timed out waiting for the bot")
                self._cond.wait(min(remaining, 0.2))

    def messages_to(self, chat_id: int, after: int = 0) -> list[dict[str, Any]]:
        return [
            m
            for m in self.sent[after:]
            if m["chat"]["id"] == chat_id and m.get("method") == "sendMessage"
        ]

    def ask(
        self, user: dict[str, Any], text: str, count: int = 1, timeout: float = 15
    ) -> list[dict[str, Any]]:
        """Send ``text`` as ``user`` and wait for at least ``count`` messages back."""
        before = len(self.sent)
        self.send_text(user, text)

        def arrived() -> list[dict[str, Any]] | None:
            got = self.messages_to(user["id"], before)
            return got if len(got) >= count else None

        result: list[dict[str, Any]] = self.wait_for(arrived, timeout)
        return result


class BotProcess:
    """The real ``docbot bot`` in a subprocess, talking to ``emulator``."""

    def __init__(
        self,
        emulator: Emulator,
        url: str,
        settings: dict[str, str],
        output: IO[bytes] | None = None,
    ) -> None:
        env = clean_env(TELEGRAM_BOT_TOKEN=emulator.token, TELEGRAM_API_URL=url, **settings)
        self.emulator = emulator
        self.process = subprocess.Popen(
            [sys.executable, "-m", "docbot.bot.cli.commands", "bot"],
            cwd=ROOT,
            env=env,
            stdout=output or subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, method: str = "getUpdates", startup: float = 90) -> None:
        """Until the bot calls ``method`` for the first time after its start."""
        calls = len(self.emulator.calls)

        def ready() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(f"docbot bot exited with {self.process.returncode}")
            return any(m == method for m, _ in self.emulator.calls[calls:])

        self.emulator.wait_for(ready, startup)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def terminate(self, timeout: float = 15) -> int:
        """SIGTERM; the bot must stop by itself, as a service manager expects."""
        self.process.terminate()
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"docbot bot did not stop within {timeout} s of SIGTERM") from None

    def wait_exit(self, timeout: float) -> int | None:
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None


@contextlib.contextmanager
def emulator_running(token: str) -> Iterator[tuple[Emulator, str]]:
    emulator = Emulator(token=token)
    url = emulator.start()
    try:
        yield emulator, url
    finally:
        emulator.stop()


@contextlib.contextmanager
def running_bot(
    token: str,
    settings: dict[str, str],
    output: IO[bytes] | None = None,
    startup: float = 90,
    ready_method: str = "getUpdates",
) -> Iterator[Emulator]:
    """The emulator and a real ``docbot bot`` process talking to it, until the block
    ends; the bot must then stop by itself on SIGTERM, as a service manager expects."""
    with emulator_running(token) as (emulator, url):
        bot = BotProcess(emulator, url, settings, output)
        try:
            bot.wait_ready(ready_method, startup)
            yield emulator
        finally:
            if bot.process.poll() is None:
                bot.terminate()
