"""The semantic layer: sentence vectors that find passages in other words and languages.

(Vectors are not built yet: every index is lexical, and ``SemanticIndex``
says so.)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .arrays import Bundle
    from .lexical import LanguageIndex
    from .ranking import Candidate


@dataclass(frozen=True)
class SemanticIndex:
    """The vectors of an index's passages and sentences, when it has them."""

    active: bool = False

    @classmethod
    def open(
        cls, bundle: Bundle | None, indexes: Mapping[str, LanguageIndex], encoder: object | None
    ) -> SemanticIndex:
        return cls(active=False)

    def sentence_scores(self, candidate: Candidate, text: str) -> list[float] | None:
        return None
