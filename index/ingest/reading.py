"""Reading corpus files: bytes to clean Unicode text plus owner metadata.

Encodings: UTF-8 with or without BOM, UTF-16 with BOM, and anything else
charset-normalizer recognises (Latin-1, Windows-1252, ...).  Empty and binary
files raise ``Unreadable`` with a reason that ``docbot index`` prints.

Metadata a corpus owner adds without touching the text, in either place:

* front matter at the top of a ``.txt``/``.md`` file, between ``---`` lines,
  ``key: value`` per line;
* a sidecar ``NAME.meta.json`` next to ``NAME`` holding a JSON object.

Known keys: ``title``, ``url`` (alias ``source``), ``author``, ``date``,
``lang``.  The sidecar wins over front matter.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from collections.abc import Iterator, Mapping
from pathlib import Path

SIDECAR_SUFFIX = ".meta.json"
META_KEYS = ("title", "url", "author", "date", "lang")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?P<body>.*?)\n---[ \t]*(?:\n|\Z)", re.S)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200d\u2060\ufeff]")
_BINARY_SAMPLE = 8192
_TEXT_SAMPLE = 20_000
_NON_CONTROL_BYTES = bytes(b for b in range(256) if not (b < 9 or 13 < b < 32))


class Unreadable(Exception):
    """A corpus file that cannot be read as text; ``str()`` is the reason."""


def looks_binary(data: bytes) -> bool:
    """NUL bytes or many control bytes in the first 8 KiB (UTF-16 excepted).

    >>> looks_binary(b"plain text"), looks_binary(b"\\x00\\x01\\x02PK")
    (False, True)
    >>> looks_binary("UTF-16 without a BOM".encode("utf-16-be"))
    False
    """
    sample = data[:_BINARY_SAMPLE]
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")) or _bomless_utf16(data):
        return False
    if b"\x00" in sample:
        return True
    controls = len(sample.translate(None, _NON_CONTROL_BYTES))
    return controls > len(sample) * 0.05


def _bomless_utf16(data: bytes) -> str | None:
    """ "utf-16-be" or "utf-16-le" for UTF-16 text without a BOM, else ``None``.

    Text in Latin script has a zero byte in every other position: the high
    byte of each character, first in big-endian, second in little-endian.
    """
    sample = data[: _BINARY_SAMPLE - _BINARY_SAMPLE % 2]
    half = len(sample) // 2
    if len(data) % 2 or half < 2:
        return None
    zeros_first = sample[0::2].count(0)
    zeros_second = sample[1::2].count(0)
    if zeros_first >= 0.3 * half and zeros_second <= 0.02 * half:
        encoding = "utf-16-be"
    elif zeros_second >= 0.3 * half and zeros_first <= 0.02 * half:
        encoding = "utf-16-le"
    else:
        return None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        return None
    return encoding if looks_like_text(text) else None


def decode(data: bytes) -> str:  # noqa: PLR0911 - one return per encoding tried
    """Bytes to text: BOMs honoured, UTF-8 preferred, others detected.

    Without a BOM: UTF-16 by its zero bytes; UTF-8 when it decodes (or nearly:
    a stray byte in a UTF-8 file is one replacement character, not a reason
    to guess another encoding); Windows-1252 when it decodes into plausible
    Western European text; otherwise charset-normalizer's guess.  Detectors
    alone read a short English Windows-1252 file as a DOS or Mac code page
    ("Donĺt", "ìearly birdî").

    >>> decode("Don’t miss the “early bird” price: €25".encode("cp1252"))
    'Don’t miss the “early bird” price: €25'
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    utf16 = _bomless_utf16(data)
    if utf16:
        return data.decode(utf16)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    nearly = data.decode("utf-8", errors="replace")
    if nearly.count("\ufffd") <= max(1, len(data) // 1000) and any(
        0x7F < ord(ch) != 0xFFFD for ch in nearly
    ):
        return nearly
    try:
        western = data.decode("cp1252")
    except UnicodeDecodeError:
        western = None
    if western is not None and plausible_western(western):
        return western
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None:
        return str(best)
    return western if western is not None else data.decode("cp1252", errors="replace")


# Non-letters that Western European text in Windows-1252 uses.
_WESTERN_SYMBOLS = frozenset("‘’‚“”„–—…€£¥¢©®™°±·•«»¿¡§¶ ­")


def plausible_western(text: str) -> bool:
    """Text decoded as Windows-1252 that looks like a Western European language:
    few letters outside ASCII, and no stray symbols inside words (``"³"`` and
    ``"¹"`` in "Za¿ó³æ" are Polish letters in another code page).

    >>> plausible_western("Größe zählt, ¿verdad?"), plausible_western("Za¿ó³æ gêœl¹")
    (True, False)
    >>> plausible_western("Ïðèâåò, êàê äåëà?")  # Russian in Windows-1251
    False
    """
    letters = [ch for ch in text if ch.isalpha()]
    foreign = sum(1 for ch in letters if ord(ch) > 0x7F)
    if letters and foreign > 0.25 * len(letters):
        return False
    for i, ch in enumerate(text):
        if ord(ch) <= 0x7F or ch.isalpha():
            continue
        if ch not in _WESTERN_SYMBOLS:
            return False
        inside_word = 0 < i < len(text) - 1 and text[i - 1].isalpha() and text[i + 1].isalpha()
        if inside_word and ch not in "’·­":
            return False
    return True


def normalize_text(text: str) -> str:
    """NFC, LF line ends, no-break spaces as spaces, control characters dropped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u00a0", " ").replace("\u202f", " ")
    text = _CONTROL.sub("", text)
    return unicodedata.normalize("NFC", text)


def split_front_matter(text: str) -> tuple[dict[str, str], str]:
    """``key: value`` front matter and the rest of the text.

    >>> split_front_matter("---\\ntitle: Hi\\nurl: https://x.org\\n---\\nBody")
    ({'title': 'Hi', 'url': 'https://x.org'}, 'Body')
    """
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    meta: dict[str, str] = {}
    for line in match.group("body").splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip():
            meta[key.strip().lower()] = value.strip().strip("\"'")
    return _known(meta), text[match.end() :]


def _known(meta: Mapping[str, object]) -> dict[str, str]:
    out = {k: str(v).strip() for k, v in meta.items() if v is not None and str(v).strip()}
    if "source" in out and "url" not in out:
        out["url"] = out["source"]
    return {k: out[k] for k in META_KEYS if k in out}


def read_sidecar(path: Path) -> dict[str, str]:
    """Metadata from ``NAME.meta.json`` beside ``path``; ``{}`` when absent."""
    sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
    if not sidecar.is_file():
        return {}
    try:
        data = json.loads(decode(sidecar.read_bytes()))
    except (OSError, ValueError) as error:
        raise Unreadable(f"its metadata file {sidecar.name} is not valid JSON ({error})") from None
    if not isinstance(data, dict):
        raise Unreadable(f"its metadata file {sidecar.name} must hold a JSON object")
    return _known(data)


def read_text(data: bytes) -> str:
    """Decoded, normalised text of a text file, or ``Unreadable``."""
    if not data.strip():
        raise Unreadable("empty file")
    if looks_binary(data):
        raise Unreadable("binary content, not text")
    text = normalize_text(decode(data))
    if not text.strip():
        raise Unreadable("no text after decoding")
    if not looks_like_text(text):
        raise Unreadable("mostly undecodable bytes, not text in any encoding docbot knows")
    return text


def looks_like_text(text: str) -> bool:
    """Few replacement, unassigned, private-use or control characters.

    >>> looks_like_text("Grüße, ¿qué tal?"), looks_like_text("\ufffd\ue000\U000e0001" * 9)
    (True, False)
    """
    if len(text) > 2 * _TEXT_SAMPLE:  # a sample from the start and the middle tells
        middle = len(text) // 2
        text = text[:_TEXT_SAMPLE] + text[middle : middle + _TEXT_SAMPLE]
    # Each distinct character is looked up once, not each occurrence.
    bad = sum(
        text.count(ch)
        for ch in set(text)
        if ch == "\ufffd"
        or (unicodedata.category(ch) in {"Cn", "Co", "Cs", "Cc"} and ch not in "\n\t")
    )
    return bad <= max(3, len(text) // 50)


def is_document_name(name: str) -> bool:
    """A file name docbot may read as a document: not hidden, not an editor's
    ``~`` file, not a sidecar (a document's metadata).

    >>> [is_document_name(n) for n in ("a.md", ".env", "~$a.docx", "a.md.meta.json")]
    [True, False, False, False]
    """
    return not name.startswith((".", "~")) and not name.endswith(SIDECAR_SUFFIX)


def corpus_walk(root: str) -> Iterator[tuple[str, str, frozenset[str]]]:
    """Each file of the corpus folder ``root`` that may be a document, as (its
    full path, its path relative to ``root`` with ``/``, the names in its
    folder), folders in name order, hidden folders skipped."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        names = frozenset(filenames)
        relative = os.path.relpath(dirpath, root)
        prefix = "" if relative == "." else relative.replace(os.sep, "/") + "/"
        for name in filenames:
            if is_document_name(name):
                yield os.path.join(dirpath, name), prefix + name, names
