"""The FAISS id of each passage window: its paragraph's pid times 4096 plus its place in the paragraph.

The writer gives windows these ids and the dense search turns them back into paragraphs
(``id // WINDOWS_PER_PARAGRAPH`` is the pid), so both read the scheme from here.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["WINDOWS_PER_PARAGRAPH", "window_ids"]

WINDOWS_PER_PARAGRAPH = 4096


def window_ids(window_pids: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Unique FAISS ids for windows listed in pid order (``id // 4096`` recovers the pid)."""
    if len(window_pids) == 0:
        return window_pids.astype(np.int64)
    starts = np.r_[0, np.flatnonzero(np.diff(window_pids)) + 1]
    first = np.repeat(starts, np.diff(np.r_[starts, len(window_pids)]))
    within = np.arange(len(window_pids)) - first
    ids: npt.NDArray[np.int64] = window_pids.astype(np.int64) * WINDOWS_PER_PARAGRAPH + np.minimum(
        within, WINDOWS_PER_PARAGRAPH - 1)
    return ids
