"""Paragraph citations as readers write them (``08TOKYO1074 ¶3``): checked and split.

A citation is a cable id (year digits, then the origin and serial in capitals and digits),
one space, a pilcrow and a paragraph number: from 1, or 0 for the unnumbered text some
cables carry before their first numbered paragraph (the parser keeps it citable). Question files, qrels and runs all key
paragraphs by this string; ``parse_citation`` is the one place that says what is well formed.
"""

from __future__ import annotations

import re

from qa.errors import InvalidQueryError

__all__ = ["CITATION_PATTERN", "parse_citation"]

CITATION_PATTERN = re.compile(r"(?P<cable>[0-9]{2,4}[A-Z][A-Z0-9]*) ¶(?P<number>0|[1-9][0-9]*)")


def parse_citation(text: str) -> tuple[str, int]:
    """Split ``"08TOKYO1074 ¶3"`` into ``("08TOKYO1074", 3)``.

    Raises ``InvalidQueryError`` (field ``citation``) for anything else, such as a missing
    pilcrow, a leading zero (``¶03``) or a lower-case cable id.
    """
    match = CITATION_PATTERN.fullmatch(text)
    if match is None:
        raise InvalidQueryError(
            "citation",
            f"malformed citation {text!r}: expected a cable id, a space, ¶ and a "
            "paragraph number, like '08TOKYO1074 ¶3'",
        )
    return match["cable"], int(match["number"])
