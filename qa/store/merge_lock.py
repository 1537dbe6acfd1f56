"""One merger per index folder: an OS lock on ``INDEX_DIR/merge.lock``, held while a merge builds and commits.

Merges build off the write lock (:mod:`qa.store.merges`), so the write lock cannot keep two of them
from building the same run; this lock does. It is ``flock(2)`` like ``write.lock``: the kernel
releases it when its holder exits, ``kill -9`` included. Each acquisition opens the file anew, so
two threads of one process exclude each other like two processes do. A background merger only
tries it (a process that finds it taken leaves the merging to the holder, which looks again for
a due merge after each of its commits); ``optimize`` waits for it.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from qa.store.storage_errors import storage_error
from qa.store.writer_lock import flock_before

__all__ = ["MERGE_LOCK_NAME", "merge_lock"]

MERGE_LOCK_NAME = "merge.lock"


@contextmanager
def merge_lock(root: Path, wait: float = 0.0) -> Iterator[bool]:
    """``with merge_lock(root) as held:``: ``held`` is True when this holds the folder's merge lock for the
    block, False when another merger still held it after ``wait`` seconds (nothing is held then)."""
    try:
        root.mkdir(parents=True, exist_ok=True)
        fd = os.open(root / MERGE_LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as error:
        raise (storage_error(error, root, "take the merge lock") or error) from error
    try:
        if not flock_before(fd, time.monotonic() + max(wait, 0.0)):
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
