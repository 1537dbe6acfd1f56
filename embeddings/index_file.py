"""The head of a saved vector index: which backend wrote it, and with what settings.

A file is one line of magic, one line of JSON, then the backend's payload (a FAISS
``write_index`` stream):

    cableqa-vector-index 1
    {"kind": "hnsw", "dimension": 384, "count": 30512, "params": {"m": 32, ...}}
    <payload>

so :func:`embeddings.index.load_index` can pick the backend before reading the payload. Anything
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

__all__ = ["IndexHeader", "index_corrupt", "read_header", "write_header"]

_MAGIC = b"cableqa-vector-index 1\n"
_MAX_HEADER_BYTES = 4096


@dataclass(frozen=True, slots=True)
class IndexHeader:
    kind: str
    dimension: int
    count: int
    params: Mapping[str, int]


def write_header(stream: IO[bytes], header: IndexHeader) -> None:
    fields = {
        "kind": header.kind,
        "dimension": header.dimension,
        "count": header.count,
        "params": dict(header.params),
    }
    stream.write(_MAGIC + json.dumps(fields).encode() + b"\n")


def read_header(stream: IO[bytes], source: Path) -> IndexHeader:
    """The header at the start of ``stream``, which is left at the payload."""
    if stream.read(len(_MAGIC)) != _MAGIC:
        raise index_corrupt(source, "it is not a cableqa vector index")
    try:
        fields = json.loads(stream.readline(_MAX_HEADER_BYTES))
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
