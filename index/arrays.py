"""Array bundles: the index's search structures in one file that opens by mapping.

A bundle is a small JSON header followed by raw NumPy arrays, each aligned to
64 bytes.  ``write_bundle`` writes it to a temporary name, syncs it and
renames it into place, so a reader sees a whole bundle or none.
``open_bundle`` maps the file read-only and hands out views on the mapping:
opening costs the header, not the data; the operating system pages in what a
search touches and shares it between processes.

>>> import tempfile, numpy as np
>>> path = Path(tempfile.mkdtemp()) / "demo.arrays"
>>> write_bundle(path, {"ids": np.arange(3, dtype=np.int64)}, {"generation": 7})
>>> bundle = open_bundle(path)
>>> bundle.meta["generation"], bundle["ids"].tolist()
(7, [0, 1, 2])
"""

from __future__ import annotations

import json
import mmap
import os
import struct
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

MAGIC = b"DOCBOTA1"
_ALIGN = 64
_HEADER_LENGTH = struct.Struct("<Q")


class BundleError(Exception):
    """The file is not a complete bundle (truncated, foreign, damaged)."""


def _aligned(offset: int) -> int:
    return (offset + _ALIGN - 1) // _ALIGN * _ALIGN


def write_bundle(
    path: Path, arrays: Mapping[str, npt.NDArray[Any]], meta: Mapping[str, Any]
) -> None:
    """Write ``arrays`` and ``meta`` to ``path`` atomically (temp file, fsync, rename)."""
    contiguous = {name: np.ascontiguousarray(array) for name, array in arrays.items()}
    entries: dict[str, dict[str, Any]] = {}
    offset = 0
    for name, array in contiguous.items():
        offset = _aligned(offset)
        entries[name] = {"dtype": array.dtype.str, "shape": list(array.shape), "offset": offset}
        offset += array.nbytes
    header = json.dumps({"arrays": entries, "meta": dict(meta)}).encode()
    start = _aligned(len(MAGIC) + _HEADER_LENGTH.size + len(header))
    temp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(temp, "wb") as handle:
            handle.write(MAGIC + _HEADER_LENGTH.pack(len(header)) + header)
            for name, array in contiguous.items():
                handle.seek(start + entries[name]["offset"])
                array.tofile(handle)
            handle.truncate(start + _aligned(offset))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    finally:
        if temp.exists():
            temp.unlink()


class Bundle:
    """Read-only views on a mapped bundle file."""

    def __init__(self, arrays: dict[str, npt.NDArray[Any]], meta: dict[str, Any], size: int):
        self._arrays = arrays
        self.meta = meta
        self.size = size

    def __getitem__(self, name: str) -> npt.NDArray[Any]:
        return self._arrays[name]

    def __contains__(self, name: object) -> bool:
        return name in self._arrays

    def get(self, name: str) -> npt.NDArray[Any] | None:
        return self._arrays.get(name)


def open_bundle(path: Path) -> Bundle:
    """Map ``path`` and return its arrays; ``BundleError`` if it is not a whole bundle."""
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size < len(MAGIC) + _HEADER_LENGTH.size:
            raise BundleError(f"{path.name} is truncated")
        mapping = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    if mapping[: len(MAGIC)] != MAGIC:
        raise BundleError(f"{path.name} is not an array bundle")
    (length,) = _HEADER_LENGTH.unpack_from(mapping, len(MAGIC))
    header_start = len(MAGIC) + _HEADER_LENGTH.size
    try:
        header = json.loads(mapping[header_start : header_start + length])
    except ValueError:
        raise BundleError(f"{path.name} has a damaged header") from None
    start = _aligned(header_start + length)
    arrays: dict[str, npt.NDArray[Any]] = {}
    for name, entry in header["arrays"].items():
        dtype = np.dtype(entry["dtype"])
        shape = tuple(entry["shape"])
        count = int(np.prod(shape)) if shape else 1
        offset = start + entry["offset"]
        if offset + count * dtype.itemsize > size:
            raise BundleError(f"{path.name} is truncated")
        arrays[name] = np.frombuffer(mapping, dtype=dtype, count=count, offset=offset).reshape(
            shape
        )
    return Bundle(arrays, header["meta"], size)
