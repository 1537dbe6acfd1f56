"""The folders segments are built in before a generation lists them, and the removal of abandoned ones.

    INDEX_DIR/segments/
      .tmp-seg-000008-4242/        a write's new segment (generation 8, pid 4242), staged under the write lock
      .tmp-merge-4242-9f3c01ab/    a merge's segment (pid 4242, a random token), built off the write lock

A write's staging folder carries the generation number it took under the write lock. A merge builds
before it has a number, so its folder carries only its builder's pid and a token that no other
merge of that process shares; the merge renames it to ``seg-NNNNNN`` under the lock when it
commits. Neither name can be taken for a published segment, so ``prune`` never touches them. A
folder whose builder process is gone (a crash, kill -9) is removed by the next write; a merge
folder whose builder still runs is left alone, whoever looks.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from pathlib import Path

from qa.store.processes import process_alive

__all__ = ["merge_staging", "remove_abandoned", "write_staging"]

_WRITE = re.compile(r"^\.tmp-seg-(\d{6})-(\d+)$")
_MERGE = re.compile(r"^\.tmp-merge-(\d+)-([0-9a-f]{12})$")


def write_staging(segments: Path, number: int) -> Path:
    """A fresh folder for the segment of generation ``number``; the caller holds the write lock."""
    staged = segments / f".tmp-seg-{number:06d}-{os.getpid()}"
    staged.mkdir()
    return staged


def merge_staging(segments: Path) -> Path:
    """A fresh folder for a merged segment; no lock is needed (the pid and token make the name unique)."""
    segments.mkdir(parents=True, exist_ok=True)
    staged = segments / f".tmp-merge-{os.getpid()}-{uuid.uuid4().hex[:12]}"
    staged.mkdir()
    return staged


def remove_abandoned(segments: Path) -> None:
    """Remove the staging folders nobody is building any more; the caller holds the write lock.

    A write's staging folder of this process is a leftover (the lock says no write of it runs now);
    a merge's of this process may be a build running on another thread, so only a merge whose
    process is gone is removed. Anything else named like a staging folder is removed too.
    """
    if not segments.is_dir():
        return
    for stale in segments.glob(".tmp-*"):
        write, merge = _WRITE.match(stale.name), _MERGE.match(stale.name)
        if write is not None:
            pid = int(write.group(2))
            abandoned = pid == os.getpid() or not process_alive(pid)
        elif merge is not None:
            pid = int(merge.group(1))
            abandoned = pid != os.getpid() and not process_alive(pid)
        else:
            abandoned = stale.name.startswith((".tmp-seg-", ".tmp-merge-"))
        if abandoned:
            shutil.rmtree(stale, ignore_errors=True)
