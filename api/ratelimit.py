"""A per-client token bucket, in process: ``rate_limit_per_minute`` requests a minute each.

Each client (by IP) has a bucket of ``per_minute`` tokens that refills continuously at
``per_minute / 60`` a second; a request takes one (``/ask/batch`` one a question), and a client with none left is told
how long until the next. Buckets live in an LRU of ``max_clients``, so memory stays
bounded; a bucket evicted while empty comes back full, which errs on the side of the
client. One process only: behind several workers each keeps its own count.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

__all__ = ["RateLimiter"]


class RateLimiter:
    def __init__(self, per_minute: int, max_clients: int = 10_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if per_minute < 1:
            raise ValueError(f"per_minute must be at least 1, got {per_minute}")
        self.per_minute = per_minute
        self._rate = per_minute / 60.0
        self._max_clients = max_clients
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # client -> (tokens, when)
        self._lock = threading.Lock()

    def take(self, client: str, tokens: int = 1) -> int:
        """Take ``tokens`` for ``client``, all or none: 0 when the request may go ahead, else seconds to wait.

        More tokens than a bucket holds (``per_minute``) never fit: the caller refuses such a request first.
        """
        if tokens < 1:
            raise ValueError(f"tokens must be at least 1, got {tokens}")
        need = float(tokens)
        now = self._clock()
        with self._lock:
            held, then = self._buckets.pop(client, (float(self.per_minute), now))
            held = min(float(self.per_minute), held + (now - then) * self._rate)
            wait = 0
            if held >= need:
                held -= need
            else:
                # Rounded first: float noise (10.0000001 s) is not an 11th second.
                wait = max(1, math.ceil(round((need - held) / self._rate, 6)))
            self._buckets[client] = (held, now)
            while len(self._buckets) > self._max_clients:
                self._buckets.popitem(last=False)
        return wait
