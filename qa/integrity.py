"""A background thread that hashes the index files a server's load checked by size only.

A process loads a segment's small files hashed and its large ones (above ``hash_at_open_mb``) by
size, so a server over millions of paragraphs starts in seconds instead of reading every gigabyte
first. This thread then hashes those large files, once per segment, at a lower CPU priority, and
again for every segment a followed commit brings. A damaged file stops the index answering
(:meth:`~qa.service.CableIndex.check_intact`: every question and ``/health`` get ``index_corrupt``,
naming the file) and is logged: the server answers nothing more than a load that found it would have.
"""

from __future__ import annotations

import logging
import threading

from qa.background import lower_this_threads_priority
from qa.errors import IndexCorruptError
from qa.service import CableIndex

__all__ = ["IntegrityWatch"]

log = logging.getLogger("cableqa.integrity")

class IntegrityWatch:
    """``with IntegrityWatch(index, 1.0):`` hashes what ``index`` has not hashed yet, every ``interval`` s,
    starting once ``after`` is set (the cache warmer's reading: the two would split the disk)."""

    def __init__(self, index: CableIndex, interval: float, after: threading.Event | None = None) -> None:
        self.index = index
        self.interval = interval
        self.after = after
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cableqa-integrity", daemon=True)

    def __enter__(self) -> IntegrityWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5.0)

    def _run(self) -> None:
        lower_this_threads_priority()
        while self.after is not None and not self.after.wait(self.interval):
            if self._stop.is_set():
                return
        while not self._stop.is_set():
            try:
                hashed = self.index.verify()
                if hashed:
                    log.info("hashed %d index files that were loaded by size only: intact", hashed)
            except IndexCorruptError as error:
                log.error("the index is damaged, answering nothing more: %s", error.message)
                return
            except OSError as error:  # unreadable now (permissions, I/O): said, and tried again next round
                log.warning("could not hash an index file: %s", error)
            self._stop.wait(self.interval)
