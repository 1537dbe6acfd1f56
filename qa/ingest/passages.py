"""What text stands for a paragraph in the dense and BM25 indexes.

Decided by the eval set (README, "What a paragraph is indexed as"; the numbers are in
docs/performance.md): the paragraph's own words carry the answer, but questions also name what
the cable is about, which often only its subject line and section heading say.
"""

from __future__ import annotations

from typing import Literal

from qa.cables.records import Cable, Paragraph

__all__ = ["PASSAGE_SCHEMES", "PassageScheme", "passage_text"]

PassageScheme = Literal["text", "context"]
PASSAGE_SCHEMES: tuple[PassageScheme, ...] = ("text", "context")


def passage_text(cable: Cable, paragraph: Paragraph, scheme: PassageScheme) -> str:
    """``text``: the paragraph alone. ``context``: subject and section heading, then the paragraph."""
    if scheme == "text":
        return paragraph.text
    parts = [cable.subject or "", paragraph.section or "", paragraph.text]
    return ". ".join(p.rstrip(". ") for p in parts if p)
