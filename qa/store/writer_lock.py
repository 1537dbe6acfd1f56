"""One writer per index folder: an OS lock on ``INDEX_DIR/write.lock``, as Lucene's ``write.lock``.

Every write (ingest commit, upload, delete, seed build, prune) holds the lock from the moment it
reads ``CURRENT`` until the new generation is published. The lock is ``flock(2)`` on an open file,
so the kernel releases it when its holder exits for any reason, ``kill -9`` included: a dead
writer never blocks the next one.

The holder writes who it is (pid, command, since) into the lock file once it has the lock, and
clears it on release; a waiter that gives up names the holder in its error. ``flock`` locks
belong to an open file description, so two threads of one process that each open the file
exclude each other like two processes do; within one :class:`WriterLock` the lock is re-entrant
for the thread holding it (an ingest that builds the seed and then commits takes it twice).
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path

from qa.errors import IndexBusyError
from qa.store.storage_errors import storage_error

__all__ = ["LOCK_NAME", "WriterLock", "describe_holder", "flock_before"]

LOCK_NAME = "write.lock"
_POLL_S = 0.05


def describe_holder(lock_path: Path) -> str:
    """Who holds the lock, as its holder wrote it: ``pid 4242 (cableqa ingest ...) since 2026-...``."""
    try:
        info = json.loads(lock_path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        info = {}
    if not isinstance(info, dict) or "pid" not in info:
        return "another process (it has not written its name yet)"
    return f"pid {info.get('pid')} ({info.get('command', '?')}) since {info.get('since', '?')}"


def flock_before(fd: int, deadline: float) -> bool:
    """Take an exclusive ``flock`` on ``fd``, polling until ``deadline`` (``time.monotonic()``); False when
    another holder kept it until then. Errors other than "held elsewhere" are raised as they are."""
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError as error:
            if error.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                raise
            if time.monotonic() >= deadline:
                return False
            time.sleep(_POLL_S)


class WriterLock:
    """The write lock of one index folder; ``with lock.held(wait=...):`` around a write."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.path = root / LOCK_NAME
        self._thread_lock = threading.RLock()
        self._depth = 0
        self._fd: int | None = None

    @contextmanager
    def held(self, wait: float) -> Iterator[None]:
        """Hold the lock for the block, waiting at most ``wait`` seconds for another writer to finish."""
        deadline = time.monotonic() + max(wait, 0.0)
        if not self._thread_lock.acquire(timeout=max(wait, 0.0)):
            raise self._busy(wait)
        try:
            if self._depth == 0:
                self._fd = self._acquire(deadline, wait)
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0 and self._fd is not None:
                    self._release(self._fd)
                    self._fd = None
        finally:
            self._thread_lock.release()

    def _acquire(self, deadline: float, wait: float) -> int:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            raise self._fault(error) from error
        try:
            try:
                taken = flock_before(fd, deadline)
            except OSError as error:
                raise self._fault(error) from error
            if not taken:
                raise self._busy(wait)
            note = json.dumps({"pid": os.getpid(), "command": " ".join(sys.argv)[:200],
                               "since": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")})
            os.ftruncate(fd, 0)
            os.pwrite(fd, note.encode("utf-8"), 0)
            return fd
        except BaseException:
            os.close(fd)
            raise

    @staticmethod
    def _release(fd: int) -> None:
        with suppress(OSError):  # a read-only or full disk: the note goes stale, the lock is still released
            os.ftruncate(fd, 0)
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)

    def _fault(self, error: OSError) -> Exception:
        return storage_error(error, self.root, "take the write lock") or error

    def _busy(self, wait: float) -> IndexBusyError:
        holder = describe_holder(self.path)
        return IndexBusyError(
            f"the index at {self.root} is being written by {holder}; waited {wait:g} s for its write lock "
            f"({self.path}). Try again when it finishes, or wait longer (CABLEQA_WRITE_WAIT_S, "
            "'cableqa ingest --wait')", holder=holder, retry_after=max(1, min(30, round(wait) or 1)))
