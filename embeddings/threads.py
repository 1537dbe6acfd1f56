"""OpenMP's wait policy, for a process that runs torch and FAISS side by side on few cores; and
how many threads FAISS builds an index on.

torch and faiss-cpu each ship their own OpenMP runtime. By default an OpenMP worker that runs out
of work spins for a while before it sleeps, and on two cores one library's spinning workers take
the cores the other one needs. Measured on the 2-core reference machine (shared with other jobs,
so the spread is wide): training IVF-PQ on 3,000 vectors after torch had run took 1 to 37 s with
spinning and 0.4 s with ``OMP_WAIT_POLICY=PASSIVE``; the embeddings tests used 78 s of CPU against
18 s; one query encoded in 48 to 177 ms against 20 to 25 ms, and bulk encoding was no slower.

A runtime reads the policy once, when it loads, so :func:`prefer_passive_openmp` runs just before
torch (the encoder's loader) or FAISS (the backends) is first imported. A value the user set wins.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["build_threads", "index_build_threads", "prefer_passive_openmp", "single_threaded_blas"]

_BUILD_THREADS: ContextVar[int] = ContextVar("faiss_build_threads", default=1)


def prefer_passive_openmp() -> None:
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def single_threaded_blas() -> None:
    """Run numpy's BLAS on one thread: the query path only does small matrix-vector products.

    Measured on the corpus index (14,343 paragraphs, 2 cores): hybrid ranking took 12 ms at the
    median with OpenBLAS's default 2 threads and 3 ms with one, because waking a second thread
    costs more than a 1,300 x 384 product. Bulk encoding runs in torch or onnxruntime, with
    their own thread pools, and is unaffected.
    """
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


@contextmanager
def build_threads(threads: int) -> Iterator[None]:
    """Let FAISS add vectors to an index on ``threads`` OpenMP threads inside this block, in this thread.

    Index builds run on one thread by default, so that a server's writes and background merges leave
    the other cores to its searches. A command that only builds (``cableqa optimize``) asks for every
    core: the HNSW graph of 40,000 real windows took 50.5 s to build on one thread here and 24.7 s on
    both cores. A graph built on several threads depends on their timing (not on the vectors alone); the
    vectors, and so every exact score, do not.
    """
    if threads < 1:
        raise ValueError(f"threads must be at least 1, got {threads}")
    token = _BUILD_THREADS.set(threads)
    try:
        yield
    finally:
        _BUILD_THREADS.reset(token)


def index_build_threads() -> int:
    """The OpenMP threads FAISS builds on here (:func:`build_threads`)."""
    return _BUILD_THREADS.get()
