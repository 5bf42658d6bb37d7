"""What docbot knows of each language: one module per language, found by name.

A language is one module in this folder (``fr.py``) that defines ``LANGUAGE``,
a :class:`Language` record of data: stopwords, the Snowball stemmer, whether
it compounds, follow-up cues, question and number patterns, web boilerplate
phrases and the semantic layer's reference sentences.  Nothing else in the
engine names a language; adding one is adding its module (and, for the bot's
interface, its texts in ``docbot.bot``).

Languages without a module are still indexed: their documents get
Snowball's stemmer where one exists and no stopwords.

>>> get("fr").stemmer, get("de").compounds, get("xx") is None
('french', True, True)
>>> codes()[:3]
('en', 'de', 'es')
"""

from __future__ import annotations

import functools

from .._modules import modules_in
from ._language import Boilerplate, FollowUpCues, Language
from ._snowball import SNOWBALL

__all__ = [
    "Boilerplate",
    "FollowUpCues",
    "Language",
    "all_languages",
    "codes",
    "compounds",
    "get",
    "stemmer_name",
    "stopwords_for",
]


@functools.cache
def _registry() -> dict[str, Language]:
    found: dict[str, Language] = {}
    for module in modules_in(__name__, __path__, skip=("detect",)):
        name = module.__name__.rsplit(".", 1)[-1]
        language = module.LANGUAGE
        if not isinstance(language, Language) or language.code != name:
            raise TypeError(f"{name}.LANGUAGE must be the Language {name!r}")
        found[language.code] = language
    # English first (the fallback everywhere), then by code, so that ties
    # between languages always break the same way.
    return {code: found[code] for code in sorted(found, key=lambda c: (c != "en", c))}


def all_languages() -> tuple[Language, ...]:
    """Every language with a module, English first, then by code."""
    return tuple(_registry().values())


def codes() -> tuple[str, ...]:
    """The codes of every language with a module, English first, then by code."""
    return tuple(_registry())


def get(code: str) -> Language | None:
    """The language with the primary subtag ``code``, or ``None``."""
    return _registry().get(code)


def stemmer_name(code: str) -> str | None:
    """The Snowball algorithm for ``code``: its module's, else Snowball's own list."""
    language = get(code)
    return language.stemmer if language else SNOWBALL.get(code)


def stopwords_for(code: str) -> frozenset[str]:
    """The stopword list for a primary language subtag; empty when unknown.

    >>> "the" in stopwords_for("en"), "information" in stopwords_for("en")
    (True, False)
    >>> stopwords_for("fi")
    frozenset()
    """
    language = get(code)
    return language.stopwords if language else frozenset()


def compounds(code: str) -> bool:
    """Whether ``code``'s words join into compounds split on the vocabulary."""
    language = get(code)
    return bool(language and language.compounds)
