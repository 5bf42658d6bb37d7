"""Pure formatting for Telegram: HTML messages within Telegram's limits.

Everything that reaches Telegram passes through ``esc`` (user and corpus text
are never trusted as markup), and every message is at most ``MAX_MESSAGE``
characters of HTML, so at most that many visible characters too, whatever the
corpus metadata: titles, sections and file names are cut with an ellipsis
(``clip``), a quote is cut to leave room for its source line, and only plain
http(s) URLs of a sane length become links (``linkable``).  Long content is
split at paragraph, then sentence, then word boundaries.  Button data is made
and parsed by ``Callback``, strictly.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from docbot.index import Answer, DocumentInfo, Hit, Passage, Span, is_code_line

from ..app.texts import interface, ui_languages

MAX_MESSAGE = 4096
MAX_CALLBACK_BYTES = 64
MAX_INLINE_DESCRIPTION = 200
UI_LANGUAGES = ui_languages()

NameOf = Callable[[str], str]

# The interface texts and command menus live in docbot.bot.app.texts, one module per language.
TEXTS: dict[str, dict[str, str]] = {ui: interface(ui).texts for ui in UI_LANGUAGES}
COMMANDS: dict[str, list[tuple[str, str]]] = {ui: interface(ui).commands for ui in UI_LANGUAGES}


def ui_language(code: str | None) -> str:
    """The interface language for a Telegram ``language_code``; English otherwise.

    >>> ui_language("de-AT"), ui_language("pt-BR"), ui_language("ja"), ui_language(None)
    ('de', 'pt', 'en', 'en')
    """
    primary = (code or "en").split("-")[0].lower()
    return primary if primary in UI_LANGUAGES else "en"


def t(ui: str, key: str, **values: object) -> str:
    """A UI string, already HTML-escaped apart from its own markup (none)."""
    return TEXTS.get(ui, TEXTS["en"])[key].format(**values)


def esc(text: str) -> str:
    """Escape text for Telegram HTML.

    >>> esc('<script>alert("x")</script> & *md*')
    '&lt;script&gt;alert("x")&lt;/script&gt; &amp; *md*'
    """
    return html.escape(text, quote=False)


def marked_html(text: str, spans: Sequence[Span]) -> str:
    """``text`` escaped, with each span in ``<b>``.

    >>> marked_html("a <ROI> b", [(2, 7)])
    'a <b>&lt;ROI&gt;</b> b'
    """
    out, last = [], 0
    for a, b in sorted(spans):
        if a < last:
            continue
        out += [esc(text[last:a]), "<b>", esc(text[a:b]), "</b>"]
        last = b
    out.append(esc(text[last:]))
    return "".join(out)


def quote_html(text: str, spans: Sequence[Span]) -> str:
    """A quote's text escaped with its spans in ``<b>``; lines of code in
    ``<code>`` (Telegram marks nothing inside code).

    >>> quote_html("Hold it with" + chr(10) + "    apt-mark hold <pkg>", [(0, 4)])
    '<b>Hold</b> it with\\n<code>apt-mark hold &lt;pkg&gt;</code>'
    """
    out, offset = [], 0
    for line in text.split("\n"):
        if is_code_line(line):
            out.append(f"<code>{esc(line.strip())}</code>")
        else:
            end = offset + len(line)
            inside = [(max(a, offset) - offset, min(b, end) - offset) for a, b in spans]
            out.append(marked_html(line, [(a, b) for a, b in inside if a < b]))
        offset += len(line) + 1
    return "\n".join(out)


MAX_TITLE = 120  # visible characters of a title or section in a source line
MAX_DOC = 80  # of a file name
MAX_LINK_URL = 1024  # a longer (escaped) URL is shown cut, not linked
MAX_INLINE_TITLE = 100
MIN_QUOTE = 80


def clip(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, with an ellipsis when cut.

    >>> clip("Return on Investment", 9), clip("ROI", 9)
    ('Return o…', 'ROI')
    """
    text = " ".join(text.split()) if len(text) > limit else text
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"


def linkable(url: str | None) -> bool:
    """Only plain http(s) URLs of a sane length become links.

    >>> linkable("https://example.org/a?b=1"), linkable("javascript:alert(1)")
    (True, False)
    >>> linkable("HTTPS://example.org"), linkable("https://exa mple.org"), linkable("https://")
    (True, False, False)
    """
    if not url:
        return False
    scheme, sep, rest = url.partition("://")
    return (
        bool(sep)
        and scheme.lower() in ("http", "https")
        and bool(rest)
        and not rest.startswith("/")
        and url.isprintable()
        and not any(ch.isspace() for ch in url)
        and len(html.escape(url, quote=True)) <= MAX_LINK_URL
    )


def link(url: str, label: str) -> str:
    """An HTML link when ``url`` is http(s) (attribute-escaped, label
    text-escaped); otherwise the label alone, as text.

    >>> link("https://example.org/?a=1&b=2", "source")
    '<a href="https://example.org/?a=1&amp;b=2">source</a>'
    >>> link("javascript:alert(1)", "source")
    'source'
    """
    if not linkable(url):
        return esc(label)
    return f'<a href="{html.escape(url, quote=True)}">{esc(label)}</a>'


def source_html(passage: Passage, name_of: NameOf) -> str:
    """Title — section · language (· page) · link or file name; long titles,
    sections, file names and URLs cut with an ellipsis."""
    title = clip(passage.title, MAX_TITLE)
    head = f"{title} — {clip(passage.section, MAX_TITLE)}" if passage.section else title
    parts = [f"<i>{esc(head)}</i>", esc(clip(name_of(passage.lang), 40))]
    if passage.page:
        parts.append(f"p. {passage.page}")
    if linkable(passage.url):
        parts.append(link(str(passage.url), "source"))
    else:
        parts.append(esc(clip(passage.doc, MAX_DOC)))
    return "📄 " + " · ".join(parts)


def hit_html(hit: Hit, ui: str, name_of: NameOf, limit: int = MAX_MESSAGE) -> str:
    """One passage: flag (when in another language), quote, source; at most
    ``limit`` characters whatever the corpus holds (the quote is cut to fit)."""
    flag = ""
    if hit.cross_lingual:
        language = clip(name_of(hit.passage.lang), 40)
        flag = "🌐 " + esc(t(ui, "other_language", lang=language)) + "\n"
    source = source_html(hit.passage, name_of)
    room = limit - len(flag) - len(source) - len("<blockquote></blockquote>\n")
    text, marks = hit.quote.text, hit.quote.marks
    quote = quote_html(text, marks)
    keep = len(text)
    while len(quote) > room and keep > MIN_QUOTE:
        keep = max(MIN_QUOTE, keep * room // len(quote) - 1)
        cut = text[:keep].rstrip() + "…"
        quote = quote_html(cut, [(a, min(b, keep)) for a, b in marks if a < keep])
    return f"{flag}<blockquote>{quote}</blockquote>\n{source}"


def no_answer_html(ui: str) -> str:
    return f"{esc(t(ui, 'no_answer'))}\n{esc(t(ui, 'no_answer_tips'))}"


MAX_FOLLOWED = 300  # visible characters of the question a follow-up leans on


def following_up_html(ui: str, previous: str) -> str:
    """The line that says a question was taken as a follow-up.

    >>> following_up_html("en", "ROI <for> networking?")
    '<i>↪ following up on: ROI &lt;for&gt; networking?</i>'
    """
    return f"<i>{esc(t(ui, 'following_up', question=clip(previous, MAX_FOLLOWED)))}</i>"


def answer_messages(answer: Answer, ui: str, name_of: NameOf, lead: str | None = None) -> list[str]:
    """The answer as HTML messages (one unless the passages are very long),
    after ``lead`` (HTML, e.g. ``following_up_html``) when given."""
    blocks = [lead] if lead else []
    if not answer.hits:
        return pack([*blocks, no_answer_html(ui)], joiner="\n")
    return pack([*blocks, *(hit_html(hit, ui, name_of) for hit in answer.hits)])


def section_messages(passages: Sequence[Passage], name_of: NameOf) -> list[str]:
    """A whole section: heading, its text, source; split to fit."""
    if not passages:
        return []
    first = passages[0]
    heading = f"<b>{esc(clip(first.section or first.title, MAX_TITLE))}</b>"
    body = "\n\n".join(p.text for p in passages)
    blocks = [heading] + [esc(piece) for piece in split_text(body, MAX_MESSAGE - 200)]
    blocks.append(source_html(first, name_of))
    return pack(blocks)


def sources_messages(
    documents: Sequence[DocumentInfo], ui: str, name_of: NameOf, per_language: int = 30
) -> list[str]:
    """/sources: the documents by language (at most ``per_language`` each, then
    how many more), split to fit."""
    blocks = [esc(t(ui, "sources"))]
    by_lang: dict[str, list[DocumentInfo]] = {}
    for doc in documents:
        by_lang.setdefault(doc.lang, []).append(doc)
    for lang, docs in by_lang.items():
        lines = [f"<b>{esc(clip(name_of(lang), 40))}</b>"]
        for doc in docs[:per_language]:
            line = f"• {esc(clip(doc.title, MAX_TITLE))} ({doc.passages})"
            if linkable(doc.url):
                line += " – " + link(str(doc.url), "link")
            lines.append(line)
        if len(docs) > per_language:
            lines.append(esc(t(ui, "and_more", count=len(docs) - per_language)))
        blocks.extend(pack(lines, joiner="\n"))
    return pack(blocks)


def pack(blocks: Sequence[str], limit: int = MAX_MESSAGE, joiner: str = "\n\n") -> list[str]:
    """Join blocks (each valid HTML) into as few messages of at most ``limit`` as possible.

    >>> [len(m) for m in pack(["a" * 3000, "b" * 3000, "c" * 10], limit=4096)]
    [3000, 3012]
    """
    messages: list[str] = []
    for block in blocks:
        if len(block) > limit:
            raise ValueError("block longer than a message; split its text first")
        if messages and len(messages[-1]) + len(joiner) + len(block) <= limit:
            messages[-1] += joiner + block
        else:
            messages.append(block)
    return messages


_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


def split_text(text: str, limit: int) -> list[str]:
    """Plain text in pieces of at most ``limit`` characters *after escaping*,
    cut at paragraph, then sentence, then word boundaries.

    >>> split_text("One. Two. Three.", 10)
    ['One. Two.', 'Three.']
    """
    pieces: list[str] = []
    for paragraph in text.split("\n\n"):
        for unit in _units(paragraph, limit):
            if pieces and len(esc(pieces[-1])) + 2 + len(esc(unit)) <= limit:
                pieces[-1] += "\n\n" + unit if "\n\n" not in unit else unit
            else:
                pieces.append(unit)
    return [p for p in pieces if p.strip()]


def _units(paragraph: str, limit: int) -> list[str]:
    if len(esc(paragraph)) <= limit:
        return [paragraph]
    units: list[str] = []
    for sentence in _SENTENCE_END.split(paragraph):
        if len(esc(sentence)) <= limit:
            if units and len(esc(units[-1])) + 1 + len(esc(sentence)) <= limit:
                units[-1] += " " + sentence
            else:
                units.append(sentence)
            continue
        for word in sentence.split(" "):
            rest = word
            while len(esc(rest)) > limit:  # one enormous "word": hard cut
                units.append(rest[: limit // 5])
                rest = rest[limit // 5 :]
            if units and len(esc(units[-1])) + 1 + len(esc(rest)) <= limit:
                units[-1] += " " + rest
            else:
                units.append(rest)
    return units


def inline_description(hit: Hit) -> str:
    return clip(" ".join(hit.quote.text.split()), MAX_INLINE_DESCRIPTION)


def inline_title(hit: Hit) -> str:
    return clip(hit.passage.section or hit.passage.title, MAX_INLINE_TITLE)


# Button data.  Answer buttons carry the answer's random id; nothing else is
# trusted: data that does not match one of these shapes exactly (ASCII only,
# no spaces, no other digits) is not this bot's.
_ID = r"[A-Za-z0-9_-]{1,40}"
_CALLBACK_SHAPES = {
    "m": re.compile(rf"m:({_ID})"),  # more results
    "s": re.compile(rf"s:({_ID})"),  # full section
    "f": re.compile(rf"f:({_ID}):([01])"),  # feedback: 1 helpful, 0 not
    "e": re.compile(rf"e:({_ID})"),  # an example question from /start
    "l": re.compile(r"l:(auto|[a-z]{2,3}(?:-[A-Za-z0-9]{1,8})*)"),  # search language
    # an admin's upload whose name exists: replace, keep both, cancel
    "u": re.compile(rf"u:({_ID}):([rkc])"),
    # /remove: a page of the list, ask about document n, delete it (yes), cancel
    "d": re.compile(rf"d:({_ID}):(p[0-9]{{1,5}}|a[0-9]{{1,6}}|y[0-9]{{1,6}}|c)"),
}


@dataclass(frozen=True)
class Callback:
    """Button data: an action letter and its arguments, ``f:Xq3…:1`` (≤ 64 bytes)."""

    action: str
    args: tuple[str, ...] = ()

    def encode(self) -> str:
        data = ":".join([self.action, *self.args])
        if len(data.encode()) > MAX_CALLBACK_BYTES:
            raise ValueError("callback data over 64 bytes")
        if self.decode(data) != self:
            raise ValueError(f"not a valid button: {data!r}")
        return data

    @classmethod
    def decode(cls, data: str | None) -> Callback | None:
        """``None`` for data this bot did not make.

        >>> Callback.decode("m:Xq3_-a1"), Callback.decode("f:Xq3:1")
        (Callback(action='m', args=('Xq3_-a1',)), Callback(action='f', args=('Xq3', '1')))
        >>> [Callback.decode(d) for d in ("evil", "m: 1", "m:١", "f:1", "f:1:1:1", "m:1\\n")]
        [None, None, None, None, None, None]
        """
        if not data or len(data.encode()) > MAX_CALLBACK_BYTES:
            return None
        shape = _CALLBACK_SHAPES.get(data[:1])
        match = shape.fullmatch(data) if shape else None
        if match is None:
            return None
        return cls(data[:1], match.groups())


def lang_callback(tag: str | None) -> str:
    """``/lang`` buttons carry the tag itself: ``l:de``, or ``l:auto``."""
    return Callback("l", (tag or "auto",)).encode()
