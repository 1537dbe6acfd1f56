"""The manifest saved beside every index generation, and the checks made on load.

An index is only trusted when the manifest says it was built the way this process
would build it (same model, parser version, passage scheme, format); otherwise the
user is told exactly how to rebuild.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from qa.errors import IndexCorruptError, IndexMismatchError

__all__ = ["FORMAT_VERSION", "MANIFEST_NAME", "Manifest", "read_manifest", "write_manifest"]

FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"


@dataclass(frozen=True, slots=True)
class Manifest:
    format_version: int
    model: str
    dimension: int
    index_type: str
    parser_version: str
    passage_scheme: str
    cables: int
    paragraphs: int
    vectors: int
    sentences: int
    generation: int
    created: str

    def check_compatible(self, model: str, parser_version: str, where: Path) -> None:
        rebuild = f"rebuild it: move {where.parent} aside and run 'cableqa ingest' on your cables"
        if self.format_version != FORMAT_VERSION:
            raise IndexMismatchError(
                f"index at {where.parent} has format {self.format_version}, this cableqa reads "
                f"{FORMAT_VERSION}; {rebuild}")
        if self.model != model:
            raise IndexMismatchError(
                f"index at {where.parent} was built with model {self.model!r}, but CABLEQA_MODEL gives "
                f"{model!r}; vectors of two models cannot be mixed: set CABLEQA_MODEL back, or {rebuild}")
        if self.parser_version != parser_version:
            raise IndexMismatchError(
                f"index at {where.parent} was built by parser version {self.parser_version}, this is "
                f"{parser_version}; {rebuild}")


def write_manifest(folder: Path, manifest: Manifest) -> None:
    (folder / MANIFEST_NAME).write_text(json.dumps(asdict(manifest), indent=2) + "\n", encoding="utf-8")


def read_manifest(folder: Path) -> Manifest:
    path = folder / MANIFEST_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Manifest(**data)
    except FileNotFoundError:
        raise IndexCorruptError(
            f"{path} is missing: the index is incomplete; rebuild it with 'cableqa ingest'") from None
    except (OSError, ValueError, TypeError) as error:
        raise IndexCorruptError(
            f"{path} is unreadable or not a cableqa manifest ({error}); rebuild it with 'cableqa ingest'"
        ) from error
