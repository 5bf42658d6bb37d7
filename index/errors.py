"""Every exception the engine raises, in one tree.

``DocbotError``
    ``UsageError`` - the caller asked for something impossible; fix the request.
        ``EmptyQuestion``, ``QuestionTooLong``, ``UnknownLanguage``
    ``CorpusError`` - the corpus folder cannot be used (missing, not a folder, empty).
    ``EncoderUnavailable`` - the semantic layer's model cannot be loaded.
    ``ClusterUnavailable`` - the Dask cluster of ``--cluster`` cannot compute the
      vectors (unreachable, gone mid-build, no worker, a worker with another docbot).
    ``VectorProcessFailed`` - the process computing vectors apart from a server
      failed or died (its traceback or exit code); what it computed stays cached.
    ``IndexFileError`` - the index file cannot be used.
        ``IndexMissing`` - no index yet: build one.
        ``IndexCorrupt`` - damaged, or built by another docbot: rebuild it.
            ``IndexForeign`` - another program's SQLite database: never overwritten
              unless the caller insists (``force``).
        ``IndexNotAFile`` - the index path names a folder.
        ``IndexDamaged`` - a file derived from the index (its search structures)
          is damaged: ``docbot index`` writes it again.
        ``IndexBusy`` - another rebuild holds the lock.
        ``IndexUnwritable`` - the index cannot be written where it is asked for.

Front ends catch ``DocbotError`` and show ``str(error)``, which is written for
the person using docbot and ends with what to do next.  Problems with single
corpus files are not exceptions: they are reported in ``BuildReport.skipped``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .records import LockHolder


class DocbotError(Exception):
    """Base of every docbot engine error."""


class UsageError(DocbotError):
    """The request cannot be answered as asked."""


class EmptyQuestion(UsageError):
    """A question with no words: empty, or only punctuation, symbols or markup."""

    MESSAGE = "The question has no words: type a few words about what you want to know."

    def __init__(self) -> None:
        super().__init__(self.MESSAGE)


class QuestionTooLong(UsageError):
    def __init__(self, length: int, limit: int) -> None:
        self.length, self.limit = length, limit
        super().__init__(
            f"The question has {length:,} characters; the limit is {limit:,}. "
            "Ask about one thing at a time, in a sentence or two."
        )


class UnknownLanguage(UsageError):
    """A language tag that names none of the corpus's languages (``available``)
    or, for the language a question is written in, none docbot reads
    (``readable``: the corpus's and those with a language module)."""

    def __init__(self, tag: str, available: list[str], readable: list[str] | None = None) -> None:
        self.tag, self.available = tag, available
        choices = ", ".join(available) if available else "none yet"
        if readable:
            where = (
                f"Questions can be written in {', '.join(readable)}; this corpus is in {choices}"
            )
        else:
            where = f"Languages in this corpus: {choices}"
        super().__init__(f"Unknown or unsupported language {tag!r}. {where} (or 'auto' to detect).")


class EncoderUnavailable(DocbotError):
    """The semantic layer's encoder cannot be loaded."""

    def __init__(self, spec: str, reason: str) -> None:
        self.spec, self.reason = spec, reason
        super().__init__(
            f"The semantic encoder {spec!r} cannot be loaded ({reason}). Answers are lexical; "
            "set DOCBOT_ENCODER to another encoder, or DOCBOT_SEMANTIC=0 to stop trying."
        )


class ClusterUnavailable(DocbotError):
    """The Dask cluster named by ``--cluster`` cannot compute the vectors; the
    message says why and what to do (one argument: it travels back from a worker)."""


class VectorProcessFailed(DocbotError):
    """The process that computes the vectors apart (``refresh_vectors_apart``)
    failed or died; the message holds its traceback or exit code."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(
            f"Computing the vectors in their own process failed: {reason}. The vectors "
            "computed so far are kept; new passages are answered with BM25 until the next try."
        )


class CorpusError(DocbotError):
    """The corpus folder is missing, unreadable or holds no usable document."""


class IndexFileError(DocbotError):
    """The index database cannot be used."""


class IndexMissing(IndexFileError):
    def __init__(self, path: str) -> None:
        super().__init__(f"No index at {path}. Build it with: docbot index")


class IndexCorrupt(IndexFileError):
    def __init__(self, path: str, reason: str) -> None:
        super().__init__(
            f"The index at {path} is not a usable docbot index ({reason}). "
            "Rebuild it with: docbot index --rebuild"
        )


class IndexForeign(IndexCorrupt):
    def __init__(self, path: str, tables: list[str]) -> None:
        self.path, self.tables = path, tables
        shown = ", ".join(tables[:5]) + (", …" if len(tables) > 5 else "")
        DocbotError.__init__(
            self,
            f"{path} is not a docbot index: it is another SQLite database (tables: {shown}). "
            "docbot will not overwrite it. Choose another index file with --db or DOCBOT_DB; "
            "to delete its tables and build the index there anyway: "
            "docbot index --rebuild --force",
        )


class IndexDamaged(IndexFileError):
    def __init__(self, path: str, reason: str) -> None:
        self.path, self.reason = path, reason
        super().__init__(
            f"The search structures of the index at {path} are damaged ({reason}). They are "
            "derived from the index and nothing is lost: `docbot index` writes them again."
        )


class IndexNotAFile(IndexFileError):
    def __init__(self, path: str) -> None:
        super().__init__(
            f"{path} is a folder, not an index file. Name a file for the index, "
            f"for example --db {path.rstrip('/')}/index.db"
        )


class IndexUnwritable(IndexFileError):
    def __init__(self, path: str, reason: str) -> None:
        super().__init__(
            f"Cannot write the index at {path} ({reason}). "
            "Choose a writable place with --db or DOCBOT_DB."
        )


class IndexBusy(IndexFileError):
    def __init__(self, path: str, holder: LockHolder | None = None) -> None:
        self.holder = holder  # when the lock file says who
        super().__init__(
            f"Another rebuild of {path} is running. Wait for it to finish, then try again."
        )
