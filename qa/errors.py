"""Every error cableqa's core raises on purpose, under one base class.

The HTTP layer maps these to status codes in one table (``api/errors.py``, which adds the
errors of the HTTP edge itself); the CLI prints their message and exits non-zero. Third-party
failures are translated into one of these where they happen, never leaked; the embeddings
layer's own errors are translated by :func:`translate_embedding_errors` where ``qa`` calls it.

    CableqaError
    ├── CableParseError          text that is not a usable cable (names file and reason)
    ├── InvalidQueryError        a question, k, mode, filter or date that is not acceptable
    ├── UnknownCableError        no such cable in the index
    ├── UnknownParagraphError    no such paragraph in a known cable
    ├── IndexNotFoundError       no index where one was expected
    ├── IndexCorruptError        an index on disk that cannot be trusted (says how to rebuild)
    │   └── IndexPointerMissingError  generations on disk but no CURRENT naming one
    ├── IndexMismatchError       an index built by another model / parser version
    ├── IndexBusyError           another writer holds the index folder's lock past the wait
    ├── StorageError             the index folder cannot be written (read-only, no permission)
    │   └── StorageFullError     the disk holding the index folder is full
    ├── ForbiddenError           a write refused by the reader's classification ceiling
    └── EncoderUnavailableError  the embedding model cannot be loaded or installed
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from embeddings.errors import (
    EmbeddingsError,
    InvalidInputError,
    ModelUnavailableError,
    VectorIndexCorruptError,
    VectorIndexNotFoundError,
)

__all__ = [
    "CableParseError",
    "CableqaError",
    "EncoderUnavailableError",
    "ForbiddenError",
    "IndexBusyError",
    "IndexCorruptError",
    "IndexMismatchError",
    "IndexNotFoundError",
    "IndexPointerMissingError",
    "InvalidQueryError",
    "StorageError",
    "StorageFullError",
    "UnknownCableError",
    "UnknownParagraphError",
    "translate_embedding_errors",
]


class CableqaError(Exception):
    """Base of every error cableqa raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class CableParseError(CableqaError):
    """Text that cannot be parsed as a cable; ``source`` names the file or upload."""

    def __init__(self, reason: str, source: str = "<text>") -> None:
        super().__init__(f"{source}: {reason}")
        self.reason = reason
        self.source = source


class InvalidQueryError(CableqaError):
    """A query parameter that is not acceptable; ``field`` names it."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class UnknownCableError(CableqaError):
    def __init__(self, cable_id: str) -> None:
        super().__init__(f"no cable {cable_id!r} in the index")
        self.cable_id = cable_id


class UnknownParagraphError(CableqaError):
    def __init__(self, cable_id: str, number: int, occurrence: int = 1) -> None:
        label = str(number) if occurrence == 1 else f"{number} (occurrence {occurrence})"
        super().__init__(f"cable {cable_id} has no paragraph {label}")
        self.cable_id = cable_id
        self.number = number
        self.occurrence = occurrence


class IndexNotFoundError(CableqaError):
    pass


class IndexCorruptError(CableqaError):
    pass


class IndexPointerMissingError(IndexCorruptError):
    """A folder holding generations but no ``CURRENT``: refused by every command, nothing written."""


class IndexMismatchError(CableqaError):
    pass


class IndexBusyError(CableqaError):
    """Another writer held the index folder's write lock for longer than this one would wait.

    ``holder`` describes it (pid, command, since); ``retry_after`` is whole seconds worth waiting.
    """

    def __init__(self, message: str, holder: str, retry_after: int = 5) -> None:
        super().__init__(message)
        self.holder = holder
        self.retry_after = retry_after


class StorageError(CableqaError):
    """The index folder cannot be written: read-only, no permission, or an I/O error; nothing changed."""


class StorageFullError(StorageError):
    """No space left on the disk (or quota) holding the index folder; nothing changed."""


class ForbiddenError(CableqaError):
    pass


class EncoderUnavailableError(CableqaError):
    pass


def from_embedding_error(error: EmbeddingsError) -> CableqaError:
    """The core's error for one of the embeddings layer's, with the same message."""
    if isinstance(error, InvalidInputError):
        return InvalidQueryError(error.field, error.reason)
    if isinstance(error, VectorIndexNotFoundError):
        return IndexNotFoundError(error.message)
    if isinstance(error, VectorIndexCorruptError):
        return IndexCorruptError(error.message)
    if isinstance(error, ModelUnavailableError):
        return EncoderUnavailableError(error.message)
    return CableqaError(error.message)


@contextmanager
def translate_embedding_errors() -> Iterator[None]:
    """Raise any :class:`~embeddings.errors.EmbeddingsError` of the block as the core's error."""
    try:
        yield
    except EmbeddingsError as error:
        raise from_embedding_error(error) from error
