"""cableqa's core: cable parsing, ranking and cited answers."""

from __future__ import annotations

from qa.answer import Answer, Highlight, Hit, citation
from qa.classification import Classification
from qa.records import Cable, Paragraph, Recipient, Reference

__all__ = [
    "Answer",
    "Cable",
    "Classification",
    "Highlight",
    "Hit",
    "Paragraph",
    "Recipient",
    "Reference",
    "citation",
]
