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
        "not_yours": "This button belongs to someone else's answer. Ask me yourself!",
        "and_more": "… and {count:,} more",
        "following_up": "↪ following up on: {question}",
        "help_admin": "Admins: send me a file (.txt, .md, .html, .pdf, .docx, up to {limit} MB) "
        "to add it; /remove – delete a document; /stats – numbers; /reindex – rebuild.",
        "upload_denied": "Thanks! Only the bot's admins can add documents; please ask one of "
        "them to add this one.",
        "upload_type": "I can't read {kind} files. Please send a .txt, .md, .html, .pdf or .docx "
        "file.",
        "upload_too_big": "That file is {size} MB; bots can fetch files of up to {limit} MB "
        "from Telegram. Please send a smaller one.",
        "upload_exists": "A document named {name} is already in the corpus. Replace it, keep "
        "both, or cancel?",
        "replace": "Replace",
        "keep_both": "Keep both",
        "cancel": "Cancel",
        "upload_cancelled": "Cancelled: {name} was not saved.",
        "upload_saving": "Saving {name}…",
        "upload_failed": "I could not fetch the file from Telegram. Please send it again.",
        "upload_added": "Added {name}: “{title}” · {lang} · {passages}.",
        "upload_replaced": "Replaced {name}: “{title}” · {lang} · {passages}.",
        "passages_1": "1 passage",
        "passages_n": "{count:,} passages",
        "upload_skipped": "Saved {name}, but I cannot use it: {reason}. /remove deletes it.",
        "upload_copy_added": "Added {name}: it holds the same as {original}, which answers for "
        "both.",
        "upload_copy_replaced": "Replaced {name}: it holds the same as {original}, which answers "
        "for both.",
        "admins_only": "Only the bot's admins can use {command}.",
        "remove_empty": "There are no documents in the corpus.",
        "remove_choose": "Which document should I delete? (page {page} of {pages})",
        "remove_confirm": "Delete {name} from the corpus? This deletes the file.",
        "delete": "Delete",
        "previous": "‹ Back",
        "next": "Next ›",
        "removed": "Deleted {name}. {docs:,} documents left.",
        "remove_gone": "{name} is no longer in the corpus.",
        "remove_cancelled": "Nothing deleted.",
        "stats_title": "Corpus and questions",
        "stats_documents": "Documents: {docs:,}",
        "stats_passages": "Passages: {passages:,}",
        "stats_questions": "Questions today (UTC): {questions:,}, unanswered: {unanswered:,}",
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
        "not_yours": "Diese Schaltfläche gehört zur Antwort einer anderen Person. "
        "Frag mich selbst!",
        "and_more": "… und {count:,} weitere",
        "following_up": "↪ Anschlussfrage zu: {question}",
        "help_admin": "Admins: schick mir eine Datei (.txt, .md, .html, .pdf, .docx, bis "
        "{limit} MB), um sie hinzuzufügen; /remove – Dokument löschen; /stats – Zahlen; "
        "/reindex – neu aufbauen.",
        "upload_denied": "Danke! Nur die Admins des Bots können Dokumente hinzufügen; bitte "
        "frag eine von ihnen.",
        "upload_type": "{kind}-Dateien kann ich nicht lesen. Bitte schick eine .txt-, .md-, "
        ".html-, .pdf- oder .docx-Datei.",
        "upload_too_big": "Die Datei hat {size} MB; Bots können bei Telegram Dateien bis "
        "{limit} MB abholen. Bitte schick eine kleinere.",
        "upload_exists": "Ein Dokument namens {name} gibt es schon. Ersetzen, beide behalten "
        "oder abbrechen?",
        "replace": "Ersetzen",
        "keep_both": "Beide behalten",
        "cancel": "Abbrechen",
        "upload_cancelled": "Abgebrochen: {name} wurde nicht gespeichert.",
        "upload_saving": "Speichere {name}…",
        "upload_failed": "Ich konnte die Datei nicht von Telegram holen. Bitte schick sie noch "
        "einmal.",
        "upload_added": "Hinzugefügt: {name}: „{title}“ · {lang} · {passages}.",
        "upload_replaced": "Ersetzt: {name}: „{title}“ · {lang} · {passages}.",
        "passages_1": "1 Textstelle",
        "passages_n": "{count:,} Textstellen",
        "upload_copy_added": "{name} hinzugefügt: Es enthält dasselbe wie {original}, das für "
        "beide antwortet.",
        "upload_copy_replaced": "{name} ersetzt: Es enthält dasselbe wie {original}, das für "
        "beide antwortet.",
        "upload_skipped": "{name} ist gespeichert, aber nicht nutzbar: {reason}. /remove löscht "
        "die Datei.",
        "admins_only": "{command} können nur die Admins des Bots nutzen.",
        "remove_empty": "Es gibt keine Dokumente.",
        "remove_choose": "Welches Dokument soll ich löschen? (Seite {page} von {pages})",
        "remove_confirm": "{name} löschen? Die Datei wird gelöscht.",
        "delete": "Löschen",
        "previous": "‹ Zurück",
        "next": "Weiter ›",
        "removed": "{name} gelöscht. {docs:,} Dokumente übrig.",
        "remove_gone": "{name} gibt es nicht mehr.",
        "remove_cancelled": "Nichts gelöscht.",
        "stats_title": "Dokumente und Fragen",
        "stats_documents": "Dokumente: {docs:,}",
        "stats_passages": "Textstellen: {passages:,}",
        "stats_questions": "Fragen heute (UTC): {questions:,}, unbeantwortet: {unanswered:,}",
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
        "not_yours": "Este botón es de la respuesta de otra persona. ¡Pregúntame tú!",
        "and_more": "… y {count:,} más",
        "following_up": "↪ siguiendo con: {question}",
        "help_admin": "Administradores: envíame un archivo (.txt, .md, .html, .pdf, .docx, hasta "
        "{limit} MB) para añadirlo; /remove – borrar un documento; /stats – cifras; "
        "/reindex – reconstruir.",
        "upload_denied": "¡Gracias! Solo los administradores del bot pueden añadir documentos; "
        "pide a uno de ellos que lo añada.",
        "upload_type": "No puedo leer archivos {kind}. Envía un archivo .txt, .md, .html, .pdf "
        "o .docx.",
        "upload_too_big": "El archivo pesa {size} MB; los bots pueden descargar de Telegram "
        "archivos de hasta {limit} MB. Envía uno más pequeño.",
        "upload_exists": "Ya hay un documento llamado {name}. ¿Lo reemplazo, guardo ambos o "
        "cancelo?",
        "replace": "Reemplazar",
        "keep_both": "Guardar ambos",
        "cancel": "Cancelar",
        "upload_cancelled": "Cancelado: {name} no se guardó.",
        "upload_saving": "Guardando {name}…",
        "upload_failed": "No pude descargar el archivo de Telegram. Envíalo de nuevo.",
        "upload_added": "Añadido {name}: «{title}» · {lang} · {passages}.",
        "upload_replaced": "Reemplazado {name}: «{title}» · {lang} · {passages}.",
        "passages_1": "1 pasaje",
        "passages_n": "{count:,} pasajes",
        "upload_skipped": "Guardé {name}, pero no puedo usarlo: {reason}. /remove lo borra.",
        "upload_copy_added": "Añadí {name}: contiene lo mismo que {original}, que responde por "
        "ambos.",
        "upload_copy_replaced": "Reemplacé {name}: contiene lo mismo que {original}, que "
        "responde por ambos.",
        "admins_only": "Solo los administradores del bot pueden usar {command}.",
        "remove_empty": "No hay documentos.",
        "remove_choose": "¿Qué documento borro? (página {page} de {pages})",
        "remove_confirm": "¿Borrar {name}? Se borra el archivo.",
        "delete": "Borrar",
        "previous": "‹ Atrás",
        "next": "Siguiente ›",
        "removed": "Borrado {name}. Quedan {docs:,} documentos.",
        "remove_gone": "{name} ya no está.",
        "remove_cancelled": "No se borró nada.",
        "stats_title": "Documentos y preguntas",
        "stats_documents": "Documentos: {docs:,}",
        "stats_passages": "Pasajes: {passages:,}",
        "stats_questions": "Preguntas hoy (UTC): {questions:,}, sin respuesta: {unanswered:,}",
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
