"""docbot's engine: corpus loading, analysis, the SQLite index, search, quotes.

The public API is what this module exports; everything else is private to the
engine.  It never imports ``telegram``.

Typical use::

    from docbot.index import Searcher, build_index
    build_index(Path("corpus"), Path(".docbot/index.db"))
    answer = Searcher(Path(".docbot/index.db")).ask("How do I measure ROI for networking?")
    for hit in answer.hits:
        print(hit.passage.title, hit.passage.section, hit.quote.text)
"""

from __future__ import annotations

from .analysis.followup import FollowUp, follow_up
from .analysis.question import MAX_QUESTION_CHARS
from .errors import (
    ClusterUnavailable,
    CorpusError,
    DocbotError,
    EmptyQuestion,
    EncoderUnavailable,
    IndexBusy,
    IndexCorrupt,
    IndexDamaged,
    IndexFileError,
    IndexForeign,
    IndexMissing,
    IndexNotAFile,
    IndexUnwritable,
    QuestionTooLong,
    UnknownLanguage,
    UsageError,
    VectorProcessFailed,
)
from .indexing.apart import refresh_vectors_apart
from .indexing.builder import (
    Staleness,
    build_index,
    check_staleness,
    corpus_documents,
    stale_reason,
)
from .indexing.vectors import VectorProgress, refresh_vectors, vector_progress, vectors_missing
from .ingest.chunking import is_code as is_code_line
from .ingest.formats import supported_suffixes
from .ingest.reading import SIDECAR_SUFFIX
from .records import Answer, BuildReport, DocumentInfo, Hit, LockHolder, Passage, Quote, Span
from .retrieval.encoders import DEFAULT_ENCODER, load_encoder
from .retrieval.search import Searcher
from .storage.store import IndexCheck, index_generation, verify_index
from .storage.store import is_own_file as is_index_file

SUPPORTED_SUFFIXES = supported_suffixes()  # the file types docbot reads

__all__ = [
    "DEFAULT_ENCODER",
    "MAX_QUESTION_CHARS",
    "SIDECAR_SUFFIX",
    "SUPPORTED_SUFFIXES",
    "Answer",
    "BuildReport",
    "ClusterUnavailable",
    "CorpusError",
    "DocbotError",
    "DocumentInfo",
    "EmptyQuestion",
    "EncoderUnavailable",
    "FollowUp",
    "Hit",
    "IndexBusy",
    "IndexCheck",
    "IndexCorrupt",
    "IndexDamaged",
    "IndexFileError",
    "IndexForeign",
    "IndexMissing",
    "IndexNotAFile",
    "IndexUnwritable",
    "LockHolder",
    "Passage",
    "QuestionTooLong",
    "Quote",
    "Searcher",
    "Span",
    "Staleness",
    "UnknownLanguage",
    "UsageError",
    "VectorProcessFailed",
    "VectorProgress",
    "build_index",
    "check_staleness",
    "corpus_documents",
    "follow_up",
    "index_generation",
    "is_code_line",
    "is_index_file",
    "load_encoder",
    "refresh_vectors",
    "refresh_vectors_apart",
    "stale_reason",
    "vector_progress",
    "vectors_missing",
    "verify_index",
]
