"""What a question gets back: ranked hits, each with a citation a reader can check."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from qa.cables.classification import Classification
from qa.cables.records import paragraph_label

__all__ = ["Answer", "Highlight", "Hit", "citation"]


def citation(cable_id: str, paragraph: int, occurrence: int = 1) -> str:
    """The citation of a paragraph as readers write it: ``08TOKYO1074 ¶3``; ``¶6 (2nd)`` for the second
    paragraph the cable prints as ``6.``."""
    return f"{cable_id} ¶{paragraph_label(paragraph, occurrence)}"


@dataclass(frozen=True, slots=True)
class Highlight:
    """The best-matching sentence(s) of a hit: ``text == hit.text[start:end]``."""

    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class Hit:
    rank: int
    cable_id: str
    paragraph: int
    score: float
    text: str
    highlight: Highlight
    classification: Classification
    marking: str | None = None
    section: str | None = None
    subject: str | None = None
    date: datetime | None = None
    origin: str | None = None
    occurrence: int = 1  # 2 for the second paragraph printed under the same number

    @property
    def citation(self) -> str:
        return citation(self.cable_id, self.paragraph, self.occurrence)


@dataclass(frozen=True, slots=True)
class Answer:
    """``answered`` is False when the best hit is too weak to trust; hits are still listed."""

    question: str
    mode: str
    answered: bool
    hits: tuple[Hit, ...]

    def seen_under(self, ceiling: Classification | None) -> Answer:
        """The answer as a reader under ``ceiling`` may see it.

        Searches already leave out paragraphs above the ceiling; a hit shown from a cable classified
        above it (an unclassified paragraph of a SECRET cable) also loses the cable's subject line,
        which carries the cable's own level. The HTTP API and the command line both answer through this.
        """
        if ceiling is None:
            return self
        hits = tuple(h if ceiling.allows(h.classification) else replace(h, subject=None) for h in self.hits)
        return replace(self, hits=hits)
