"""Parallel reference sentences: the same twenty everyday statements in several
languages (each language module's ``reference``).  Their mean vectors differ
only by language, which tells the semantic layer where a language sits even
when the corpus has no text in it (a German question over English documents)."""

from __future__ import annotations

from ..languages import all_languages

REFERENCE: dict[str, tuple[str, ...]] = {
    language.code: language.reference for language in all_languages() if language.reference
}
