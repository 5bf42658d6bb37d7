"""Pure formatting for Telegram: HTML messages within Telegram's limits.

Everything that reaches Telegram passes through ``esc`` (user and corpus text
are never trusted as markup), and every message is at most ``MAX_MESSAGE``
characters of HTML, so at most that many visible characters too.  Long content
is split at paragraph, then sentence, then word boundaries.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from docbot.index import Answer, Hit, Passage
from docbot.index.records import Span

MAX_MESSAGE = 4096
MAX_CALLBACK_BYTES = 64
MAX_INLINE_DESCRIPTION = 200
UI_LANGUAGES = ("en", "de", "es")

NameOf = Callable[[str], str]

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "hello": "Hello {name}! I answer questions from {docs} documents in {langs}, "
        "quoting the passages that answer them, with their sources.",
        "try": "Ask me anything about them, for example:",
        "no_answer": "Nothing in my documents answers this.",
        "no_answer_tips": "Try other words, ask in another language (/lang), "
        "or see what I know with /sources.",
        "other_language": "{lang} passage",
        "more": "More",
        "section": "Full section",
        "no_more": "No more results.",
        "thanks": "Thanks for the feedback!",
        "empty": "Please send a question in words.",
        "too_long": "That question is {length:,} characters long; please keep it under "
        "{limit:,} and ask about one thing at a time.",
        "slow_down": "You're asking faster than I can read 🙂 Please wait a few seconds.",
        "not_allowed": "Sorry, this bot is private. Ask its owner to add you.",
        "error": "Sorry, something went wrong on my side. Please try again in a moment.",
        "lang_choose": "Which language should I search? (now: {current})",
        "lang_auto": "Automatic",
        "lang_set": "Search language: {lang}.",
        "sources": "My documents:",
        "help": "Send me a question and I quote the passages that answer it.\n"
        "/lang – choose the search language\n/sources – list my documents\n"
        "/help – this help\nIn groups, mention me or use /ask QUESTION.",
        "reindex_denied": "Only admins can rebuild the index.",
        "reindex_done": "Index rebuilt: {summary}",
        "expired": "This button is from an answer I no longer have. Please ask again.",
        "ask_usage": "Usage: /ask QUESTION",
        "inline_none": "Nothing in the documents answers this",
    },
    "de": {
        "hello": "Hallo {name}! Ich beantworte Fragen aus {docs} Dokumenten in {langs} und "
        "zitiere die passenden Stellen mit ihren Quellen.",
        "try": "Frag mich etwas dazu, zum Beispiel:",
        "no_answer": "Dazu steht nichts in meinen Dokumenten.",
        "no_answer_tips": "Versuch andere Wörter, eine andere Sprache (/lang) "
        "oder schau mit /sources, was ich weiß.",
        "other_language": "Textstelle auf {lang}",
        "more": "Mehr",
        "section": "Ganzer Abschnitt",
        "no_more": "Keine weiteren Ergebnisse.",
        "thanks": "Danke für die Rückmeldung!",
        "empty": "Bitte schick mir eine Frage in Worten.",
        "too_long": "Die Frage hat {length:,} Zeichen; bitte bleib unter {limit:,} und frag "
        "nach einer Sache auf einmal.",
        "slow_down": "Du fragst schneller, als ich lesen kann 🙂 Bitte warte ein paar Sekunden.",
        "not_allowed": "Dieser Bot ist privat. Bitte den Betreiber, dich freizuschalten.",
        "error": "Entschuldigung, bei mir ist etwas schiefgegangen. Bitte versuch es gleich noch "
        "einmal.",
        "lang_choose": "In welcher Sprache soll ich suchen? (jetzt: {current})",
        "lang_auto": "Automatisch",
        "lang_set": "Suchsprache: {lang}.",
        "sources": "Meine Dokumente:",
        "help": "Schick mir eine Frage, und ich zitiere die passenden Stellen.\n"
        "/lang – Suchsprache wählen\n/sources – meine Dokumente\n/help – diese Hilfe\n"
        "In Gruppen: erwähne mich oder nutze /ask FRAGE.",
        "reindex_denied": "Nur Admins können den Index neu aufbauen.",
        "reindex_done": "Index neu aufgebaut: {summary}",
        "expired": "Diese Schaltfläche gehört zu einer alten Antwort. Bitte frag noch einmal.",
        "ask_usage": "So geht's: /ask FRAGE",
        "inline_none": "Dazu steht nichts in den Dokumenten",
    },
    "es": {
        "hello": "¡Hola {name}! Respondo preguntas a partir de {docs} documentos en {langs}, "
        "citando los pasajes que las responden, con sus fuentes.",
        "try": "Pregúntame lo que quieras sobre ellos, por ejemplo:",
        "no_answer": "Nada en mis documentos responde a esto.",
        "no_answer_tips": "Prueba con otras palabras, en otro idioma (/lang) "
        "o mira lo que sé con /sources.",
        "other_language": "Pasaje en {lang}",
        "more": "Más",
        "section": "Sección completa",
        "no_more": "No hay más resultados.",
        "thanks": "¡Gracias por tu opinión!",
        "empty": "Envíame una pregunta con palabras, por favor.",
        "too_long": "La pregunta tiene {length:,} caracteres; por favor usa menos de {limit:,} "
        "y pregunta una cosa a la vez.",
        "slow_down": "Preguntas más rápido de lo que puedo leer 🙂 Espera unos segundos.",
        "not_allowed": "Lo siento, este bot es privado. Pide a su dueño que te añada.",
        "error": "Lo siento, algo salió mal de mi lado. Inténtalo de nuevo en un momento.",
        "lang_choose": "¿En qué idioma busco? (ahora: {current})",
        "lang_auto": "Automático",
        "lang_set": "Idioma de búsqueda: {lang}.",
        "sources": "Mis documentos:",
        "help": "Envíame una pregunta y cito los pasajes que la responden.\n"
        "/lang – elegir el idioma de búsqueda\n/sources – mis documentos\n/help – esta ayuda\n"
        "En grupos, mencióname o usa /ask PREGUNTA.",
        "reindex_denied": "Solo los administradores pueden reconstruir el índice.",
        "reindex_done": "Índice reconstruido: {summary}",
        "expired": "Este botón es de una respuesta que ya no tengo. Pregunta de nuevo.",
        "ask_usage": "Uso: /ask PREGUNTA",
        "inline_none": "Nada en los documentos responde a esto",
    },
}

COMMANDS: dict[str, list[tuple[str, str]]] = {
    "en": [
        ("start", "Introduction and examples"),
        ("help", "What I can do"),
        ("lang", "Choose the search language"),
        ("sources", "List the documents"),
        ("ask", "Ask a question (in groups)"),
    ],
    "de": [
        ("start", "Vorstellung und Beispiele"),
        ("help", "Was ich kann"),
        ("lang", "Suchsprache wählen"),
        ("sources", "Die Dokumente"),
        ("ask", "Eine Frage stellen (in Gruppen)"),
    ],
    "es": [
        ("start", "Presentación y ejemplos"),
        ("help", "Lo que sé hacer"),
        ("lang", "Elegir el idioma de búsqueda"),
        ("sources", "Los documentos"),
        ("ask", "Hacer una pregunta (en grupos)"),
    ],
}


def ui_language(code: str | None) -> str:
    """The interface language for a Telegram ``language_code``; English otherwise.

    >>> ui_language("de-AT"), ui_language("pt-BR"), ui_language(None)
    ('de', 'en', 'en')
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


def link(url: str, label: str) -> str:
    """An HTML link; the URL is attribute-escaped, the label text-escaped."""
    return f'<a href="{html.escape(url, quote=True)}">{esc(label)}</a>'


def source_html(passage: Passage, name_of: NameOf) -> str:
    """Title — section · language (· page) (· link)."""
    head = f"{passage.title} — {passage.section}" if passage.section else passage.title
    parts = [f"<i>{esc(head)}</i>", esc(name_of(passage.lang))]
    if passage.page:
        parts.append(f"p. {passage.page}")
    if passage.url:
        parts.append(link(passage.url, "source"))
    else:
        parts.append(esc(passage.doc))
    return "📄 " + " · ".join(parts)


def hit_html(hit: Hit, ui: str, name_of: NameOf) -> str:
    """One passage: flag (when in another language), quote, source."""
    flag = ""
    if hit.cross_lingual:
        flag = "🌐 " + esc(t(ui, "other_language", lang=name_of(hit.passage.lang))) + "\n"
    quote = marked_html(hit.quote.text, hit.quote.marks)
    return f"{flag}<blockquote>{quote}</blockquote>\n{source_html(hit.passage, name_of)}"


def no_answer_html(ui: str) -> str:
    return f"{esc(t(ui, 'no_answer'))}\n{esc(t(ui, 'no_answer_tips'))}"


def answer_messages(answer: Answer, ui: str, name_of: NameOf) -> list[str]:
    """The answer as HTML messages (one unless the passages are very long)."""
    if not answer.hits:
        return [no_answer_html(ui)]
    return pack([hit_html(hit, ui, name_of) for hit in answer.hits])


def section_messages(passages: Sequence[Passage], name_of: NameOf) -> list[str]:
    """A whole section: heading, its text, source; split to fit."""
    if not passages:
        return []
    first = passages[0]
    heading = f"<b>{esc(first.section or first.title)}</b>"
    body = "\n\n".join(p.text for p in passages)
    blocks = [heading] + [esc(piece) for piece in split_text(body, MAX_MESSAGE - 200)]
    blocks.append(source_html(first, name_of))
    return pack(blocks)


def pack(blocks: Sequence[str], limit: int = MAX_MESSAGE) -> list[str]:
    """Join blocks (each valid HTML) into as few messages of at most ``limit`` as possible.

    >>> [len(m) for m in pack(["a" * 3000, "b" * 3000, "c" * 10], limit=4096)]
    [3000, 3012]
    """
    messages: list[str] = []
    for block in blocks:
        if len(block) > limit:
            raise ValueError("block longer than a message; split its text first")
        if messages and len(messages[-1]) + 2 + len(block) <= limit:
            messages[-1] += "\n\n" + block
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
    text = " ".join(hit.quote.text.split())
    return text if len(text) <= MAX_INLINE_DESCRIPTION else text[: MAX_INLINE_DESCRIPTION - 1] + "…"


@dataclass(frozen=True)
class Callback:
    """Button data: an action letter and integer arguments, ``a:1:2`` (≤ 64 bytes)."""

    action: str
    args: tuple[int, ...] = ()

    def encode(self) -> str:
        data = ":".join([self.action, *map(str, self.args)])
        if len(data.encode()) > MAX_CALLBACK_BYTES:
            raise ValueError("callback data over 64 bytes")
        return data

    @classmethod
    def decode(cls, data: str | None) -> Callback | None:
        """``None`` for data this bot did not make.

        >>> Callback.decode("m:12"), Callback.decode("evil"), Callback.decode("m:x")
        (Callback(action='m', args=(12,)), None, None)
        """
        if not data or ":" not in data:
            return None
        action, *rest = data.split(":")
        try:
            return cls(action, tuple(int(r) for r in rest))
        except ValueError:
            return None


def lang_callback(tag: str | None) -> str:
    """``/lang`` buttons carry the tag itself: ``l:de``, or ``l:auto``."""
    return f"l:{tag or 'auto'}"
