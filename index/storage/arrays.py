"""Array bundles: the index's search structures in one file that opens by mapping.

A bundle is a small JSON header followed by raw NumPy arrays, each aligned to
64 bytes.  ``write_bundle`` writes it to a temporary name, syncs it and
renames it into place, so a reader sees a whole bundle or none.
``open_bundle`` maps the file read-only and hands out views on the mapping:
opening costs the header, not the data; the operating system pages in what a
search touches and shares it between processes.

A bundle is derived data, but a file can still be damaged after it was
written (truncated, overwritten, a disk error).  ``write_bundle`` returns the
file's size and CRC-32 (``BundleCheck``), which the index keeps in its
metadata; ``check_bundle`` opens a bundle only when it matches them: the size
and header always, the checksum too when asked to, or by default when the
file is at most ``FULL_CHECK_BYTES`` (reading it costs about 10 ms per 64 MB).

>>> import tempfile, numpy as np
>>> path = Path(tempfile.mkdtemp()) / "demo.arrays"
>>> check = write_bundle(path, {"ids": np.arange(3, dtype=np.int64)}, {"generation": 7})
>>> check == file_check(path)
True
>>> bundle = check_bundle(path, check)
>>> bundle.meta["generation"], bundle["ids"].tolist()
(7, [0, 1, 2])
"""

from __future__ import annotations

import json
import mmap
import os
import struct
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

MAGIC = b"DOCBOTA1"
_ALIGN = 64
_HEADER_LENGTH = struct.Struct("<Q")
FULL_CHECK_BYTES = 256 * 1024 * 1024  # checksums read on open up to this size
_CHUNK = 8 * 1024 * 1024


class BundleError(Exception):
    """The file is not a complete bundle (truncated, foreign, damaged)."""


def _aligned(offset: int) -> int:
    return (offset + _ALIGN - 1) // _ALIGN * _ALIGN


@dataclass(frozen=True)
class BundleCheck:
    """What a whole bundle file is: its size and its CRC-32.

    >>> str(BundleCheck(4096, 0xBEEF)), BundleCheck.parse("4096:0000beef")
    ('4096:0000beef', BundleCheck(size=4096, crc32=48879))
    >>> BundleCheck.parse("") is None, BundleCheck.parse("x:y") is None
    (True, True)
    """

    size: int
    crc32: int

    def __str__(self) -> str:
        return f"{self.size}:{self.crc32:08x}"

    @classmethod
    def parse(cls, text: str | None) -> BundleCheck | None:
        size, _, crc = (text or "").partition(":")
        try:
            return cls(int(size), int(crc, 16))
        except ValueError:
            return None


def temp_name(path: Path) -> Path:
    """Where ``write_bundle`` writes ``path`` before renaming it into place."""
    return path.with_name(f".{path.name}.tmp-{os.getpid()}")


@dataclass(frozen=True)
class Streamed:
    """An array written a block of rows at a time, for arrays too large to
    hold in memory together (a large corpus's vectors): its dtype and shape,
    and a function that yields its blocks in order (each is written, then let
    go).

    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "streamed.arrays"
    >>> halves = Streamed(np.dtype(np.int64), (6,), lambda: (np.arange(i, i + 3) for i in (0, 3)))
    >>> _ = write_bundle(path, {"ids": halves}, {})
    >>> open_bundle(path)["ids"].tolist()
    [0, 1, 2, 3, 4, 5]
    """

    dtype: np.dtype[Any]
    shape: tuple[int, ...]
    blocks: Callable[[], Iterable[npt.NDArray[Any]]]

    @property
    def nbytes(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64)) * self.dtype.itemsize


def write_bundle(
    path: Path,
    arrays: Mapping[str, npt.NDArray[Any] | Streamed],
    meta: Mapping[str, Any],
) -> BundleCheck:
    """Write ``arrays`` and ``meta`` to ``path`` atomically (temp file, fsync,
    rename); what the file is, to check it against later.  A ``Streamed``
    array is written block by block as it yields them."""
    contiguous = {
        name: array if isinstance(array, Streamed) else np.ascontiguousarray(array)
        for name, array in arrays.items()
    }
    entries: dict[str, dict[str, Any]] = {}
    offset = 0
    for name, array in contiguous.items():
        offset = _aligned(offset)
        entries[name] = {"dtype": array.dtype.str, "shape": list(array.shape), "offset": offset}
        offset += array.nbytes
    header = json.dumps({"arrays": entries, "meta": dict(meta)}).encode()
    start = _aligned(len(MAGIC) + _HEADER_LENGTH.size + len(header))
    temp = temp_name(path)
    crc, written = 0, 0
    try:
        with open(temp, "wb") as handle:

            def put(data: bytes | memoryview) -> None:
                nonlocal crc, written
                handle.write(data)
                crc = zlib.crc32(data, crc)
                written += len(data)

            put(MAGIC + _HEADER_LENGTH.pack(len(header)) + header)
            for name, array in contiguous.items():
                put(bytes(start + entries[name]["offset"] - written))
                for block in _blocks(array):
                    put(block.reshape(-1).view(np.uint8).data)
                if written != start + entries[name]["offset"] + array.nbytes:
                    raise ValueError(f"array {name!r}: its blocks do not make its shape")
            put(bytes(start + _aligned(offset) - written))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    finally:
        if temp.exists():
            temp.unlink()
    return BundleCheck(written, crc)


def _blocks(array: npt.NDArray[Any] | Streamed) -> Iterable[npt.NDArray[Any]]:
    if not isinstance(array, Streamed):
        return (array,)
    return (np.ascontiguousarray(block, dtype=array.dtype) for block in array.blocks())


def file_check(path: Path) -> BundleCheck:
    """The size and CRC-32 of the file at ``path`` as it is now (reads it all)."""
    crc, size = 0, 0
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            crc = zlib.crc32(chunk, crc)
            size += len(chunk)
    return BundleCheck(size, crc)


def check_bundle(path: Path, expected: BundleCheck | None, full: bool | None = None) -> Bundle:
    """Open ``path`` when it is the bundle ``expected`` describes: the same
    size and a whole header, and with ``full`` the same checksum (``None``:
    when the file is at most ``FULL_CHECK_BYTES``).  ``BundleError`` says
    what is wrong; without ``expected`` (an index from an earlier docbot)
    only the header is checked."""
    if expected is not None:
        size = path.stat().st_size
        if size != expected.size:
            raise BundleError(f"{path.name} is {size:,} bytes, not {expected.size:,}")
    bundle = open_bundle(path)
    if expected is None:
        return bundle
    thorough = full or (full is None and expected.size <= FULL_CHECK_BYTES)
    if thorough and file_check(path) != expected:
        raise BundleError(f"{path.name} does not match its checksum (overwritten?)")
    return bundle


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
    except (ValueError, TypeError, KeyError, AttributeError):
        raise BundleError(f"{path.name} has a damaged header") from None
