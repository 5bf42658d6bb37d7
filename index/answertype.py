"""What kind of answer a question wants, and whether a passage can hold it: pure functions.

A question that asks for a count or a price ("How many users does Instagram
have?", "Was kostet LinkedIn Premium?", "¿Cuántos habitantes tiene España?")
is answered only by a passage with a number in it.  A passage on the same
subject without one ("Facebook is a social network") is near the topic, not
an answer, and quoting it would be noise; the semantic layer alone cannot
tell the two apart.  Numbers are digits or number words ("five", "fünf",
"cinco"); list markers ("1. By Any Definition") are not numbers.

>>> expects_number("How many followers do I need?"), expects_number("How much time does it take?")
(True, False)
>>> holds_number("Der Anteil lag 2011 bei 53 %."), holds_number("1. Social networking is direct.")
(True, False)
"""

from __future__ import annotations

import re

# Per language: the question words and nouns that ask for a count, an amount
# or a price.  "How much" asks for a number only about money ("how much does it
# cost"); "how much time" and "¿por qué cuesta tanto?" (why is it so hard) do not.
_ASKS_FOR_NUMBER = {
    "en": r"\bhow many\b"
    r"|\bhow much\b(?:(?!\?).)*\b(?:cost|costs|charge|charges|pay|earn|earns|worth)\b"
    r"|\bhow much (?:money|is|are)\b|\bwhat(?: is|'s) the price\b"
    r"|\b(?:population|salary|salaries)\b",
    "de": r"\bwie viele\b|\bwie viel (?:kostet|kosten|geld|verdient|verdienen|zahlt|zahlen)\b"
    r"|\bwas (?:kostet|kosten)\b|\bwie teuer\b|\bwelchen preis\b"
    r"|\b(?:einwohner|einwohnerzahl|gehalt|gehälter)\b",
    "es": r"\bcu[aá]nt[oa]s\b"
    r"|\bcu[aá]nto (?:cuesta|cuestan|vale|valen|cobra|cobran|dinero|gana|ganan)\b"
    r"|\bqu[eé] precio\b|\bcu[aá]l es el precio\b"
    r"|\b(?:poblaci[oó]n|habitantes|salario|sueldo)\b",
}
_NUMBER_QUESTION = re.compile("|".join(f"(?:{p})" for p in _ASKS_FOR_NUMBER.values()))

# Case-folded, as the text is ("dreißig" folds to "dreissig").
_NUMBER_WORDS = frozenset(
    word.casefold()
    for word in """two three four five six seven eight nine ten eleven twelve thirteen
    fourteen fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty
    seventy eighty ninety hundred hundreds thousand thousands million millions billion
    billions dozen dozens percent half
    zwei drei vier fünf sechs sieben acht neun zehn elf zwölf dreizehn vierzehn fünfzehn
    sechzehn siebzehn achtzehn neunzehn zwanzig dreißig vierzig fünfzig sechzig siebzig
    achtzig neunzig hundert hunderte tausend tausende million millionen milliarde
    milliarden dutzend prozent hälfte
    dos tres cuatro cinco seis siete ocho nueve diez once doce trece catorce quince
    dieciséis diecisiete dieciocho diecinueve veinte treinta cuarenta cincuenta sesenta
    setenta ochenta noventa cien ciento cientos mil miles millón millones docena docenas
    mitad""".split()
)
_LIST_MARKER = re.compile(r"^\s*\d{1,2}[.)]\s", re.MULTILINE)
_DIGIT = re.compile(r"\d")
_WORD = re.compile(r"[^\W\d_]+")


def expects_number(question: str) -> bool:
    """Whether ``question`` asks for a count, an amount or a price (English,
    German or Spanish wording).

    >>> expects_number("Was kostet LinkedIn Premium im Monat?")
    True
    >>> expects_number("¿Por qué cuesta tanto medir el ROI?")
    False
    """
    return _NUMBER_QUESTION.search(question.casefold()) is not None


def holds_number(text: str) -> bool:
    """Whether ``text`` has a number in it: digits (not a list marker at the
    start of a line) or a number word.

    >>> holds_number("Las 5 grandes diferencias"), holds_number("cinco diferencias")
    (True, True)
    >>> holds_number("Anspruch auf dreißig Urlaubstage im Jahr")
    True
    """
    text = _LIST_MARKER.sub(" ", text)
    if _DIGIT.search(text):
        return True
    return any(word in _NUMBER_WORDS for word in _WORD.findall(text.casefold()))
