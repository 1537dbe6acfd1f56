"""The manifest saved beside every index generation, and the checks made on load.

An index is only trusted when the manifest says it was built the way this process
would build it (same model, parser version, passage scheme, format); otherwise the
user is told exactly how to rebuild.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from qa.errors import IndexCorruptError, IndexMismatchError
from qa.store.uncached_read import uncached_chunks

__all__ = ["FORMAT_VERSION", "MANIFEST_NAME", "Manifest", "checksums", "file_sizes", "read_manifest", "verify_digests",
           "verify_files", "verify_listed", "write_manifest"]

FORMAT_VERSION = 3  # 3: a generation lists segments and their tombstones; 2: one folder per generation
_CHUNK = 1 << 20
MANIFEST_NAME = "manifest.json"


@dataclass(frozen=True, slots=True)
class Manifest:
    format_version: int
    model: str
    dimension: int
    index_type: str
    parser_version: str
    passage_scheme: str
    cables: int
    paragraphs: int
    vectors: int
    sentences: int
    generation: int
    created: str
    files: dict[str, str] = field(default_factory=dict)  # path in the generation -> SHA-256, manifest aside
    segments: list[dict[str, Any]] = field(default_factory=list)  # SegmentInfo of each, in pid order
    deleted: dict[str, list[str]] = field(default_factory=dict)  # segment name -> cable ids deleted from it
    next_pid: int = 1  # the first pid the next write gives

    def check_compatible(self, model: str, parser_version: str, where: Path) -> None:
        """``where`` is this manifest's path, ``INDEX_DIR/gen-NNNNNN/manifest.json``."""
        rebuild = f"rebuild it: move {where.parent.parent} aside and run 'cableqa ingest' on your cables"
        if self.format_version != FORMAT_VERSION:
            raise IndexMismatchError(
                f"index at {where.parent} has format {self.format_version}, this cableqa reads "
                f"{FORMAT_VERSION}; {rebuild}")
        if self.model != model:
            raise IndexMismatchError(
                f"index at {where.parent} was built with model {self.model!r}, but CABLEQA_MODEL and "
                f"CABLEQA_ENCODER_BACKEND give {model!r}; vectors of two models (or of the onnx-int8 and the "
                f"fp32 backends) cannot be mixed: set them to match the index (CABLEQA_ENCODER_BACKEND=onnx "
                f"for one without '+onnx-int8'), or {rebuild}")
        if self.parser_version != parser_version:
            raise IndexMismatchError(
                f"index at {where.parent} was built by parser version {self.parser_version}, this is "
                f"{parser_version}; {rebuild}")


def _sha256(path: Path) -> str:
    """SHA-256 of a file, read without filling the page cache (a verify pass reads every byte of the
    index, which need not fit in memory)."""
    digest = hashlib.sha256()
    for chunk in uncached_chunks(path, _CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file() and p.name != MANIFEST_NAME)


def _digests(folder: Path, names: list[str]) -> list[str]:
    """SHA-256 of each file, on a few threads (hashlib lets go of the GIL while it hashes)."""
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        return list(pool.map(lambda name: _sha256(folder / name), names))


def checksums(folder: Path) -> dict[str, str]:
    """SHA-256 of every file of a folder but its manifest, by path inside the folder."""
    names = _files(folder)
    return dict(zip(names, _digests(folder, names), strict=True))


def verify_files(folder: Path, manifest: Manifest) -> None:
    """Every file the manifest lists is there, unchanged, and no other: a damaged page of the store or a
    swapped vector file is a named error on load, never a wrong answer or a copy into the next generation."""
    verify_listed(folder, manifest.files, "index generation")


def file_sizes(folder: Path) -> dict[str, int]:
    """The size in bytes of every file of a folder but its manifest, by path inside the folder."""
    return {name: (folder / name).stat().st_size for name in _files(folder)}


_REBUILD = "restore the index folder from a backup or rebuild it with 'cableqa ingest'"


def verify_listed(folder: Path, files: dict[str, str], what: str, sizes: dict[str, int] | None = None,
                  hash_up_to: int | None = None) -> tuple[str, ...]:
    """``folder`` holds exactly ``files`` (path -> SHA-256), each unchanged; ``what`` names the folder.

    With ``sizes`` (path -> bytes, as written) and ``hash_up_to``, a file larger than ``hash_up_to`` bytes
    is checked by its size only and its name returned, for :func:`verify_digests` to hash later; every
    other file is hashed now. Without them every file is hashed now and nothing is returned.
    """
    present = set(_files(folder))
    missing = sorted(set(files) - present)
    extra = sorted(present - set(files))
    if missing or extra:
        said = [f"missing {', '.join(missing)}"] if missing else []
        said += [f"not in its manifest: {', '.join(extra)}"] if extra else []
        raise IndexCorruptError(f"{what} {folder} does not hold the files its manifest lists "
                                f"({'; '.join(said)}); {_REBUILD}")
    deferred: list[str] = []
    if sizes and hash_up_to is not None:
        for name in sorted(files):
            actual = (folder / name).stat().st_size
            if name in sizes and actual != sizes[name]:
                raise IndexCorruptError(f"{folder / name} is {actual:,} bytes, its manifest recorded "
                                        f"{sizes[name]:,} when it was written: the file is truncated or was "
                                        f"altered; {_REBUILD}")
            if name in sizes and actual > hash_up_to:
                deferred.append(name)
    verify_digests(folder, files, [name for name in sorted(files) if name not in deferred])
    return tuple(deferred)


def verify_digests(folder: Path, files: dict[str, str], names: Sequence[str]) -> None:
    """Each of ``names`` in ``folder`` has the SHA-256 ``files`` recorded for it."""
    for name, actual in zip(names, _digests(folder, list(names)), strict=True):
        if actual != files[name]:
            raise IndexCorruptError(
                f"{folder / name} does not match the SHA-256 its manifest recorded when it was written: "
                f"the file is damaged or was altered; {_REBUILD}")


def write_manifest(folder: Path, manifest: Manifest) -> None:
    (folder / MANIFEST_NAME).write_text(json.dumps(asdict(manifest), indent=2) + "\n", encoding="utf-8")


def read_manifest(folder: Path) -> Manifest:
    path = folder / MANIFEST_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Manifest(**data)
    except FileNotFoundError:
        raise IndexCorruptError(
            f"{path} is missing: the index is incomplete; rebuild it with 'cableqa ingest'") from None
    except (OSError, ValueError, TypeError) as error:
        raise IndexCorruptError(
            f"{path} is unreadable or not a cableqa manifest ({error}); rebuild it with 'cableqa ingest'"
        ) from error
