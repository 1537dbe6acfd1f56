"""Every error cableqa raises on purpose, under one base class.

The HTTP layer maps these to status codes in one table (``api/errors.py``); the CLI
prints their message and exits non-zero. Third-party failures are translated into
one of these where they happen, never leaked.

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
    ├── UploadTooLargeError      a request body over the configured limit
    ├── BodyTimeoutError         a request body not received within the configured time
    ├── TooManyBodiesError       the server already holds as many request bodies as it allows
    ├── InvalidSettingError      a CABLEQA_* setting the server refuses to start with
    ├── UnauthorizedError        a missing or wrong API key
    ├── ForbiddenError           a write refused by the server's exposure policy
    │   ├── HostNotAllowedError  a Host header naming a server this is not (DNS rebinding)
    │   └── CrossSiteRequestError  a write sent by a page of another origin
    ├── RateLimitedError         a client over its request budget
    └── EncoderUnavailableError  the embedding model cannot be loaded
        └── ModelInstallError    'cableqa models install' refused (names the model and what was wrong)
            ├── UnknownModelError      a model name the installer does not know
            ├── ModelPartsMissingError a part package or file of the model is not there
            └── ModelChecksumError     a part or a model file whose SHA-256 is not the pinned one
"""

from __future__ import annotations

__all__ = [
    "BodyTimeoutError",
    "CableParseError",
    "CableqaError",
    "CrossSiteRequestError",
    "EncoderUnavailableError",
    "ForbiddenError",
    "HostNotAllowedError",
    "IndexBusyError",
    "IndexCorruptError",
    "IndexMismatchError",
    "IndexNotFoundError",
    "IndexPointerMissingError",
    "InvalidQueryError",
    "InvalidSettingError",
    "ModelChecksumError",
    "ModelInstallError",
    "ModelPartsMissingError",
    "RateLimitedError",
    "StorageError",
    "StorageFullError",
    "TooManyBodiesError",
    "UnauthorizedError",
    "UnknownCableError",
    "UnknownModelError",
    "UnknownParagraphError",
    "UploadTooLargeError",
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


class UploadTooLargeError(CableqaError):
    pass


class UnauthorizedError(CableqaError):
    pass


class ForbiddenError(CableqaError):
    pass


class HostNotAllowedError(ForbiddenError):
    """A ``Host`` header that is not one of the server's names (``CABLEQA_ALLOWED_HOSTS``)."""


class CrossSiteRequestError(ForbiddenError):
    """A write whose ``Origin`` or ``Sec-Fetch-Site`` says a page of another origin sent it."""


class BodyTimeoutError(CableqaError):
    """A request body that did not arrive within ``CABLEQA_BODY_TIMEOUT_S``; the connection is closed."""


class TooManyBodiesError(CableqaError):
    """As many request bodies in flight as ``CABLEQA_MAX_INFLIGHT_BODIES`` allows; ``retry_after`` in seconds."""

    def __init__(self, message: str, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class InvalidSettingError(CableqaError):
    """A ``CABLEQA_*`` setting the server will not start with; ``setting`` names the variable."""

    def __init__(self, setting: str, reason: str) -> None:
        super().__init__(f"{setting}: {reason}")
        self.setting = setting
        self.reason = reason


class RateLimitedError(CableqaError):
    """A client over its request budget; ``retry_after`` is the whole seconds until one more passes."""

    def __init__(self, message: str, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class EncoderUnavailableError(CableqaError):
    pass


class ModelInstallError(EncoderUnavailableError):
    """``cableqa models install`` refused to install a model; nothing was installed."""


class UnknownModelError(ModelInstallError):
    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(f"no installable model {name!r}; known: {', '.join(known)}")
        self.name = name


class ModelPartsMissingError(ModelInstallError):
    """Parts of a model are not where the installer looks; ``missing`` names them."""

    def __init__(self, name: str, missing: list[str], where: str) -> None:
        super().__init__(f"model {name!r}: parts not {where}: {', '.join(missing)} "
                         f"(pip install 'cableqa[mpnet]', or pass --parts FOLDER)")
        self.name = name
        self.missing = missing


class ModelChecksumError(ModelInstallError):
    """A part or a file of a model whose SHA-256 is not the pinned one: tampered or damaged."""

    def __init__(self, name: str, what: str, expected: str, actual: str) -> None:
        super().__init__(f"model {name!r}: {what} has SHA-256 {actual[:16]}..., expected {expected[:16]}...; "
                         "refused (tampered or damaged), nothing installed")
        self.name = name
        self.what = what
