"""Readers that follow commits: a thread that moves an index to each newly published generation.

Like tantivy's reload-on-commit policy or Lucene's ``DirectoryReader.openIfChanged``: every server
process (each worker of ``cableqa serve --workers N``) checks ``CURRENT`` every
``follow_interval_s`` and loads a new generation off the request path, so a write made by any
process (an upload through another worker, a CLI ingest) is answered everywhere within about
that interval plus the load. Queries already running finish on the snapshot they took.
"""

from __future__ import annotations

import logging
import threading

from qa.errors import CableqaError
from qa.service import CableIndex

__all__ = ["CommitFollower"]

log = logging.getLogger("cableqa.follow")


class CommitFollower:
    """``with CommitFollower(index, 0.25):`` keeps ``index`` on the newest generation while the block runs."""

    def __init__(self, index: CableIndex, interval: float) -> None:
        self.index = index
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cableqa-follow", daemon=True)
        self._last_problem = ""

    def __enter__(self) -> CommitFollower:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=max(5.0, self.interval * 4))

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                before = self.index.snapshot
                after = self.index.refresh()
            except CableqaError as error:
                # A generation that fails its checks is not served; the held one keeps answering.
                if error.message != self._last_problem:
                    log.error("cannot follow the index: %s", error.message)
                    self._last_problem = error.message
                continue
            self._last_problem = ""
            if after is not before:
                log.info("now serving generation %d (%d cables)",
                         after.manifest.generation, after.manifest.cables)
