"""The folder where a server's workers add up their Prometheus metrics, and the clean-up of dead servers'.

A server that exits normally removes its folder; one that was killed (``kill -9``, the machine's
out-of-memory killer) cannot, so each folder is named after the server's pid and a starting server
removes the folders of servers no longer running, as a write removes staging folders whose writer is
gone (:mod:`qa.store.staging`).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from qa.store.processes import process_alive

__all__ = ["PREFIX", "metrics_folder", "remove_dead_servers_folders"]

PREFIX = "cableqa-metrics-"
_NAMED = re.compile(rf"^{re.escape(PREFIX)}(\d+)-")


def remove_dead_servers_folders(parent: Path) -> list[Path]:
    """Remove the metrics folders in ``parent`` whose server is no longer running; the ones removed."""
    removed = []
    for folder in parent.glob(f"{PREFIX}*"):
        named = _NAMED.match(folder.name)
        if named and folder.is_dir() and not process_alive(int(named.group(1))):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


@contextlib.contextmanager
def metrics_folder() -> Iterator[Path]:
    """A fresh folder for this server's metrics, named after its pid, removed when the server exits."""
    parent = Path(tempfile.gettempdir())
    remove_dead_servers_folders(parent)
    with tempfile.TemporaryDirectory(prefix=f"{PREFIX}{os.getpid()}-", dir=parent) as folder:
        yield Path(folder)
