"""Every error the embeddings layer raises on purpose, under one base class.

This layer knows nothing of cables or HTTP: ``qa`` translates these into its own errors where
it calls in (:func:`qa.errors.translate_embedding_errors`), so they never reach a user as they are.

    EmbeddingsError
    ├── ModelUnavailableError        the embedding model cannot be loaded or exported
    │   └── ModelInstallError        an offline install refused (names the model and what was wrong)
    │       ├── UnknownModelError        a model name the installer does not know
    │       ├── ModelPartsMissingError   a part package or file of the model is not there
    │       └── ModelChecksumError       a part or a model file whose SHA-256 is not the pinned one
    ├── InvalidInputError            an argument the encoder or a vector index refuses (names it)
    ├── VectorIndexNotFoundError     no vector index file where one was expected
    └── VectorIndexCorruptError      a vector index file that cannot be trusted
"""

from __future__ import annotations

__all__ = [
    "EmbeddingsError",
    "InvalidInputError",
    "ModelChecksumError",
    "ModelInstallError",
    "ModelPartsMissingError",
    "ModelUnavailableError",
    "UnknownModelError",
    "VectorIndexCorruptError",
    "VectorIndexNotFoundError",
]


class EmbeddingsError(Exception):
    """Base of every error the embeddings layer raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ModelUnavailableError(EmbeddingsError):
    pass


class ModelInstallError(ModelUnavailableError):
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


class InvalidInputError(EmbeddingsError):
    """An argument that is not acceptable; ``field`` names it."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class VectorIndexNotFoundError(EmbeddingsError):
    pass


class VectorIndexCorruptError(EmbeddingsError):
    pass
