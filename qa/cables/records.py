"""The parsed shape of a cable: frozen records, built by ``qa.cables.parse`` and read everywhere else."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from qa.cables.classification import Classification, parse_portion_mark

__all__ = ["Cable", "Paragraph", "Recipient", "Reference", "YearSource", "paragraph_label", "parse_paragraph_label"]

#: Where a reference's year comes from: ``"written"`` in its text (``07 TOKYO 2690``); ``"citing year"``,
#: the citing cable's year, for a text without one (``TOKYO 1002``: the cable convention for a cable of
#: the same year); ``"year before"``, for a text without one that names the citing post with a serial
#: above the citing cable's own, which that year cannot have reached yet (``BRASILIA 1666`` in 09BRASILIA28).
YearSource = Literal["written", "citing year", "year before"]


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def paragraph_label(number: int, occurrence: int = 1) -> str:
    """``6`` for the first paragraph printed ``6.``, ``6 (2nd)`` for the second, ``6 (3rd)`` ..."""
    return str(number) if occurrence == 1 else f"{number} ({_ordinal(occurrence)})"


_LABEL = re.compile(r"^\s*¶?\s*(?P<number>\d{1,4})\s*(?:\(\s*(?P<occurrence>\d{1,2})(?:st|nd|rd|th)\s*\))?\s*$")


def parse_paragraph_label(label: str) -> tuple[int, int] | None:
    """``"6 (2nd)"`` or ``"¶6"`` -> (number, occurrence); None when ``label`` is not one."""
    match = _LABEL.match(label)
    if match is None:
        return None
    return int(match.group("number")), int(match.group("occurrence") or 1)


@dataclass(frozen=True, slots=True)
class Recipient:
    """One ``TO`` or ``INFO`` line: ``RUEHBJ/AMEMBASSY BEIJING PRIORITY 2892``."""

    name: str
    routing_indicator: str | None = None
    precedence: str | None = None
    serial: str | None = None


@dataclass(frozen=True, slots=True)
class Reference:
    """One cable (or other document) a ``REF`` line names: its item's letter (``A``), the text as
    written and its canonical id; ``year_source`` says where the id's year comes from (None: no id).

    An item naming several cables (``Berlin 1337, Berlin 1340``, ``TRIPOLI 33, 53``) gives one
    Reference each, all with the item's letter.
    """

    letter: str | None
    text: str
    cable_id: str | None
    year_source: YearSource | None = None


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A body paragraph. ``start``/``end`` index the cable's original text.

    ``occurrence`` tells apart paragraphs the source prints under the same number: the
    first ``6.`` is ``¶6``, a second ``6.`` later in the cable is ``¶6 (2nd)`` (occurrence 2).
    """

    number: int
    text: str
    start: int
    end: int
    marking: str | None = None
    section: str | None = None
    unnumbered: bool = False
    occurrence: int = 1

    @property
    def label(self) -> str:
        """How a citation names the paragraph: ``6``, or ``6 (2nd)`` for the second ``6.``."""
        return paragraph_label(self.number, self.occurrence)

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
