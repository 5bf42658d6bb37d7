"""What the Telegram handlers share: the index as served (``app.serving``),
the bot's settings, who may ask and who administers, and what an admin's
confirmation buttons are about (``hold``/``held``, in memory for
``HOLD_LIFETIME`` seconds, under random ids owned by one chat and user, like
answer buttons).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from telegram import User
from telegram.ext import ContextTypes

from ..app.config import Paths
from ..app.serving import MAX_REMEMBERED, Serving, log
from ..app.state import StateStore, new_answer_id
from .settings import BotConfig

__all__ = ["Held", "Service", "log", "service_of"]

HOLD_LIFETIME = 3600.0  # an admin's confirmation buttons work for an hour


@dataclass(frozen=True)
class Held:
    """What an admin's confirmation buttons are about, owned by one chat and user."""

    chat_id: int
    user_id: int
    kind: str  # "upload" or "remove"
    data: dict[str, Any]
    created: float


def _matches(user: User | None, names: frozenset[str]) -> bool:
    if user is None:
        return False
    return str(user.id) in names or (user.username or "").casefold() in names


class Service(Serving):
    """The served index with the bot's settings and its confirmation buttons."""

    def __init__(self, config: BotConfig, paths: Paths, state: StateStore) -> None:
        super().__init__(paths, state, config.semantic)
        self.config = config
        self.outcomes: dict[int, str] = {}  # update id -> "retry" when Telegram was unreachable
        self._held: dict[str, Held] = {}

    def allowed(self, user: User | None) -> bool:
        return not self.config.allowed or _matches(user, self.config.allowed)

    def is_admin(self, user: User | None) -> bool:
        return _matches(user, self.config.admins)

    # --- confirmation buttons ----------------------------------------------------------------

    def hold(self, chat_id: int, user_id: int, kind: str, data: dict[str, Any]) -> str:
        """Keep what a confirmation is about; returns the random id its buttons carry."""
        now = time.monotonic()
        for key in [k for k, h in self._held.items() if now - h.created > HOLD_LIFETIME]:
            del self._held[key]
        while len(self._held) >= MAX_REMEMBERED:
            del self._held[next(iter(self._held))]
        held_id = new_answer_id()
        self._held[held_id] = Held(chat_id, user_id, kind, data, now)
        return held_id

    def held(self, held_id: str) -> Held | None:
        found = self._held.get(held_id)
        if found is None or time.monotonic() - found.created > HOLD_LIFETIME:
            return None
        return found

    def release(self, held_id: str) -> None:
        self._held.pop(held_id, None)


def service_of(context: ContextTypes.DEFAULT_TYPE) -> Service:
    svc: Service = context.application.bot_data["service"]
    return svc
