"""What a saved vector index says of itself: which backend wrote it, and with what settings.

A file is the backend's payload (a FAISS ``write_index`` stream) followed by a trailer: one line of
JSON, the JSON's length in bytes, one line of magic:

    <payload>
    {"kind": "hnsw", "dimension": 384, "count": 30512, "params": {"m": 32, ...}}
    0000000087
    cableqa-vector-index 2

so FAISS can map the file itself, from its first byte (``IO_FLAG_MMAP_IFC``), and
:func:`embeddings.index.load_index` picks the backend from the trailer before. Files of version 1
carry the same two lines before the payload instead (``cableqa-vector-index 1``, then the JSON) and
are still read, into memory. Anything
that cannot be trusted raises :class:`~embeddings.errors.VectorIndexCorruptError` via :func:`index_corrupt`,
whose message names the file and says how to rebuild it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from embeddings.errors import VectorIndexCorruptError

__all__ = ["IndexHeader", "index_corrupt", "is_leading_header", "read_header", "read_trailer", "write_trailer"]

_MAGIC = b"cableqa-vector-index 1\n"
_TRAILER_MAGIC = b"cableqa-vector-index 2\n"
_LENGTH_LINE = 11  # ten digits and a newline
_MAX_HEADER_BYTES = 4096


@dataclass(frozen=True, slots=True)
class IndexHeader:
    kind: str
    dimension: int
    count: int
    params: Mapping[str, int]


def write_trailer(stream: IO[bytes], header: IndexHeader) -> None:
    """The trailer, written after the payload."""
    fields = {
        "kind": header.kind,
        "dimension": header.dimension,
        "count": header.count,
        "params": dict(header.params),
    }
    line = json.dumps(fields).encode() + b"\n"
    stream.write(b"\n" + line + f"{len(line):010d}\n".encode() + _TRAILER_MAGIC)


def is_leading_header(stream: IO[bytes]) -> bool:
    """Whether ``stream`` (at its start) holds a version 1 file; it is left where it was."""
    start = stream.tell()
    leading = stream.read(len(_MAGIC)) == _MAGIC
    stream.seek(start)
    return leading


def read_trailer(stream: IO[bytes], source: Path) -> IndexHeader:
    """The trailer at the end of ``stream``."""
    end = stream.seek(0, 2)
    if end < _LENGTH_LINE + len(_TRAILER_MAGIC):
        raise index_corrupt(source, "it is not a cableqa vector index")
    stream.seek(end - _LENGTH_LINE - len(_TRAILER_MAGIC))
    length_line = stream.read(_LENGTH_LINE)
    if stream.read(len(_TRAILER_MAGIC)) != _TRAILER_MAGIC:
        raise index_corrupt(source, "it is not a cableqa vector index")
    try:
        length = int(length_line)
    except ValueError as error:
        raise index_corrupt(source, f"its trailer is unreadable ({error})") from error
    if not 0 < length <= min(_MAX_HEADER_BYTES, end - _LENGTH_LINE - len(_TRAILER_MAGIC)):
        raise index_corrupt(source, "its trailer is unreadable (bad length)")
    stream.seek(end - _LENGTH_LINE - len(_TRAILER_MAGIC) - length)
    return _fields(stream.read(length), source)


def read_header(stream: IO[bytes], source: Path) -> IndexHeader:
    """The version 1 header at the start of ``stream``, which is left at the payload."""
    if stream.read(len(_MAGIC)) != _MAGIC:
        raise index_corrupt(source, "it is not a cableqa vector index")
    return _fields(stream.readline(_MAX_HEADER_BYTES), source)


def _fields(line: bytes, source: Path) -> IndexHeader:
    try:
        fields = json.loads(line)
        return IndexHeader(
            kind=str(fields["kind"]),
            dimension=int(fields["dimension"]),
            count=int(fields["count"]),
            params={str(name): int(value) for name, value in fields["params"].items()},
        )
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise index_corrupt(source, f"its header is unreadable ({error})") from error


def index_corrupt(source: Path, reason: str) -> VectorIndexCorruptError:
    return VectorIndexCorruptError(f"{source}: {reason}; the index cannot be trusted, rebuild it with `cableqa ingest`")
