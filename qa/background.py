"""What the server's background threads share: they yield the CPU to the threads answering questions."""

from __future__ import annotations

import contextlib
import os
import threading

__all__ = ["lower_this_threads_priority"]

_NICENESS = 10


def lower_this_threads_priority() -> None:
    """Give the calling thread a lower CPU priority (Linux keeps a nice value per thread); where the
    system refuses, it keeps its own."""
    with contextlib.suppress(OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), _NICENESS)
