"""Choosing the quote: the one to three sentences of a passage that best
match the question, with the matched words marked."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ..analysis.analyzer import Analyzer, Decompounder, analyze_spans
from ..ingest.chunking import is_code, sentence_spans
from ..records import Quote, Span

MAX_QUOTE_CHARS = 420
MAX_SENTENCES = 3
MAX_CODE_LINES = 4
SHORT_SENTENCE = 60
QUOTE_LEXICAL_SHARE = 1.0  # next to similarity (z-scored in the passage), the matched weight share


@dataclass(frozen=True)
class _Sentence:
    start: int
    end: int
    paragraph: int
    weight: float
    marks: tuple[Span, ...]
    code: bool


def match_spans(
    text: str,
    lang: str,
    terms: Mapping[str, float],
    decompound: Decompounder | None = None,
    analyzer: Analyzer | None = None,
) -> list[tuple[int, int, str]]:
    """``(start, end, term)`` of each word of ``text`` that matches a query term
    (through ``analyzer``'s word cache when the caller keeps one)."""
    seen: dict[tuple[int, int], str] = {}
    spans = analyzer.spans(text) if analyzer else analyze_spans(text, lang, decompound)
    for term, start, end in spans:
        if term in terms and (start, end) not in seen:
            seen[(start, end)] = term
    return [(a, b, t) for (a, b), t in seen.items()]


def _sentences(
    text: str, matches: list[tuple[int, int, str]], idf: Callable[[str], float]
) -> list[_Sentence]:
    out = []
    for start, end in sentence_spans(text):
        inside = [(a, b, t) for a, b, t in matches if a >= start and b <= end]
        weight = sum(idf(t) for t in {t for _, _, t in inside})
        paragraph = text.count("\n\n", 0, start)
        marks = tuple((a, b) for a, b, _ in inside)
        out.append(_Sentence(start, end, paragraph, weight, marks, is_code(text[start:end])))
    return out


def _best_sentence(sentences: list[_Sentence], sentence_scores: Mapping[Span, float] | None) -> int:
    """The sentence that answers best: its similarity to the question (standard
    scores within the passage) plus its share of the question's words that the
    passage holds; or those words alone without a semantic layer."""
    prose = [i for i, s in enumerate(sentences) if not s.code] or list(range(len(sentences)))
    if not sentence_scores:
        return max(prose, key=lambda i: (sentences[i].weight, -i))
    values = list(sentence_scores.values())
    mean = sum(values) / len(values)
    spread = (sum((v - mean) ** 2 for v in values) / len(values)) ** 0.5 or 1.0
    total = sum(s.weight for s in sentences) or 1.0

    def value(i: int) -> tuple[float, int]:
        sentence = sentences[i]
        similarity = sentence_scores.get((sentence.start, sentence.end), min(values))
        return (similarity - mean) / spread + QUOTE_LEXICAL_SHARE * sentence.weight / total, -i

    return max(prose, key=value)


def _code_introduced(sentences: list[_Sentence], last: int, text: str) -> list[int]:
    """The code lines that the quote's last sentence introduces ("... using:"
    or a sentence the code completes), when the code follows it."""
    lead = text[sentences[last].start : sentences[last].end].rstrip()
    if sentences[last].code or lead.endswith((".", "!", "?", "…")):
        return []
    added: list[int] = []
    for i in range(last + 1, min(len(sentences), last + 1 + MAX_CODE_LINES)):
        if not sentences[i].code or sentences[i].end - sentences[last].start > MAX_QUOTE_CHARS:
            break
        added.append(i)
    return added


def choose_quote(
    text: str,
    lang: str,
    terms: Mapping[str, float],
    *,
    decompound: Decompounder | None = None,
    sentence_scores: Mapping[Span, float] | None = None,
    analyzer: Analyzer | None = None,
) -> tuple[Quote, tuple[Span, ...]]:
    """The quote, and the marks over the whole passage text.

    ``terms`` maps each query term to its weight (IDF); ``sentence_scores``
    (semantic similarity of each sentence to the question, by span) decide the
    sentence when the index has a semantic layer.

    >>> text = ("Cats sleep all day long in the sun, as everybody who has a cat knows well. "
    ...         "The ROI of networking is hard to measure in numbers, but it can be done. "
    ...         "Dogs bark at the postman every single morning of the week, without fail.")
    >>> quote, marks = choose_quote(text, "en", {"roi": 2.0, "measur": 1.0})
    >>> quote.text, [quote.text[a:b] for a, b in quote.marks]
    ('The ROI of networking is hard to measure in numbers, but it can be done.', ['ROI', 'measure'])
    """
    matches = match_spans(text, lang, terms, decompound, analyzer)
    all_marks = tuple(sorted((a, b) for a, b, _ in matches))
    sentences = _sentences(text, matches, lambda t: terms.get(t, 0.0))
    if not sentences:
        return Quote(text[:MAX_QUOTE_CHARS], ()), all_marks
    best = _best_sentence(sentences, sentence_scores)
    chosen = [best]
    for _ in range(MAX_SENTENCES - 1):
        length = sentences[chosen[-1]].end - sentences[chosen[0]].start
        paragraph = sentences[best].paragraph
        neighbours = [
            i
            for i in (chosen[0] - 1, chosen[-1] + 1)
            if 0 <= i < len(sentences)
            and sentences[i].paragraph == paragraph
            and sentences[i].code == sentences[best].code
        ]
        scored = [i for i in neighbours if sentences[i].weight > 0]
        if not scored and length >= SHORT_SENTENCE:
            break
        pool = scored or [i for i in neighbours if i > chosen[-1]] or neighbours
        if not pool:
            break
        nxt = max(pool, key=lambda i: (sentences[i].weight, i > chosen[-1]))
        new_start = min(sentences[chosen[0]].start, sentences[nxt].start)
        new_end = max(sentences[chosen[-1]].end, sentences[nxt].end)
        if new_end - new_start > MAX_QUOTE_CHARS:
            break
        chosen = sorted([*chosen, nxt])
    chosen += _code_introduced(sentences, chosen[-1], text)
    start, end = sentences[chosen[0]].start, sentences[chosen[-1]].end
    quote_text = text[start:end]
    if len(quote_text) > MAX_QUOTE_CHARS:
        quote_text = quote_text[: MAX_QUOTE_CHARS - 1].rstrip() + "…"
    marks = tuple(
        (a - start, b - start) for a, b in all_marks if a >= start and b - start <= len(quote_text)
    )
    return Quote(quote_text, marks), all_marks
