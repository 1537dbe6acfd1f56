"""Sentence spans of a paragraph, for highlights and best-sentence rescoring.

A rule-based splitter tuned to cable prose (``Amb.``, ``U.S.``, ``J. Thomas``, ``Ref A``,
quoted sentences). It costs a few microseconds a paragraph; a general splitter such as pysbd
costs about 5 ms, half of ingest's budget of 10 ms a paragraph (docs/performance.md).
"""

from __future__ import annotations

import re

__all__ = ["sentence_spans"]

_ABBREVIATIONS = frozenset(
    """
    mr mrs ms dr st amb gen lt col maj capt adm sgt gov sen rep pres dep asst sec min fm dfm pm no
    nos vol para paras ref refs ca cf al approx est inc corp co ltd jr sr dept govt univ jan feb
    mar apr jun jul aug sep sept oct nov dec mon tue wed thu fri sat sun vs etc i.e e.g
    """.split()
)
# A candidate boundary: terminal punctuation, optional closing quotes/brackets, then space.
_BOUNDARY = re.compile(r"""[.!?]+["'”’)\]]*(?=\s+)""")
_NEXT_START = re.compile(r"""\s+["'“‘(\[]*(?:[A-Z0-9]|--)""")
_WORD_BEFORE = re.compile(r"(\S+)$")


def _is_abbreviation(text: str, dot: int) -> bool:
    match = _WORD_BEFORE.search(text[max(0, dot - 40):dot])
    if match is None:
        return False
    word = match.group(1).lstrip("\"'“(").lower()
    if word in _ABBREVIATIONS:
        return True
    if len(word) == 1 and word.isalpha():
        return True  # an initial: "J. Thomas Schieffer", "Ref. A."
    return bool(re.fullmatch(r"(?:[a-z]\.)+[a-z]", word))  # U.S, U.K, a.m


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each sentence of ``text``; together they cover all non-space text."""
    spans: list[tuple[int, int]] = []
    start = len(text) - len(text.lstrip())
    for match in _BOUNDARY.finditer(text):
        end = match.end()
        if end <= start:
            continue
        last_dot = match.start() if text[match.start()] == "." else -1
        if last_dot >= 0 and match.end() - match.start() == 1 and _is_abbreviation(text, last_dot):
            continue
        if not _NEXT_START.match(text, end):
            continue
        spans.append((start, end))
        start = end + (len(text[end:]) - len(text[end:].lstrip()))
    tail = text[start:].rstrip()
    if tail:
        spans.append((start, start + len(tail)))
    return spans
