"""Corpus administration for any front end: the name an uploaded file is saved
under, placing it without overwriting what is there, deleting one with its
metadata (which files are documents is the engine's rule:
``docbot.index.corpus_documents``).  Plain file system
work: a front end with an event loop runs it in a worker thread."""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

from docbot.index import SIDECAR_SUFFIX, SUPPORTED_SUFFIXES

MAX_NAME_BYTES = 150  # of a saved file's name (file systems allow 255; room for " (2)", sidecars)
MAX_COPIES = 999
MIME_SUFFIXES = {
    "text/plain": ".txt",
    "text/markdown": ".md",
    "text/x-markdown": ".md",
    "text/html": ".html",
    "application/pdf": ".pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
}
_UNSAFE = frozenset('<>:"/\\|?*')


def _split(name: str) -> tuple[str, str]:
    stem, dot, ext = name.rpartition(".")
    return (stem, "." + ext) if dot and stem else (name, "")


def safe_name(raw: str | None, mime: str | None = None) -> str | None:
    """The name an uploaded file is saved under in the corpus folder, or
    ``None`` when docbot does not read its type.

    >>> safe_name("../../etc/x.txt"), safe_name("..\\\\..\\\\boot.ini.md"), safe_name(".env.txt")
    ('x.txt', 'boot.ini.md', 'env.txt')
    >>> safe_name("Re\\u0301sume\\u0301\\x00\\u202e.PDF"), safe_name("notes", "text/plain")
    ('Résumé.pdf', 'notes.txt')
    >>> safe_name("a<b>:c?.html"), safe_name("setup.exe"), safe_name(".."), safe_name("~$x.docx")
    ('a_b__c_.html', None, None, '$x.docx')
    >>> len(safe_name("é" * 300 + ".txt").encode()) <= MAX_NAME_BYTES
    True
    """
    text = unicodedata.normalize("NFC", raw or "")
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
    text = "".join("_" if ch in _UNSAFE else ch for ch in text)
    text = " ".join(text.split()).lstrip(".~ ").rstrip(". ")
    stem, suffix = _split(text)
    suffix = suffix.lower() if suffix else MIME_SUFFIXES.get((mime or "").lower(), "")
    if suffix not in SUPPORTED_SUFFIXES:
        return None
    stem = stem.rstrip(". ") or "document"
    while len((stem + suffix).encode()) > MAX_NAME_BYTES:
        stem = stem[:-1]
    return stem.rstrip(". ") + suffix


def kind_of(raw: str | None, mime: str | None) -> str:
    """How a refused file's type is named to its sender.

    >>> kind_of("setup.exe", None), kind_of("notes", "image/png"), kind_of(None, None)
    ('.exe', 'image/png', 'these')
    """
    suffix = _split(raw or "")[1]
    return suffix.lower() or mime or "these"


def numbered(name: str, number: int) -> str:
    """The name of the ``number``-th copy.

    >>> numbered("notes.txt", 2), numbered("a.b.md", 3)
    ('notes (2).txt', 'a.b (3).md')
    """
    stem, suffix = _split(name)
    return f"{stem} ({number}){suffix}"


def place(temp: Path, corpus: Path, name: str, how: str) -> str | None:
    """Move a complete download into the corpus; returns the name it got.

    ``how`` is "new" (``None`` if the name exists meanwhile: ask first),
    "replace" (an existing file of that name is replaced) or "keep" (the first
    free ``NAME (n).ext``).  Never overwrites without "replace": a hard link
    claims a name only if it is free."""
    if how == "replace":
        os.replace(temp, corpus / name)
        return name
    candidates = [name] if how == "new" else [numbered(name, n) for n in range(2, MAX_COPIES)]
    for candidate in candidates:
        target = corpus / candidate
        try:
            os.link(temp, target)
        except FileExistsError:
            continue
        except OSError:  # no hard links here: the next best, a check then a rename
            if target.exists() or target.is_symlink():
                continue
            os.replace(temp, target)
            return candidate
        temp.unlink()
        return candidate
    return None


def exists(corpus: Path, name: str) -> bool:
    target = corpus / name
    return target.exists() or target.is_symlink()


def delete_document(corpus: Path, rel: str) -> bool:
    """Delete a corpus file and its sidecar; ``False`` when it is not there (or
    would be outside the corpus folder)."""
    path = corpus / rel
    if Path(rel).is_absolute() or ".." in Path(rel).parts:
        return False
    if not path.parent.resolve().is_relative_to(corpus.resolve()):
        return False
    if not (path.is_file() or path.is_symlink()):
        return False
    path.unlink()
    sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
    if sidecar.is_file():
        sidecar.unlink()
    return True
