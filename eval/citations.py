"""Paragraph citations as readers write them (``08TOKYO1074 ¶3``): checked and split.

A citation is a cable id (year digits, then the origin and serial in capitals and digits),
one space, a pilcrow and a paragraph number: from 1, or 0 for the unnumbered text some
cables carry before their first numbered paragraph (the parser keeps it citable). A cable
that prints a number twice has its second paragraph cited ``¶6 (2nd)`` (``qa`` writes the label;
:func:`qa.cables.records.paragraph_label`). Question files, qrels and runs all key paragraphs by
this string; ``parse_cited_paragraph`` is the one place that says what is well formed.
"""

from __future__ import annotations

import re

from qa.cables.records import paragraph_label
from qa.errors import InvalidQueryError

__all__ = ["CITATION_PATTERN", "parse_citation", "parse_cited_paragraph"]

CITATION_PATTERN = re.compile(r"(?P<cable>[0-9]{2,4}[A-Z][A-Z0-9]*) ¶(?P<number>0|[1-9][0-9]*)"
                              r"(?: \((?P<occurrence>[1-9][0-9]?)(?:st|nd|rd|th)\))?")


def parse_cited_paragraph(text: str) -> tuple[str, int, int]:
    """Split ``"08TOKYO1074 ¶3"`` into ``("08TOKYO1074", 3, 1)`` and ``"06CARACAS958 ¶6 (2nd)"`` into
    ``("06CARACAS958", 6, 2)``.

    Raises ``InvalidQueryError`` (field ``citation``) for anything else, such as a missing
    pilcrow, a leading zero (``¶03``), a lower-case cable id or a label ``qa`` would not write
    (``¶6 (1st)``, ``¶6 (2th)``).
    """
    match = CITATION_PATTERN.fullmatch(text)
    number = int(match["number"]) if match else 0
    occurrence = int(match["occurrence"] or 1) if match else 1
    if match is None or text != f"{match['cable']} ¶{paragraph_label(number, occurrence)}":
        raise InvalidQueryError(
            "citation",
            f"malformed citation {text!r}: expected a cable id, a space, ¶ and a paragraph number, like "
            "'08TOKYO1074 ¶3' (or '06CARACAS958 ¶6 (2nd)' for a number the cable prints twice)",
        )
    return match["cable"], number, occurrence


def parse_citation(text: str) -> tuple[str, int]:
    """The cable id and paragraph number of a well-formed citation (:func:`parse_cited_paragraph`)."""
    cable_id, number, _ = parse_cited_paragraph(text)
    return cable_id, number
