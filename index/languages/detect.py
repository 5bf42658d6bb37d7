"""Language tags (langcodes) and language detection (lingua).

Tags are BCP-47, normalised by langcodes ("EN_us" -> "en-US"); indexes are
kept per primary subtag ("en", "de", "es").

A question's language is decided from two kinds of evidence:

* function words: "ist", "the", "qué" are strong, unambiguous evidence in a
  few words, where character models are weakest;
* lingua's confidence, restricted to the corpus languages.

When neither is decisive (e.g. "Social Media", "LinkedIn", "ROI networking?")
the question is *ambiguous* and every index is searched, rather than
gambling on one.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..analysis.analyzer import is_stopword, words
from ..errors import UnknownLanguage
from . import all_languages, stopwords_for

_MIN_CONFIDENCE = 0.9
_MIN_WORDS_FOR_MODEL = 3
_DOC_SAMPLE_CHARS = 5000  # what an unsure decision reads (lingua's cost grows with it)
_DOC_HEAD_CHARS = 240  # what the all-language model reads: enough on a page of text
_LONG_DOC_CHARS = 200
_PAGE_CHARS = 400  # what py3langid reads; it decides when it is sure
_PAGE_CONFIDENCE = 0.99
_LONG_DOC_CONFIDENCE = 0.9
_OTHER_LANGUAGE_CONFIDENCE = 0.95
_MIN_WORDS_FOR_OTHER_LANGUAGE = 5
_CORPUS_LANGUAGE_FLOOR = 0.02
# When the caller knows no corpus languages: those docbot has function words for.
DEFAULT_DOCUMENT_LANGUAGES = tuple(sorted(lang.code for lang in all_languages() if lang.stopwords))


@dataclass(frozen=True)
class LanguageGuess:
    tag: str  # best guess
    reason: str  # "explicit", "detected" or "ambiguous"
    candidates: tuple[str, ...]  # indexes to search, best first


def normalize_tag(tag: str) -> str:
    """A valid BCP-47 tag in canonical form, or ``UnknownLanguage``.

    >>> normalize_tag("EN_us"), normalize_tag("German"), normalize_tag("español")
    ('en-US', 'de', 'es')
    """
    import langcodes  # its data costs 50 ms to import: only where a tag needs it

    text = tag.strip()
    try:
        standard = langcodes.standardize_tag(text)
        if langcodes.tag_is_valid(standard) and langcodes.Language.get(standard).language:
            return standard
    except (ValueError, LookupError):
        pass
    try:
        return str(langcodes.find(text))
    except LookupError:
        raise UnknownLanguage(tag, []) from None


# two-letter codes langcodes replaces by their current ones
_RENAMED = {"in": "id", "iw": "he", "ji": "yi", "jw": "jv", "mo": "ro", "sh": "sr", "tl": "fil"}


def primary(tag: str) -> str:
    """The primary language subtag: "en-US" -> "en".

    >>> primary("en-US"), primary("de"), primary("iw"), primary("es-419")
    ('en', 'de', 'he', 'es')
    """
    if len(tag) == 2 and tag.isascii() and tag.isalpha() and tag.islower():
        return _RENAMED.get(tag, tag)  # the usual case, without loading langcodes
    return _primary(tag)


@functools.lru_cache(maxsize=256)
def _primary(tag: str) -> str:
    import langcodes

    return langcodes.Language.get(tag).language or tag.split("-", maxsplit=1)[0].lower()


def match_available(tag: str, available: Iterable[str]) -> str:
    """The corpus language that ``tag`` names, or ``UnknownLanguage``.

    >>> match_available("de-AT", ["en", "de"]), match_available("Spanish", ["es"])
    ('de', 'es')
    """
    import langcodes

    options = sorted(set(available))
    if tag.strip().lower() in {"", "auto"}:
        raise UnknownLanguage(tag, options)
    try:
        wanted = normalize_tag(tag)
    except UnknownLanguage:
        raise UnknownLanguage(tag, options) from None
    match = langcodes.closest_supported_match(wanted, options) if options else None
    if match is None:
        raise UnknownLanguage(tag, options)
    return str(match)


@functools.cache
def display_name(tag: str, in_language: str = "en") -> str:
    """The language's name in another language: ("de", "es") -> "alemán"."""
    import langcodes

    name = langcodes.Language.get(tag).display_name(in_language)
    return name[:1].upper() + name[1:]


@functools.lru_cache(maxsize=8)
def _detector(codes: tuple[str, ...], low_accuracy: bool) -> object:
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    languages = []
    for code in codes:
        try:
            languages.append(Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())))
        except (AttributeError, ValueError):
            continue
    if len(languages) < 2:
        return None
    builder = LanguageDetectorBuilder.from_languages(*languages)
    return (builder.with_low_accuracy_mode() if low_accuracy else builder).build()


def _model_confidences(text: str, codes: tuple[str, ...]) -> dict[str, float]:
    detector = _detector(codes, True)
    if detector is None:
        return {}
    values = detector.compute_language_confidence_values(text)  # type: ignore[attr-defined]
    return {v.language.iso_code_639_1.name.lower(): float(v.value) for v in values}


def function_word_votes(text: str, codes: Iterable[str]) -> dict[str, int]:
    """How many words of ``text`` are function words of one language only.

    >>> function_word_votes("Was ist Social Networking?", ["en", "de", "es"])
    {'en': 0, 'de': 1, 'es': 0}
    """
    codes = list(codes)
    votes = dict.fromkeys(codes, 0)
    for word in words(text):
        hits = [c for c in codes if is_stopword(word, c)]
        if len(hits) == 1:
            votes[hits[0]] += 1
    return votes


SPOKEN_MIN_CONFIDENCE = 0.6


def detect_spoken_language(text: str, candidates: Iterable[str]) -> str | None:
    """The language a question is written in, among ``candidates`` (which may
    include languages the corpus has no text in), or ``None`` when unsure.

    >>> detect_spoken_language("Warum ist Social Networking persönlicher?", ["en", "de", "fr"])
    'de'
    >>> detect_spoken_language("ROI", ["en", "de", "fr"]) is None
    True
    """
    codes = tuple(sorted(set(candidates)))
    if len(codes) < 2 or len(words(text)) < 2:
        return codes[0] if len(codes) == 1 else None
    votes = function_word_votes(text, codes)
    ranked = sorted(codes, key=lambda c: -votes[c])
    if votes[ranked[0]] > votes[ranked[1]]:
        return ranked[0]
    confidences = _model_confidences(text, codes)
    top = max(codes, key=lambda c: confidences.get(c, 0.0))
    return top if confidences.get(top, 0.0) >= SPOKEN_MIN_CONFIDENCE else None


def detect_question_language(
    text: str, available: Iterable[str], vocabulary_votes: Mapping[str, int] | None = None
) -> LanguageGuess:
    """Decide which index(es) a question goes to.

    ``vocabulary_votes`` counts words of the question that only one
    language's documents use (corpus evidence, from the caller); they add to
    the function-word votes.
    """
    codes = tuple(sorted(set(available)))
    if len(codes) <= 1:
        only = codes[0] if codes else "und"
        return LanguageGuess(only, "detected", codes)
    votes = function_word_votes(text, codes)
    for code, count in (vocabulary_votes or {}).items():
        if code in votes:
            votes[code] += count
    ranked_votes = sorted(codes, key=lambda c: -votes[c])
    best, second = ranked_votes[0], ranked_votes[1]
    if votes[best] > votes[second]:  # words decide; the model (70 ms to load) is not asked
        return LanguageGuess(best, "detected", tuple(ranked_votes))
    confidences = _model_confidences(text, codes)
    by_model = sorted(codes, key=lambda c: -confidences.get(c, 0.0))
    top = by_model[0]
    n_words = len(words(text))
    if (
        n_words >= _MIN_WORDS_FOR_MODEL
        and confidences.get(top, 0.0) >= _MIN_CONFIDENCE
        and votes[top] >= votes[second]
    ):
        return LanguageGuess(top, "detected", tuple(by_model))
    return LanguageGuess(top, "ambiguous", tuple(by_model))


def detect_document_language(  # noqa: PLR0911 - one return per rule, in order
    text: str, preferred: Iterable[str] = DEFAULT_DOCUMENT_LANGUAGES
) -> str | None:
    """The primary language of a document's text; ``None`` when it has no words.

    ``preferred`` are the corpus's languages.  A model over all languages is
    reliable on a page of text but confidently wrong on a line ("The printer
    is on the second floor." scores Dutch 0.92), so:

    1. a long text goes to the all-language model's choice when it is sure;
    2. a short one leaves the corpus languages only when that model is sure
       (>= 0.95), has five words or more to go on, and gives every corpus
       language next to nothing: a French notice in a German corpus;
    3. otherwise function words decide among the corpus languages ("the",
       "ist", "del"), when every one of them has a list;
    4. and failing that, the model restricted to the corpus languages picks
       the likeliest, so a short note always lands in a language people ask in.

    >>> detect_document_language("The printer is on the second floor.")
    'en'
    >>> detect_document_language("Bitte Tür schließen.", ["en", "de", "es"])
    'de'
    """
    sample = _cut(text.strip(), _DOC_SAMPLE_CHARS)
    head = _cut(sample, _DOC_HEAD_CHARS)
    if not (words(head) or words(sample)):
        return None
    codes = tuple(sorted({primary(tag) for tag in preferred if tag and tag != "und"}))
    quick = None
    if len(sample) >= _PAGE_CHARS:
        quick, sure = _page_language(_cut(sample, _PAGE_CHARS))
        if sure >= _PAGE_CONFIDENCE and quick in codes:
            return quick  # the common case: a page of text in a corpus language
    overall = _all_language_confidences(head)
    top, top_confidence = max(overall.items(), key=lambda kv: kv[1], default=("", 0.0))
    long_text = len(head) >= _LONG_DOC_CHARS
    if (
        long_text
        and top_confidence >= _LONG_DOC_CONFIDENCE
        and top in codes
        and quick in (None, top)
    ):
        return top
    if sample != head:  # a language the corpus lacks, or unsure: read more
        overall = _all_language_confidences(sample)
        top, top_confidence = max(overall.items(), key=lambda kv: kv[1], default=("", 0.0))
    if long_text and top_confidence >= _LONG_DOC_CONFIDENCE:
        return top
    n_words = len(words(sample))
    if not codes:
        return top or None
    if (
        top not in codes
        and top_confidence >= _OTHER_LANGUAGE_CONFIDENCE
        and n_words >= _MIN_WORDS_FOR_OTHER_LANGUAGE
        and max(overall.get(code, 0.0) for code in codes) < _CORPUS_LANGUAGE_FLOOR
    ):
        return top
    if len(codes) == 1:
        return codes[0]
    if all(stopwords_for(code) for code in codes):
        votes = function_word_votes(sample, codes)
        ranked = sorted(codes, key=lambda c: -votes[c])
        if votes[ranked[0]] > votes[ranked[1]]:
            return ranked[0]
    restricted = _model_confidences(sample, codes)
    if restricted:
        return max(codes, key=lambda c: restricted.get(c, 0.0))
    return max(codes, key=lambda c: overall.get(c, 0.0))


_PASSAGE_MIN_CHARS = 200  # prose a passage needs before its own language counts


def passage_language(prose: str, document_lang: str, known: Iterable[str]) -> str:
    """The language of one passage of a document in ``document_lang``, from
    its ``prose`` (its text without code): the document's, unless the prose
    is in another of the ``known`` languages beyond doubt (the all-language
    identifier sure of it and function words agreeing).  Translations leave
    paragraphs untranslated: about two thirds of the French Debian
    Reference's chapter on system initialisation is English.

    >>> english = "This paragraph was not translated yet, so it is still in English for now. "
    >>> passage_language(english * 3, "es", ["en", "es", "de"])
    'en'
    >>> passage_language("Este capítulo explica el empaquetado.", "es", ["en", "es"])
    'es'
    """
    home = primary(document_lang)
    if len(prose) < _PASSAGE_MIN_CHARS:
        return document_lang
    code, sure = _page_language(_cut(prose, _PAGE_CHARS))
    if code == home or code not in set(known) or sure < _PAGE_CONFIDENCE:
        return document_lang
    votes = function_word_votes(prose, (code, home))
    return code if votes[code] > 2 * votes[home] else document_lang


def _page_language(text: str) -> tuple[str, float]:
    """py3langid's language for a page of text and its probability: a tenth of
    lingua's time on the same text, and as right on a page (not on a line)."""
    code, probability = _page_identifier().classify(text)
    return str(code), float(probability)


@functools.lru_cache(maxsize=1)
def _page_identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def _cut(text: str, limit: int) -> str:
    """``text`` up to ``limit`` characters, ending at a word's end.

    >>> _cut("social media and networking", 14)
    'social media'
    """
    if len(text) <= limit:
        return text
    end = text.rfind(" ", 0, limit + 1)
    return text[: end if end > 0 else limit]


def _all_language_confidences(text: str) -> dict[str, float]:
    values = _all_languages_detector().compute_language_confidence_values(text)
    return {str(v.language.iso_code_639_1.name.lower()): float(v.value) for v in values}


@functools.lru_cache(maxsize=1)
def _all_languages_detector() -> Any:
    from lingua import LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_all_languages().with_low_accuracy_mode().build()
