"""A file read once, front to back, without leaving its pages in the page cache.

The server hashes its large index files after it starts (``qa/integrity.py``), which can be more
bytes than the machine's memory. Read the ordinary way, every page hashed enters the cache, pushes
out the pages questions use (the vector rows, graphs and postings the server has mapped) and is
never wanted again (measured in ``docs/performance.md``, "Segments").

Linux 6.14 and later read with ``RWF_DONTCACHE``: a page the read brings in is dropped once read,
and a page that was already cached stays. Where the kernel or filesystem refuses the flag, each
chunk is read normally and then dropped with ``POSIX_FADV_DONTNEED``, which spares the pages a
process has mapped (the questions' pages) but also drops cached pages nobody has mapped.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from pathlib import Path

__all__ = ["uncached_chunks"]

RWF_DONTCACHE = getattr(os, "RWF_DONTCACHE", 0x80)  # include/uapi/linux/fs.h
_REFUSED = (errno.EOPNOTSUPP, errno.EINVAL)
_CAN_ADVISE = hasattr(os, "preadv") and hasattr(os, "posix_fadvise")


def uncached_chunks(path: Path, size: int = 1 << 20) -> Iterator[memoryview]:
    """The bytes of ``path`` in chunks of up to ``size``, each valid until the next is asked for."""
    buffer = bytearray(size)
    view = memoryview(buffer)
    with path.open("rb", buffering=0) as handle:
        if not _CAN_ADVISE:
            while count := handle.readinto(buffer):
                yield view[:count]
            return
        descriptor, offset, flags = handle.fileno(), 0, RWF_DONTCACHE
        while True:
            try:
                count = os.preadv(descriptor, [buffer], offset, flags)
            except OSError as error:
                if flags and error.errno in _REFUSED:
                    flags = 0  # this kernel or filesystem has no uncached reads: read, then drop
                    continue
                raise
            if not count:
                return
            yield view[:count]
            if not flags:
                os.posix_fadvise(descriptor, offset, count, os.POSIX_FADV_DONTNEED)
            offset += count
