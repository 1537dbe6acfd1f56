"""The SQLite part of an index generation: cables (original text) and their paragraphs.

Paragraph ids (``pid``) are given by the writer from the index's counter (the manifest's
``next_pid``), so they are never reused across segments: a re-ingested cable gets new pids and a
deleted one's are gone for good. The original
text is stored so a cable can be shown whole and re-parsed exactly.
"""

from __future__ import annotations

import json
import sqlite3
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from qa.cables.records import Cable
from qa.cables.serialize import cable_to_dict, iso_utc
from qa.errors import IndexCorruptError

__all__ = ["ParagraphRow", "Store", "StoredCable"]

STORE_NAME = "store.sqlite"
_PARAGRAPH_FIELDS = frozenset({"text", "marking", "section"})
_MAX_PARAMETERS = 500  # below SQLite's smallest limit on parameters per statement (999)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS cables (
    id TEXT PRIMARY KEY,
    datetime TEXT,
    origin TEXT,
    classification TEXT NOT NULL,
    subject TEXT,
    tags TEXT NOT NULL,
    header TEXT NOT NULL,
    text TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS paragraphs (
    pid INTEGER PRIMARY KEY AUTOINCREMENT,
    cable_id TEXT NOT NULL REFERENCES cables(id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    marking TEXT,
    section TEXT,
    text TEXT NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    unnumbered INTEGER NOT NULL,
    level INTEGER NOT NULL,
    occurrence INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX IF NOT EXISTS paragraphs_by_cable ON paragraphs(cable_id, number);
"""
# What a segment's load reads of every cable (:meth:`Store.cables`), kept apart from the texts: SQLite
# answers it from this compact B-tree instead of every page of the rows. (Paragraph numbers are saved
# beside the store as arrays, ``paragraphs.npz``.)
_CABLE_FIELDS_INDEX = ("CREATE INDEX IF NOT EXISTS cable_fields "
                       "ON cables(id, datetime, origin, classification, subject, tags)")
CABLE_FIELDS_QUERY = "SELECT id, datetime, origin, classification, subject, tags FROM cables ORDER BY id"


@dataclass(frozen=True, slots=True)
class ParagraphRow:
    pid: int
    cable_id: str
    number: int
    marking: str | None
    section: str | None
    text: str
    level: int
    occurrence: int


@dataclass(frozen=True, slots=True)
class StoredCable:
    id: str
    datetime: str | None
    origin: str | None
    classification: str
    subject: str | None
    tags: tuple[str, ...]


class Store:
    """One SQLite file. Writers use :meth:`transaction`; readers may share the object."""

    def __init__(self, path: Path, readonly: bool = False) -> None:
        self.path = path
        try:
            uri = f"file:{path}?mode=ro" if readonly else f"file:{path}"
            self._db = sqlite3.connect(uri, uri=True, check_same_thread=False)
            # A connection's statement cache refers back to it: a cycle that only the cyclic GC
            # frees, maybe much later, so a dropped store would keep its file open (and the disk
            # space of a pruned generation) meanwhile. Close it as soon as the store is dropped.
            weakref.finalize(self, self._db.close)
            self._db.execute("PRAGMA foreign_keys = ON")
            if not readonly:
                self._db.executescript(_SCHEMA)
            self._db.execute("SELECT count(*) FROM cables").fetchone()
        except sqlite3.DatabaseError as error:
            raise IndexCorruptError(
                f"{path} is not a readable cableqa SQLite store ({error}); rebuild with 'cableqa ingest'"
            ) from error

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._db:
            yield self._db

    def delete_cables(self, ids: Sequence[str]) -> None:
        with self.transaction() as db:
            db.executemany("DELETE FROM cables WHERE id = ?", [(i,) for i in ids])

    def insert_cable(self, cable: Cable, first_pid: int) -> list[int]:
        """Store one cable (replacing any with its id), its paragraphs numbered ``first_pid`` on; their pids."""
        header = json.dumps(cable_to_dict(cable, paragraphs=False), ensure_ascii=False)
        with self.transaction() as db:
            db.execute("DELETE FROM cables WHERE id = ?", (cable.id,))
            db.execute(
                "INSERT INTO cables VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (cable.id, iso_utc(cable.datetime), cable.origin, cable.classification.value, cable.subject,
                 " ".join(cable.tags), header, cable.text),
            )
            pids = list(range(first_pid, first_pid + len(cable.paragraphs)))
            db.executemany(
                'INSERT INTO paragraphs (pid, cable_id, number, marking, section, text, start, "end", '
                "unnumbered, level, occurrence) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(pid, cable.id, p.number, p.marking, p.section, p.text, p.start, p.end, int(p.unnumbered),
                  p.classification(cable.classification).rank, p.occurrence)
                 for pid, p in zip(pids, cable.paragraphs, strict=True)],
            )
        return pids

    def copy_cables(self, source: Path, leave_out: Sequence[str]) -> None:
        """Copy every cable of the store at ``source`` but ``leave_out``, with its paragraphs and their pids."""
        self._db.execute("ATTACH DATABASE ? AS source", (f"file:{source}?mode=ro",))
        try:
            with self.transaction() as db:
                db.execute("CREATE TEMP TABLE IF NOT EXISTS left_out (id TEXT PRIMARY KEY)")
                db.execute("DELETE FROM temp.left_out")
                db.executemany("INSERT OR IGNORE INTO temp.left_out VALUES (?)", [(i,) for i in leave_out])
                db.execute("INSERT INTO cables SELECT * FROM source.cables WHERE id NOT IN temp.left_out")
                db.execute("INSERT INTO paragraphs SELECT * FROM source.paragraphs "
                           "WHERE cable_id NOT IN temp.left_out ORDER BY pid")
        finally:
            self._db.execute("DETACH DATABASE source")

    def index_for_loading(self) -> None:
        """Add the covering index a segment's load reads its cables through (built last, so its pages lie
        together). Without it the load reads every page of the cable rows, texts included: from a cold
        page cache a store of 20,000 cables took 2.0-3.4 s to list them, with it 0.2-0.3 s. A store
        written before it existed is read the slow way."""
        with self.transaction() as db:
            db.execute(_CABLE_FIELDS_INDEX)

    def cables(self) -> list[StoredCable]:
        rows = self._db.execute(CABLE_FIELDS_QUERY).fetchall()
        return [StoredCable(r[0], r[1], r[2], r[3], r[4], tuple(r[5].split())) for r in rows]

    def paragraphs(self) -> list[ParagraphRow]:
        rows = self._db.execute(
            "SELECT pid, cable_id, number, marking, section, text, level, occurrence FROM paragraphs ORDER BY pid"
        ).fetchall()
        return [ParagraphRow(*r) for r in rows]

    def paragraph_numbers(self) -> list[tuple[int, str, int, int, int]]:
        """(pid, cable id, number, level, occurrence) of every paragraph, by pid: what a loaded segment
        holds of them (texts stay here, read by :meth:`paragraph_fields` when a search shows them)."""
        return self._db.execute(
            "SELECT pid, cable_id, number, level, occurrence FROM paragraphs ORDER BY pid").fetchall()

    def paragraph_fields(self, pids: Sequence[int], column: str) -> dict[int, str | None]:
        """``column`` (text, marking or section) of the paragraphs ``pids``, by pid."""
        if column not in _PARAGRAPH_FIELDS:
            raise ValueError(f"not a paragraph field: {column!r}")
        found: dict[int, str | None] = {}
        for start in range(0, len(pids), _MAX_PARAMETERS):
            chunk = [int(pid) for pid in pids[start:start + _MAX_PARAMETERS]]
            found.update(self._db.execute(
                f"SELECT pid, {column} FROM paragraphs WHERE pid IN ({', '.join('?' * len(chunk))})", chunk))
        return found

    def cable_text(self, cable_id: str) -> str | None:
        row = self._db.execute("SELECT text FROM cables WHERE id = ?", (cable_id,)).fetchone()
        return None if row is None else str(row[0])

    def counts(self) -> tuple[int, int]:
        cables = self._db.execute("SELECT count(*) FROM cables").fetchone()[0]
        paragraphs = self._db.execute("SELECT count(*) FROM paragraphs").fetchone()[0]
        return int(cables), int(paragraphs)
