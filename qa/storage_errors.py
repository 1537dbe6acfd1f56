"""Operating-system write failures of the index folder, translated into named errors once.

A read-only folder, a missing permission or a full disk surfaces as an ``OSError`` somewhere in a
write; the user is told which of these it is and that nothing already stored changed (a failed
write never touches ``CURRENT``).
"""

from __future__ import annotations

import errno
from pathlib import Path

from qa.errors import StorageError, StorageFullError

__all__ = ["storage_error"]

_FULL = {errno.ENOSPC, errno.EDQUOT}
_READ_ONLY = {errno.EROFS, errno.EACCES, errno.EPERM}


def storage_error(error: OSError, root: Path, doing: str) -> StorageError:
    """The named error for ``error``, raised while trying to ``doing`` in the index folder ``root``."""
    unchanged = "the index is unchanged"
    if error.errno in _FULL:
        return StorageFullError(f"cannot {doing} in {root}: no space left on its disk ({error.strerror}); "
                                f"{unchanged}: free some space and try again")
    if error.errno in _READ_ONLY:
        return StorageError(f"cannot {doing} in {root}: the folder is read-only or not writable by this user "
                            f"({error.strerror}); {unchanged}: make it writable, or serve it read-only")
    return StorageError(f"cannot {doing} in {root}: {error.strerror or error}; {unchanged}")
