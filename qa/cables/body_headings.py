"""Which body blocks are headings, and the section name a heading gives. Pure functions."""

from __future__ import annotations

import re

from qa.cables.body_labels import LEADING_MARK
from qa.cables.body_lines import BodyLine
from qa.cables.repair import normalise_whitespace, repair_text

__all__ = ["is_heading", "section_name"]

_LIST_ITEM = re.compile(r"^\s*(?:[A-Za-z]\s?[.)]|\(\w{1,3}\)|-+|\*|\d{1,2}\))\s")
# Lines that look like headings but are not: the close of quoted text ("END TEXT.", "End talking
# points") belongs to the paragraph above; header remnants ("1.4 (B) AND (D).", "REF: NONE") to the header.
_NOT_HEADING = re.compile(r"^\W*(?:END\b|REF\s*:|REFS?\s*:|1\.[45]\s*\(?[A-Ha-h]\b|Classified\s+by\b)", re.IGNORECASE)


def is_heading(block: list[BodyLine], next_is_para: bool, prev_complete: bool) -> bool:
    if _NOT_HEADING.match(block[0].text):
        return False
    if len(block) == 1 and block[0].heading:
        return True
    if len(block) > 2 or not next_is_para or not prev_complete:
        return False
    text = normalise_whitespace(" ".join(line.text for line in block))
    if len(text) > 90 or _LIST_ITEM.match(text):
        return False
    return not text.endswith((".", ",", ";")) or (text.isupper() and len(text) < 40)


_HEADING_RULE = re.compile(r"^[-=\s]+(?=\w)|[-=:\s]+$")


def section_name(heading: str) -> str:
    """``SUMMARY -------`` (a reflowed underline) and ``- - - - Summary - - - -`` -> the words."""
    name = _HEADING_RULE.sub("", normalise_whitespace(heading))
    return repair_text(LEADING_MARK.sub("", name) or name)  # "(C) SUMMARY": the heading's own mark
