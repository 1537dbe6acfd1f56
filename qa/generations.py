"""Atomic index writes: every save is a new generation folder, published by one rename.

    INDEX_DIR/
      CURRENT           names the live generation ("gen-000007")
      gen-000007/       manifest.json, store.sqlite, vectors, FAISS and BM25 files
      gen-000006/       the previous one, kept until the next save succeeds

A save writes ``.tmp-gen-000008/``, fsyncs it, renames it to ``gen-000008`` and then
replaces ``CURRENT`` through a renamed temporary file. A crash (even kill -9) at any
moment leaves ``CURRENT`` naming a complete generation, so the previous index still
loads and answers exactly as before.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from qa.errors import IndexCorruptError, IndexNotFoundError

__all__ = ["current_generation", "generation_number", "prune", "publish", "staging_folder"]

CURRENT = "CURRENT"
_GEN = re.compile(r"^gen-(\d{6})$")


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def current_generation(root: Path) -> Path:
    """The live generation folder; a clear error when there is none or it is broken."""
    pointer = root / CURRENT
    if not pointer.exists():
        raise IndexNotFoundError(f"no index at {root}: run 'cableqa ingest PATH' to build one")
    name = pointer.read_text(encoding="utf-8").strip()
    folder = root / name
    if not _GEN.match(name) or not folder.is_dir():
        raise IndexCorruptError(
            f"{pointer} names {name!r}, which is not a generation folder in {root}; "
            "restore the folder from a backup or rebuild with 'cableqa ingest'")
    return folder


def generation_number(folder: Path) -> int:
    match = _GEN.match(folder.name)
    return int(match.group(1)) if match else 0


def staging_folder(root: Path) -> Path:
    """A fresh, empty folder for the next generation (numbered after every existing one)."""
    root.mkdir(parents=True, exist_ok=True)
    for stale in root.glob(".tmp-gen-*"):
        shutil.rmtree(stale, ignore_errors=True)  # left by a crash: never published
    numbers = [generation_number(p) for p in root.glob("gen-*")]
    folder = root / f".tmp-gen-{max(numbers, default=0) + 1:06d}"
    folder.mkdir()
    return folder


def publish(root: Path, staged: Path) -> Path:
    """Make ``staged`` the live generation, atomically."""
    for path in staged.rglob("*"):
        if path.is_file():
            with path.open("rb") as handle:
                os.fsync(handle.fileno())
    _fsync_dir(staged)
    final = root / staged.name.removeprefix(".tmp-")
    staged.rename(final)
    pointer_tmp = root / f"{CURRENT}.tmp"
    with pointer_tmp.open("w", encoding="utf-8") as handle:
        handle.write(final.name + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    pointer_tmp.replace(root / CURRENT)
    _fsync_dir(root)
    return final


def prune(root: Path, keep: int = 2) -> None:
    """Delete all but the newest ``keep`` generations (the live one always stays)."""
    live = (root / CURRENT).read_text(encoding="utf-8").strip() if (root / CURRENT).exists() else ""
    folders = sorted(root.glob("gen-*"), key=generation_number, reverse=True)
    for folder in folders[keep:]:
        if folder.name != live:
            shutil.rmtree(folder, ignore_errors=True)
