"""Readers that follow commits: a thread that moves an index to each newly published generation.

Like tantivy's reload-on-commit policy or Lucene's ``DirectoryReader.openIfChanged``: every server
process (each worker of ``cableqa serve --workers N``) checks ``CURRENT`` every
``follow_interval_s`` and loads a new generation off the request path, so a write made by any
process (an upload through another worker, a CLI ingest) is answered everywhere within about
that interval plus the load. Queries already running finish on the snapshot they took.
``on_change`` hears of every snapshot the index serves, this process's own writes included
(the server's metrics follow the served generation through it).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from qa.errors import CableqaError
from qa.service import CableIndex
from qa.store.snapshot import Snapshot

__all__ = ["CommitFollower"]

log = logging.getLogger("cableqa.follow")


class CommitFollower:
    """``with CommitFollower(index, 0.25):`` keeps ``index`` on the newest generation while the block runs."""

    def __init__(self, index: CableIndex, interval: float,
                 on_change: Callable[[Snapshot], None] | None = None) -> None:
        self.index = index
        self.interval = interval
        self._on_change = on_change
        self._reported: Snapshot | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cableqa-follow", daemon=True)
        self._last_problem = ""

    def __enter__(self) -> CommitFollower:
        self._report(self.index.snapshot)
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
            self._report(after)  # also a generation this process wrote itself, since the last check

    def _report(self, snapshot: Snapshot) -> None:
        if self._on_change is None or snapshot is self._reported:
            return
        self._reported = snapshot
        try:
            self._on_change(snapshot)
        except Exception:  # an observer's failure never stops the following
            log.exception("on_change failed for generation %d", snapshot.manifest.generation)
