"""Operating-system write failures of the index folder, translated into named errors once.

A read-only folder, a missing permission or a full disk surfaces as an ``OSError`` somewhere in a
write; the user is told which of these it is and that nothing already stored changed (a failed
write never touches ``CURRENT``).
"""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

from qa.errors import StorageError, StorageFullError

__all__ = ["WRITE_FAULTS", "storage_error"]

_FULL = {errno.ENOSPC, errno.EDQUOT}
_READ_ONLY = {errno.EROFS, errno.EACCES, errno.EPERM}
# SQLite reports the same faults in its own codes (sqlite3.h): SQLITE_FULL 13, SQLITE_READONLY 8,
# SQLITE_PERM 3, SQLITE_CANTOPEN 14 and SQLITE_IOERR 10 (a failed write underneath).
_SQLITE_FULL = {13}
_SQLITE_READ_ONLY = {3, 8, 14}
_SQLITE_IO = {10}
WRITE_FAULTS: tuple[type[Exception], ...] = (OSError, sqlite3.OperationalError)


def _kind(error: Exception) -> str | None:
    if isinstance(error, OSError):
        return "full" if error.errno in _FULL else "read-only" if error.errno in _READ_ONLY else "io"
    code = getattr(error, "sqlite_errorcode", None)
    if code is None:
        return None
    primary = int(code) & 0xFF
    if primary in _SQLITE_FULL:
        return "full"
    if primary in _SQLITE_READ_ONLY:
        return "read-only"
    return "io" if primary in _SQLITE_IO else None


def storage_error(error: Exception, root: Path, doing: str) -> StorageError | None:
    """The named error for a write fault ``error`` raised while trying to ``doing`` in the index folder
    ``root``; None when ``error`` is not a storage fault (an SQLite error of another kind)."""
    unchanged = "the index is unchanged"
    reason = getattr(error, "strerror", None) or str(error)
    kind = _kind(error)
    if kind == "full":
        return StorageFullError(f"cannot {doing} in {root}: no space left on its disk ({reason}); "
                                f"{unchanged}: free some space and try again")
    if kind == "read-only":
        return StorageError(f"cannot {doing} in {root}: the folder is read-only or not writable by this user "
                            f"({reason}); {unchanged}: make it writable, or serve it read-only")
    if kind == "io":
        return StorageError(f"cannot {doing} in {root}: {reason}; {unchanged}")
    return None
