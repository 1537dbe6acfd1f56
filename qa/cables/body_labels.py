"""Paragraph labels of a cable body and the numbers they stand for. Pure functions.

A *label* is a block's first line starting with a paragraph number (``3.``, ``¶3.``, ``3) (SBU)``,
``(C) 3.``). :func:`read_label` reads one; :func:`number_labels` decides, from the whole sequence,
which labels open paragraphs and under which number (docs/parsing.md, "Where a paragraph starts").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.cables.classification import parse_portion_mark
from qa.cables.repair import normalise_whitespace

__all__ = [
    "LEADING_MARK",
    "PARA_START",
    "REDACTION",
    "TERMINAL",
    "Label",
    "contents_entries",
    "looks_numbered",
    "mark_of",
    "normalise_mark",
    "number_labels",
    "read_label",
]

_MARK_GROUP = (r"\([ \t]?(?P<{}>[A-Za-z]{{1,4}}(?:[ \t]*/{{1,2}}[ \t]*[A-Za-z][A-Za-z ,]{{0,24}}|[ \t]+[A-Z]{{2,5}})?)"
               r"[ \t]?\)")


# A paragraph label: "3.", "¶3.", "[3](#)3.", "3, (C)", "3) (SBU)" and "(C) 3." (mark before number);
# "1. 1. Summary" (a list number the release put before the cable's own label) reads as its second number.
PARA_START = re.compile(
    r"^[ \t]*(?P<pil>¶[ \t]*|\[\d+\]\(#\)[ \t]*)?(?:" + _MARK_GROUP.format("pre") + r"[ \t]*)?"
    r"(?:\d{1,3}\.[ \t]+(?=\d{1,3}\.[ \t]))?"
    r"(?P<num>\d{1,3})(?P<style>[ \t]?\.{1,2}(?!\d)|,|\)|(?=[ \t]+\([A-Z]))[ \t]*"
    r"(?:" + _MARK_GROUP.format("mark") + r"[ \t]*)?"
)
# A line that ends a sentence or a clause: a label line without one is a contents entry, a heading may follow it.
TERMINAL = re.compile(r"""[.!?:;"'”)\]]\s*$""")
# A redaction line: the paragraph under it may skip numbers.
REDACTION = re.compile(r"^X{4,}[ \t]*$")
# A portion mark opening unlabelled text: "(SBU) On January 5, ...".
LEADING_MARK = re.compile(r"^\((?P<mark>[A-Za-z]{1,4}(?:/{1,2}[A-Za-z ]{1,20})?)\)\s*")


def looks_numbered(text: str) -> bool:
    match = PARA_START.match(text)
    if match is None:
        return False
    after = text[match.end():match.end() + 1]
    return bool(mark_of(match)) or after == "" or after.isupper() or after in "\"“'(-x["


def mark_of(match: re.Match[str]) -> str | None:
    """The label's portion mark when it names a level: ``(C)`` yes, ``(Iran)`` or ``(U.S.)`` no."""
    mark = match.group("mark") or match.group("pre")
    return mark if mark and parse_portion_mark(mark.split()[0]) is not None else None


def normalise_mark(mark: str) -> str:
    """``s//nf`` -> ``S//NF``; ``C / NF`` -> ``C/NF``."""
    return re.sub(r"\s*(/{1,2})\s*", r"\1", normalise_whitespace(mark).upper())


@dataclass(frozen=True, slots=True)
class Label:
    printed: int
    mark: str | None
    paren: bool  # written "3)" rather than "3."
    after_blank: bool  # the line follows a blank line or a redaction (or starts the body)
    line_alone: bool  # a one-line block of at most 80 characters without a full stop: a contents entry
    empty: bool  # nothing follows the label


def read_label(text: str, lines_in_block: int, after_blank: bool) -> Label | None:
    """The label opening a block whose first line is ``text``; None when the line is no label."""
    match = PARA_START.match(text) if looks_numbered(text) else None
    if match is None:
        return None
    line_alone = lines_in_block == 1 and len(text) <= 80 and not TERMINAL.search(text)
    empty = lines_in_block == 1 and not text[match.end():].strip()
    return Label(int(match.group("num")), mark_of(match), match.group("style") == ")", after_blank, line_alone, empty)


def contents_entries(labels: list[Label | None]) -> set[int]:
    """Blocks of a table of contents: two or more adjacent one-line labels with no blank line between."""
    entries: set[int] = set()
    for i in range(len(labels) - 1):
        a, b = labels[i], labels[i + 1]
        if a is not None and b is not None and a.line_alone and b.line_alone and not b.after_blank \
                and b.printed == a.printed + 1:
            entries.update((i, i + 1))
    return entries


def number_labels(labels: list[Label | None]) -> tuple[list[int | None], list[int]]:
    """The paragraph number each label block stands for (None: not a paragraph), and the repairs.

    A label with a portion mark is the cable's own: it opens a paragraph under its printed
    number, whether that number skips ahead (a redacted paragraph) or repeats or goes back
    (the source's own order); only a stray pilcrow ``1`` before the number expected next is
    read away. ``N)`` labels are paragraphs only in a cable whose first marked label is one;
    else they are a quoted list. An unmarked label in a cable that marks its labels opens a
    paragraph only as the number expected next, and never inside a list that restarted at a
    lower number. In a cable with no marks an unmarked label may skip ahead only at the start
    of a block. A table of contents never opens paragraphs.
    """
    first_marked = next((lb for lb in labels if lb is not None and lb.mark), None)
    paren_style = first_marked is not None and first_marked.paren
    contents = contents_entries(labels)
    numbers: list[int | None] = [None] * len(labels)
    renumbered: list[int] = []
    expected, in_list = 1, False
    used: set[int] = set()
    for i, label in enumerate(labels):
        if label is None or (label.paren and not paren_style) or i in contents:
            continue
        if label.empty and (i + 1 == len(labels) or labels[i + 1] is not None):
            continue  # "1. (C)" run onto the Classified By line and printed again below; "11." alone
        if label.mark:
            in_list = False
        elif first_marked is not None and label.printed < expected:
            in_list = True  # a quoted list restarting its own count
        number = _number_of(label, expected, first_marked is not None, in_list, used)
        if number is None:
            continue
        if number != label.printed:
            renumbered.append(number)
        numbers[i] = number
        used.add(number)
        expected = number + 1
    return numbers, renumbered


def _number_of(label: Label, expected: int, marks_used: bool, in_list: bool, used: set[int]) -> int | None:
    """The number ``label`` opens a paragraph under when ``expected`` comes next; None: no paragraph."""
    printed = label.printed
    digits = str(printed)
    stray_one = len(digits) > 1 and digits[0] == "1" and int(digits[1:]) == expected
    if label.mark:
        return expected if printed != expected and stray_one else printed
    if marks_used:
        return printed if printed == expected and not in_list else None
    if printed == expected:
        return printed
    if stray_one:
        return expected
    if printed > expected and (label.after_blank or printed <= expected + 2):
        return printed  # a gap in an unmarked cable's numbering, at a block start
    if printed < expected and printed not in used and label.after_blank:
        return printed  # the source's own order: 4, 6, 5
    return None
