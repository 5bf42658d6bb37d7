"""Keeping the bot token out of every log line, error message and traceback.

httpx logs each request URL (which holds ``bot<token>``) at INFO: it is
quieted to WARNING.  A filter on every root handler then masks the token in
whatever still carries it, formatted message and traceback alike, and the
process's excepthook masks uncaught tracebacks too.
"""

from __future__ import annotations

import logging
import sys
import traceback
from types import TracebackType

MASK = "<TOKEN>"


def mask(text: str, token: str) -> str:
    """Replace the token (and its ``bot`` URL form) with a marker.

    >>> mask("POST https://api.telegram.org/bot123:ABC/getMe", "123:ABC")
    'POST https://api.telegram.org/bot<TOKEN>/getMe'
    """
    if not token:
        return text
    return text.replace(token, MASK)


class TokenFilter(logging.Filter):
    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask(record.getMessage(), self.token)
        record.args = None
        if record.exc_info:
            text = "".join(traceback.format_exception(*record.exc_info))
            record.exc_text = mask(text.rstrip("\n"), self.token)
            record.exc_info = None
        if record.stack_info:
            record.stack_info = mask(record.stack_info, self.token)
        return True


def install_token_filter(token: str, level: str = "INFO") -> None:
    """Configure logging for the bot with the token masked everywhere."""
    logging.basicConfig(
        level=getattr(logging, level, logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    token_filter = TokenFilter(token)
    for handler in logging.getLogger().handlers:
        handler.addFilter(token_filter)

    def excepthook(
        kind: type[BaseException], value: BaseException, tb: TracebackType | None
    ) -> None:
        text = "".join(traceback.format_exception(kind, value, tb))
        sys.stderr.write(mask(text, token))

    sys.excepthook = excepthook
