"""A background thread that reads the index's graphs and postings into the page cache when a server starts.

:mod:`qa.store.preload` says why and what. The server answers from the start; its first questions
find more of their pages cached the further this thread has read. It reads at a lower CPU priority,
up to ``share`` of the memory the page cache can take at start, and the integrity hash waits for it
(``done``) so the two do not split the disk between them.
"""

from __future__ import annotations

import logging
import threading
import time

from qa.background import lower_this_threads_priority
from qa.service import CableIndex
from qa.store.preload import page_cache_room, preload_files, read_ahead

__all__ = ["CacheWarmer"]

log = logging.getLogger("cableqa.preload")

class CacheWarmer:
    """``with CacheWarmer(index, 0.5) as warmer:`` reads ``index``'s graphs and postings ahead; ``warmer.done``
    is set when it has finished (at once where ``share`` is 0)."""

    def __init__(self, index: CableIndex, share: float) -> None:
        self.index = index
        self.share = share
        self.done = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cableqa-preload", daemon=True)

    def __enter__(self) -> CacheWarmer:
        if self.share > 0:
            self._thread.start()
        else:
            self.done.set()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5.0)

    def _run(self) -> None:
        lower_this_threads_priority()
        try:
            budget = int(page_cache_room() * self.share)
            paths = preload_files(self.index.snapshot.segments)
            started = time.monotonic()
            read = read_ahead(paths, budget, self._stop)
            log.info("read %.1f MB of vector graphs and postings into the page cache in %.1f s (budget %.0f MB)",
                     read / 1e6, time.monotonic() - started, budget / 1e6)
        except OSError as error:  # an unreadable file: questions read it themselves, and say so if they cannot
            log.warning("could not read the index ahead: %s", error)
        finally:
            self.done.set()
