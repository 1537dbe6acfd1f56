"""Atomic index writes: every save is a new generation folder, published by one rename.

    INDEX_DIR/
      CURRENT           names the live generation ("gen-000007")
      write.lock        the one writer's OS lock (qa.store.writer_lock)
      merge.lock        the one merger's OS lock (qa.store.merge_lock), held while a merge builds
      gen-000007/       manifest.json: the segments it lists and the cables deleted from each
      gen-000006/       the previous one, kept until the next save succeeds
      segments/         seg-000003/, seg-000007/ ... (qa.store.segment), shared by the generations, and
                        the staging folders of segments being built (qa.store.staging)

A writer, holding ``write.lock``, stages ``.tmp-gen-000008-<pid>/``, checks it, fsyncs it,
renames it to ``gen-000008`` and then replaces ``CURRENT`` through a renamed temporary file.
A crash (even kill -9) at any moment leaves ``CURRENT`` naming a complete generation, so the
previous index still loads and answers exactly as before. Generation numbers are taken under
the lock, so no two writers ever stage the same one. A merge builds its segment off the lock
and takes its number, like a write, only when it commits (:mod:`qa.store.merges`).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from qa.errors import IndexCorruptError, IndexNotFoundError, IndexPointerMissingError
from qa.store.manifest import read_manifest, verify_files
from qa.store.processes import process_alive
from qa.store.staging import remove_abandoned

__all__ = ["CURRENT", "SEGMENTS", "check_pointer", "current_generation", "generation_number", "newest_complete",
           "prune", "publish", "read_pointer", "staging_folder"]

CURRENT = "CURRENT"
SEGMENTS = "segments"  # the folder of the segments the generations list (qa.store.segment)
_GEN = re.compile(r"^gen-(\d{6})$")
_STAGED = re.compile(r"^\.tmp-gen-(\d{6})-(\d+)$")


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_pointer(root: Path) -> str | None:
    """The generation name ``CURRENT`` holds; None when there is no ``CURRENT``; a named error when it is not
    a generation name (a directory, bytes that are not UTF-8, anything else)."""
    pointer = root / CURRENT
    try:
        raw = pointer.read_bytes()
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise IndexCorruptError(
            f"{pointer} is a folder, not the file naming the live generation; remove it and restore CURRENT "
            f"({_restore_hint(root)})") from None
    except OSError as error:
        raise IndexCorruptError(f"{pointer} cannot be read ({error.strerror or error})") from error
    try:
        name = raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise IndexCorruptError(
            f"{pointer} does not hold a generation name (its bytes are not UTF-8); {_restore_hint(root)}") from None
    if not _GEN.match(name):
        raise IndexCorruptError(f"{pointer} names {name[:80]!r}, which is not a generation name like "
                                f"'gen-000007'; {_restore_hint(root)}")
    return name


def current_generation(root: Path) -> Path:
    """The live generation folder; a clear error when there is none or it is broken."""
    name = read_pointer(root)
    if name is None:
        check_pointer(root)
        raise IndexNotFoundError(f"no index at {root}: run 'cableqa ingest PATH' to build one")
    folder = root / name
    if not folder.is_dir():
        raise IndexCorruptError(
            f"{root / CURRENT} names {name!r}, which is not a generation folder in {root}; {_restore_hint(root)}")
    return folder


def generations(root: Path) -> list[Path]:
    """The published generation folders, newest first."""
    if not root.is_dir():
        return []
    return sorted((p for p in root.iterdir() if _GEN.match(p.name) and p.is_dir()), key=generation_number,
                  reverse=True)


def newest_complete(root: Path) -> Path | None:
    """The newest generation whose manifest reads, whose files match their checksums and whose segments are there."""
    for folder in generations(root):
        try:
            manifest = read_manifest(folder)
            verify_files(folder, manifest)
        except IndexCorruptError:
            continue
        if all((root / SEGMENTS / str(s.get("name", ""))).is_dir() for s in manifest.segments):
            return folder
    return None


def _restore_hint(root: Path) -> str:
    newest = newest_complete(root)
    if newest is None:
        return "no complete generation is left: restore the folder from a backup or rebuild with 'cableqa ingest'"
    return (f"the newest complete generation is {newest.name}: restore with "
            f"\"echo {newest.name} > {root / CURRENT}\"")


def check_pointer(root: Path) -> None:
    """Refuse a folder that holds generations but no ``CURRENT`` (a restore that forgot it), writing nothing.

    Building a new index there would publish a generation that hides, and then prunes, the real one.
    """
    if (root / CURRENT).exists() or (root / CURRENT).is_symlink():
        return
    if generations(root):
        hint = _restore_hint(root)
        raise IndexPointerMissingError(
            f"{root} holds index generations but no CURRENT file naming the live one; nothing was read or "
            f"written. {hint[:1].upper()}{hint[1:]}")


def generation_number(folder: Path) -> int:
    """``gen-000007`` (or its staging folder ``.tmp-gen-000007-<pid>``) -> 7; 0 for other names."""
    match = _GEN.match(folder.name) or _STAGED.match(folder.name)
    return int(match.group(1)) if match else 0


def _owner_alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # this process's own leftover from a write that failed
    return process_alive(pid)


def staging_folder(root: Path) -> Path:
    """A fresh, empty folder for the next generation; the caller holds the write lock.

    Staging folders whose writer is gone (a crash) are removed; the number follows every generation on
    disk and the one ``CURRENT`` names.
    """
    root.mkdir(parents=True, exist_ok=True)
    for stale in root.glob(".tmp-gen-*"):
        match = _STAGED.match(stale.name)
        if match is None or not _owner_alive(int(match.group(2))):
            shutil.rmtree(stale, ignore_errors=True)
    current = read_pointer(root)
    numbers = [generation_number(p) for p in generations(root)]
    numbers.append(generation_number(Path(current)) if current else 0)
    folder = root / f".tmp-gen-{max(numbers) + 1:06d}-{os.getpid()}"
    folder.mkdir()
    return folder


def publish(root: Path, staged: Path) -> Path:
    """Make ``staged`` the live generation, atomically; the caller holds the write lock."""
    for path in staged.rglob("*"):
        if path.is_file():
            with path.open("rb") as handle:
                os.fsync(handle.fileno())
    _fsync_dir(staged)
    final = root / f"gen-{generation_number(staged):06d}"
    staged.rename(final)
    pointer_tmp = root / f"{CURRENT}.tmp-{os.getpid()}"
    with pointer_tmp.open("w", encoding="utf-8") as handle:
        handle.write(final.name + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    pointer_tmp.replace(root / CURRENT)
    _fsync_dir(root)
    return final


def prune(root: Path, keep: int = 2) -> None:
    """Delete all but the newest ``keep`` generations (the live one always stays), and the segments none of
    the kept ones lists; the caller holds the lock.

    A reader in another process may still hold a pruned generation: its vectors, FAISS and BM25 data are
    in its memory and its SQLite file stays readable through the open descriptor until it lets go.
    Staging folders are not segments: those of a merge still building stay, those nobody builds any
    more go (:func:`~qa.store.staging.remove_abandoned`).
    """
    live = read_pointer(root)
    for folder in generations(root)[keep:]:
        if folder.name != live:
            shutil.rmtree(folder, ignore_errors=True)
    listed: set[str] = set()
    for folder in generations(root):
        try:
            listed.update(str(s["name"]) for s in read_manifest(folder).segments)
        except (IndexCorruptError, KeyError, TypeError):
            return  # a generation that cannot say what it lists: remove no segment
    segments = root / SEGMENTS
    remove_abandoned(segments)
    for folder in segments.glob("seg-*") if segments.is_dir() else ():
        if folder.name not in listed:
            shutil.rmtree(folder, ignore_errors=True)
