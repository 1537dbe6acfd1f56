"""BM25's per-posting loops, compiled with numba: each posting read once, its contribution added in place.

numpy needs a gather, four whole-array operations and a scatter per term and segment (and three
compressions where a tombstone removed documents); one compiled loop does the same arithmetic
posting by posting, in the same float64 order and rounded to float32 at the same step, so the
sums are bit for bit those of bm25s. The loops let go of the GIL (a question's vector searches run
beside them) and are cached on disk after their first compilation.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["add_mapped", "add_shifted", "count_live"]


@njit(cache=True, nogil=True)
def count_live(rows, docs):  # type: ignore[no-untyped-def]  # numba compiles per argument types
    """How many of ``docs`` a tombstone has not removed (``rows[d] >= 0``)."""
    live = 0
    for d in docs:
        if rows[d] >= 0:
            live += 1
    return live


@njit(cache=True, nogil=True)
def add_shifted(totals, held, at, docs, tfs, norms, offset, idf):  # type: ignore[no-untyped-def]
    """Add each posting's contribution ``idf * tf / (norm + tf)`` to ``totals[offset + d]`` and list the row
    in ``held`` from ``at`` on; the next free place in ``held``. A segment with nothing deleted."""
    for i in range(len(docs)):
        d = docs[i]
        tf = np.float64(tfs[i])
        row = offset + d
        totals[row] += np.float32(tf / (norms[d] + tf) * idf)
        held[at] = row
        at += 1
    return at


@njit(cache=True, nogil=True)
def add_mapped(totals, held, at, docs, tfs, norms, rows, idf):  # type: ignore[no-untyped-def]
    """As :func:`add_shifted`, each document's row read from ``rows``; a removed document (-1) is skipped."""
    for i in range(len(docs)):
        d = docs[i]
        row = rows[d]
        if row < 0:
            continue
        tf = np.float64(tfs[i])
        totals[row] += np.float32(tf / (norms[d] + tf) * idf)
        held[at] = row
        at += 1
    return at
