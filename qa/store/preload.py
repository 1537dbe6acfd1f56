"""The parts of an index every question reads, read into the page cache before the questions come.

A question walks each segment's vector graph and reads the postings of its terms; over a few
hundred questions that touches nearly every page of those files, while it reads only a question's
own rows of the window and sentence vectors and the texts it shows. From a cold page cache the
first questions would fault those pages in a few at a time, each waiting for the disk; one
sequential read of the files first is many times faster and leaves the first questions warm
(measured in ``docs/performance.md``, "Segments"). Elasticsearch's ``index.store.preload`` does the
same for the files an operator names.

Only what the page cache can keep is read: the files in order (every vector index, then every
postings file) up to a budget, so a server on an index larger than its memory does not read the
graphs in only to push them out again.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

from qa.store.segment import CABLE_POSTINGS_NAME, DENSE_NAME, POSTINGS_NAME, Segment

__all__ = ["page_cache_room", "preload_files", "read_ahead"]

_CHUNK = 4 << 20
_GRAPHS = (DENSE_NAME,)
_POSTINGS = (POSTINGS_NAME, CABLE_POSTINGS_NAME)


def preload_files(segments: Sequence[Segment]) -> list[Path]:
    """The files worth reading ahead, most wanted first: every segment's vector index, then its postings."""
    return [segment.folder / name for names in (_GRAPHS, _POSTINGS) for segment in segments for name in names]


def read_ahead(paths: Iterable[Path], budget: int, stop: threading.Event | None = None) -> int:
    """Read ``paths`` front to back into the page cache, in order, until ``budget`` bytes; returns the bytes
    read. A file that is gone (a merge pruned its segment) is skipped; ``stop`` ends the reading early."""
    done = 0
    buffer = memoryview(bytearray(_CHUNK))
    for path in paths:
        try:
            with path.open("rb", buffering=0) as handle:
                while done < budget and not (stop and stop.is_set()):
                    count = handle.readinto(buffer[:min(_CHUNK, budget - done)])
                    if not count:
                        break
                    done += count
        except FileNotFoundError:
            continue
        if done >= budget or (stop and stop.is_set()):
            break
    return done


def page_cache_room(meminfo: Path = Path("/proc/meminfo"), cgroup_root: Path = Path("/sys/fs/cgroup")) -> int:
    """Bytes the page cache can take now: the machine's available memory, or less where this process's
    memory cgroup (a container's limit, v2 or v1) leaves less. 0 where neither can be read."""
    room = None
    try:
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                room = int(line.split()[1]) * 1024
    except OSError:
        pass
    folders = _own_cgroups(cgroup_root)
    for limit, usage in (("memory.max", "memory.current"), ("memory.limit_in_bytes", "memory.usage_in_bytes")):
        for folder in folders:
            try:
                cap = (folder / limit).read_text().strip()
                used = int((folder / usage).read_text())
            except (OSError, ValueError):
                continue
            if cap.isdigit():
                left = max(int(cap) - used, 0)
                room = left if room is None else min(room, left)
    return room or 0


def _own_cgroups(root: Path) -> list[Path]:
    """This process's cgroup folders (``/proc/self/cgroup``: ``0::/path`` in v2, ``N:memory:/path`` in v1)."""
    folders: list[Path] = []
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return folders
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if controllers == "":
            folders.append(root / path.lstrip("/"))
        elif "memory" in controllers.split(","):
            folders.append(root / "memory" / path.lstrip("/"))
    return folders
