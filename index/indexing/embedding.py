"""One batch of texts embedded, as a task a worker process or a Dask worker runs
(``EmbedTask`` in, float16 bytes out): the unit of work of every vector
computation, local or on a cluster."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..retrieval.encoders import load_encoder

if TYPE_CHECKING:
    pass


EMBED_BATCH = 32


@dataclass(frozen=True)
class EmbedTask:
    spec: str
    texts: tuple[str, ...]


def embed_batch(task: EmbedTask) -> bytes:
    """Vectors of a batch of passage texts as float16 bytes (runs in a worker);
    none for a batch whose texts are all gone since it was planned."""
    if not task.texts:
        return b""
    vectors = load_encoder(task.spec).encode_passages(task.texts)
    return vectors.astype(np.float16).tobytes()
