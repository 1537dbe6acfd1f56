"""Runs the merges the policy calls for on a background thread, as Lucene's ``ConcurrentMergeScheduler``.

A write publishes its own generation and returns; :meth:`MergeScheduler.request` then wakes one
thread (started on demand, one per scheduler) that, holding the folder's merge lock
(:mod:`qa.store.merge_lock`), builds each due merge off the write lock and commits it under the
lock (:mod:`qa.store.merges`), until none is due. Where another process holds the merge lock this
one leaves the work to it: the holder looks for a due merge again after each commit, and once more
after letting the lock go, so a merge made due by a write it turned away is never left behind.

A failed merge is logged and changes nothing: what it built is removed, ``CURRENT`` still names a
complete generation, and the next write tries again. The thread is not a daemon: the interpreter
finishes the merge in flight before the process exits (native FAISS and SQLite code must not run
while the interpreter is torn down). A process killed meanwhile leaves a staging folder that the
next write removes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from qa.store.merge_lock import merge_lock
from qa.store.merges import MERGE_FACTOR, merge_off_lock, plan_merge
from qa.store.snapshot import Snapshot
from qa.store.writer_lock import WriterLock

__all__ = ["COMMIT_WAIT_S", "MergeScheduler"]

log = logging.getLogger(__name__)

COMMIT_WAIT_S = 600.0  # how long a built merge waits for the write lock to commit (an optimize may hold it)


class MergeScheduler:
    """The background merges of one index object; ``latest()`` loads the generation ``CURRENT`` names and
    ``committed(snapshot)`` is told of each generation a merge publishes."""

    def __init__(self, root: Path, writer: WriterLock, latest: Callable[[], Snapshot],
                 committed: Callable[[Snapshot], None], factor: int = MERGE_FACTOR) -> None:
        self.root = root
        self.factor = factor
        self._writer = writer
        self._latest = latest
        self._committed = committed
        self._state = threading.Condition()
        self._thread: threading.Thread | None = None
        self._wanted = False
        self._stopped = False

    def request(self) -> None:
        """Look for due merges soon, on the background thread (started here if it is not running)."""
        with self._state:
            if self._stopped:
                return
            self._wanted = True
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=f"cableqa-merge {self.root}")
                self._thread.start()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until no merge of this scheduler runs or is wanted; False when ``timeout`` ran out first."""
        with self._state:
            return self._state.wait_for(lambda: self._thread is None, timeout)

    def stop(self) -> None:
        """Start no more merges; the one in flight, if any, is finished and committed. Returns at once."""
        with self._state:
            self._stopped = True

    def _proceed(self) -> bool:
        with self._state:
            return not self._stopped

    def _run(self) -> None:
        while True:
            with self._state:
                if not self._wanted or self._stopped:
                    self._thread = None
                    self._state.notify_all()
                    return
                self._wanted = False
            try:
                self._merge_while_due()
            except Exception:
                log.exception("background merge of the index at %s failed; nothing it built was published "
                              "(the index answers as before) and the next write tries again", self.root)

    def _merge_while_due(self) -> None:
        while self._proceed():
            with merge_lock(self.root) as held:
                if not held:
                    return  # the holder looks again once it lets go
                while self._proceed() and (plan := plan_merge(self._latest(), self.factor)) is not None:
                    done = merge_off_lock(self.root, plan, self._writer, self._latest, COMMIT_WAIT_S)
                    if done is not None:
                        self._committed(done)
            if plan_merge(self._latest(), self.factor) is None:
                return
