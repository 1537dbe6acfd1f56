"""Reading cables from disk: files, folders and the bundled seed cable.

The only I/O around the parser. Bytes are decoded as UTF-8, falling back to
Windows-1252/Latin-1 (the 2011 raw release), CRLF becomes LF, and every failure is a
:class:`qa.errors.CableParseError` that names the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from qa.cables.parse import parse_cable
from qa.cables.records import Cable
from qa.errors import CableParseError

__all__ = [
    "SEED_CABLE_ID",
    "FileOutcome",
    "decode_cable_bytes",
    "iter_cable_files",
    "read_cable_file",
    "read_cables",
    "seed_cable_path",
]

SEED_CABLE_ID = "08TOKYO1074"
MAX_CABLE_BYTES = 5_000_000


def seed_cable_path() -> Path:
    """The bundled seed cable, the default corpus."""
    return Path(str(resources.files("qa") / "data" / f"{SEED_CABLE_ID}.txt"))


def decode_cable_bytes(data: bytes, source: str) -> str:
    if len(data) > MAX_CABLE_BYTES:
        raise CableParseError(f"{len(data):,} bytes is over the {MAX_CABLE_BYTES:,}-byte limit for one cable",
                              source)
    if b"\x00" in data[:65536]:
        raise CableParseError("binary data, not cable text", source)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")


def read_cable_file(path: Path) -> Cable:
    """Parse one file; the file's stem serves as the id only where the text lacks one."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise CableParseError(f"cannot read: {error.strerror or error}", str(path)) from error
    return parse_cable(decode_cable_bytes(data, str(path)), source=str(path), id_hint=path.stem.upper())


def iter_cable_files(paths: list[Path]) -> Iterator[Path]:
    """Every ``.txt`` file named, or found under the folders named, in a stable order."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*.txt") if p.is_file())
        else:
            yield path


@dataclass(frozen=True, slots=True)
class FileOutcome:
    """One file read: a cable, or the error that names why it was skipped."""

    path: Path
    cable: Cable | None
    error: CableParseError | None


def read_cables(paths: list[Path]) -> Iterator[FileOutcome]:
    for path in iter_cable_files(paths):
        try:
            yield FileOutcome(path, read_cable_file(path), None)
        except CableParseError as error:
            yield FileOutcome(path, None, error)
