"""Pure splitting of a cable body into numbered, citable paragraphs.

The body is read line by line with offsets into the original text (:mod:`qa.cables.body_lines`).
Page-break lines, banner footers and SIPDIS markers are noise: they never reach a paragraph's
text, and a paragraph continues across them and across blank lines when its sentence does.
Numbering follows the cable's own labels (:mod:`qa.cables.body_labels`), which also repairs the
pilcrow artefacts of copies in the wild (``¶3.``, ``[1](#)3.`` and a stray ``13.``); headings
name the section of the paragraphs under them (:mod:`qa.cables.body_headings`) and the signer's name
is taken off the last line (:mod:`qa.cables.body_signers`).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace

from qa.cables.body_headings import is_heading, section_name
from qa.cables.body_labels import (
    LEADING_MARK,
    PARA_START,
    REDACTION,
    TERMINAL,
    Label,
    looks_numbered,
    mark_of,
    normalise_mark,
    number_labels,
    read_label,
)
from qa.cables.body_lines import BodyLine, furniture_lines, read_lines, split_run_together
from qa.cables.body_signers import split_signer
from qa.cables.records import Paragraph
from qa.cables.repair import normalise_whitespace, repair_text

__all__ = ["BodyParts", "furniture_lines", "split_body"]


@dataclass(frozen=True, slots=True)
class BodyParts:
    paragraphs: tuple[Paragraph, ...]
    signer: str | None
    numbered: bool
    renumbered: tuple[int, ...]  # paragraphs whose printed number was a pilcrow artefact


def _blocks(lines: list[BodyLine | None]) -> list[list[BodyLine]]:
    """Runs of lines between blank lines, split again before every numbered-paragraph line."""
    blocks: list[list[BodyLine]] = []
    current: list[BodyLine] = []
    for line in lines:
        if line is not None and line.heading:
            if current:
                blocks.append(current)
            blocks.append([line])
            current = []
            continue
        if line is None or (current and PARA_START.match(line.text) and looks_numbered(line.text)):
            if current:
                blocks.append(current)
            current = [] if line is None else [line]
            continue
        current.append(line)
    if current:
        blocks.append(current)
    return blocks


def _labels(blocks: list[list[BodyLine]], text: str) -> list[Label | None]:
    """Each block's label (None: the block opens with no label)."""
    out: list[Label | None] = []
    for i, block in enumerate(blocks):
        first = block[0]
        gap = text[blocks[i - 1][-1].end:first.start] if i else "\n\n"
        after_blank = gap.count("\n") >= 2 or (i > 0 and bool(REDACTION.match(blocks[i - 1][-1].text)))
        out.append(read_label(first.text, len(block), after_blank))
    return out


def _paragraph(lines: list[BodyLine], number: int, mark: str | None, section: str | None,
               skip: int, unnumbered: bool) -> Paragraph:
    text = " ".join([lines[0].text[skip:], *(line.text for line in lines[1:])])
    return Paragraph(
        number=number,
        text=repair_text(normalise_whitespace(text)),
        start=lines[0].start,
        end=lines[-1].end,
        marking=normalise_mark(mark) if mark else None,
        section=section,
        unnumbered=unnumbered,
    )


@dataclass(frozen=True, slots=True)
class _Head:
    """The label that opened the paragraph being read, and the section it sits under."""

    number: int
    label: re.Match[str]
    section: str | None


@dataclass(slots=True)
class _Assembly:
    """Paragraphs read so far from a numbered body, and the one being read (private to split_body)."""

    paragraphs: list[Paragraph] = field(default_factory=list)
    preamble: list[BodyLine] = field(default_factory=list)  # text before the first paragraph
    current: list[BodyLine] = field(default_factory=list)
    head: _Head | None = None
    section: str | None = None
    reopen: tuple[list[BodyLine], _Head] | None = None  # the paragraph a heading closed
    heading_lines: list[BodyLine] = field(default_factory=list)  # the heading just read

    def close_paragraph(self) -> None:
        if self.head is not None and self.current:
            head = self.head
            self.paragraphs.append(_paragraph(self.current, head.number, mark_of(head.label), head.section,
                                              head.label.end(), unnumbered=False))

    def open_paragraph(self, block: list[BodyLine], number: int, label: re.Match[str]) -> None:
        self.close_paragraph()
        self.current, self.head, self.reopen = list(block), _Head(number, label, self.section), None

    def text_complete(self) -> bool:
        """Whether the text read last ends a sentence (a heading may follow only then)."""
        before = self.current or self.preamble
        return not before or bool(TERMINAL.search(before[-1].text))

    def add_heading(self, block: list[BodyLine], under_heading: bool) -> None:
        """A heading closes the paragraph above and names the section of those below.

        A heading written on two underlined lines ("A FIFTY PERCENT CHANCE OF BEING FRANCE'S" /
        "NEXT PRESIDENT"), ``under_heading``, is one section.
        """
        self.close_paragraph()
        if self.head is not None and self.current:
            self.reopen = (self.current, self.head)
        self.current, self.head = [], None
        name = section_name(" ".join(line.text for line in block))
        self.section = " ".join(filter(None, [self.section, name])) if under_heading else name
        self.heading_lines = list(block)

    def reopen_above(self) -> None:
        """Text under a heading with no label of its own (a bullet list, a participants list)
        continues the paragraph above the heading, the heading's words with it so none is lost:
        the preamble is only what comes before the first paragraph."""
        if self.reopen is None:
            return
        self.paragraphs.pop()
        (self.current, self.head), self.reopen = self.reopen, None
        self.current.extend(self.heading_lines)

    def add_text(self, block: list[BodyLine]) -> None:
        if self.head is None:
            self.reopen_above()
        (self.current if self.head is not None else self.preamble).extend(block)

    def finish(self) -> list[Paragraph]:
        if self.head is None:
            self.reopen_above()  # a heading with nothing under it ends the body (a website line): it is text
        self.close_paragraph()
        if self.preamble:
            first = self.paragraphs[0].number if self.paragraphs else 1
            self.paragraphs.insert(0, _preamble_paragraph(self.preamble, first))
        return self.paragraphs


def _is_bare_label(block: list[BodyLine], label: re.Match[str] | None) -> bool:
    """A label with nothing under it ("11." between two paragraphs): a list artefact, left out."""
    return label is not None and len(block) == 1 and not block[0].text[label.end():].strip()


def _assemble(blocks: list[list[BodyLine]], numbers: list[int | None]) -> list[Paragraph]:
    """Paragraphs of a numbered body: each label block opens one, headings set the section."""
    starts = [PARA_START.match(b[0].text) if looks_numbered(b[0].text) else None for b in blocks]
    body = _Assembly()
    for i, block in enumerate(blocks):
        number, label = numbers[i], starts[i]
        if number is not None and label is not None:
            body.open_paragraph(block, number, label)
        elif _is_bare_label(block, label):
            continue
        elif is_heading(block, i + 1 < len(blocks) and numbers[i + 1] is not None, body.text_complete()):
            body.add_heading(block, bool(body.heading_lines) and i > 0 and blocks[i - 1] == body.heading_lines)
        else:
            body.add_text(block)
    return body.finish()


def split_body(text: str, body_start: int) -> BodyParts:
    """Paragraphs of ``text[body_start:]``, each with its span in ``text``."""
    blocks, signer = split_signer(_blocks(split_run_together(read_lines(text, body_start))))
    numbers, renumbered = number_labels(_labels(blocks, text))
    if not any(n is not None for n in numbers):
        return BodyParts(_unnumbered(blocks), signer, numbered=False, renumbered=())
    return BodyParts(_with_occurrences(_assemble(blocks, numbers)), signer, numbered=True,
                     renumbered=tuple(renumbered))


def _with_occurrences(paragraphs: list[Paragraph]) -> tuple[Paragraph, ...]:
    """Each paragraph told apart from earlier ones printed under the same number (``¶6 (2nd)``)."""
    seen: Counter[int] = Counter()
    out = []
    for p in paragraphs:
        seen[p.number] += 1
        out.append(p if seen[p.number] == 1 else replace(p, occurrence=seen[p.number]))
    return tuple(out)


def _preamble_paragraph(lines: list[BodyLine], first_number: int) -> Paragraph:
    """Text before the first numbered paragraph.

    When the numbering starts at 2 and this text carries a portion mark, it is
    paragraph 1 whose label was lost; otherwise it is kept as paragraph 0, flagged
    unnumbered, so that no body text goes unread or uncited.
    """
    mark = LEADING_MARK.match(lines[0].text)
    if first_number == 2:
        return _paragraph(lines, 1, mark.group("mark") if mark else None, None,
                          mark.end() if mark else 0, unnumbered=False)
    return _paragraph(lines, 0, mark.group("mark") if mark else None, None,
                      mark.end() if mark else 0, unnumbered=True)


def _unnumbered(blocks: list[list[BodyLine]]) -> tuple[Paragraph, ...]:
    """Blocks of a cable with no numbered paragraphs, numbered in order and flagged."""
    paragraphs: list[Paragraph] = []
    section: str | None = None
    after_heading = False
    for i, block in enumerate(blocks):
        has_next = i + 1 < len(blocks)
        prev = paragraphs[-1].text if paragraphs else ""
        if is_heading(block, has_next, not prev or bool(TERMINAL.search(prev))) and len(block) == 1:
            name = section_name(block[0].text)
            # "TV News (NTV)" then "Domestic": a heading and its sub-heading make one section
            section = " ".join(filter(None, [section, name])) if after_heading else name
            after_heading = True
            continue
        after_heading = False
        mark = LEADING_MARK.match(block[0].text)  # "(SBU) On January 5, ..." keeps its level
        paragraphs.append(_paragraph(block, len(paragraphs) + 1, mark.group("mark") if mark else None, section,
                                     mark.end() if mark else 0, unnumbered=True))
    return tuple(paragraphs)
