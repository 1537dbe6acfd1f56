"""Whether a process named by a pid (a staging folder's writer, a server worker) is still running."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["process_alive"]


def process_alive(pid: int) -> bool:
    """True while ``pid`` runs. A zombie (exited, waiting for its parent to reap it) counts as gone;
    another user's process counts as running (the signal is refused, but the pid is taken)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return True  # no /proc: the signal is all there is to go by
    return stat.rsplit(")", 1)[-1].split()[:1] != ["Z"]
