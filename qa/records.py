"""The parsed shape of a cable: frozen records, built by ``qa.parse`` and read everywhere else."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from qa.classification import Classification, parse_portion_mark

__all__ = ["Cable", "Paragraph", "Recipient", "Reference"]


@dataclass(frozen=True, slots=True)
class Recipient:
    """One ``TO`` or ``INFO`` line: ``RUEHBJ/AMEMBASSY BEIJING PRIORITY 2892``."""

    name: str
    routing_indicator: str | None = None
    precedence: str | None = None
    serial: str | None = None


@dataclass(frozen=True, slots=True)
class Reference:
    """One ``REF`` item: its letter (``A``), the text as written and its canonical id."""

    letter: str | None
    text: str
    cable_id: str | None


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A body paragraph. ``start``/``end`` index the cable's original text."""

    number: int
    text: str
    start: int
    end: int
    marking: str | None = None
    section: str | None = None
    unnumbered: bool = False

    def classification(self, cable_level: Classification) -> Classification:
        """The paragraph's own level from its portion mark, else the cable's."""
        if self.marking:
            level = parse_portion_mark(self.marking)
            if level is not None:
                return level
        return cable_level


@dataclass(frozen=True, slots=True)
class Cable:
    """One parsed cable. ``partial`` marks a cable whose text is cut off or lacks a body."""

    id: str
    classification: Classification
    paragraphs: tuple[Paragraph, ...]
    text: str = field(repr=False)
    transmission_id: str | None = None
    datetime: datetime | None = None
    precedence: str | None = None
    origin: str | None = None
    to: tuple[Recipient, ...] = ()
    info: tuple[Recipient, ...] = ()
    caveats: tuple[str, ...] = ()
    section: tuple[int, int] | None = None
    sipdis: bool = False
    eo: str | None = None
    declassify_on: date | None = None
    declassify_text: str | None = None
    tags: tuple[str, ...] = ()
    subject: str | None = None
    references: tuple[Reference, ...] = ()
    classified_by: str | None = None
    reasons: str | None = None
    signer: str | None = None
    summary_paragraphs: tuple[int, ...] = ()
    comment_paragraphs: tuple[int, ...] = ()
    partial: bool = False
    problems: tuple[str, ...] = ()
