"""Pure splitting of a cable body into numbered, citable paragraphs.

The body is read line by line with offsets into the original text. Page-break
lines, banner footers and SIPDIS markers are noise: they never reach a paragraph's
text, and a paragraph continues across them and across blank lines when its
sentence does. Numbering follows the cable's own sequence, which also repairs the
pilcrow artefacts of copies in the wild (``¶3.``, ``[1](#)3.`` and a stray ``13.``).
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from dataclasses import dataclass, replace

from qa.cables.classification import parse_portion_mark
from qa.cables.header import LEVEL_PATTERN
from qa.cables.records import Paragraph
from qa.cables.repair import normalise_whitespace, repair_text

__all__ = ["BodyParts", "furniture_lines", "split_body"]

_MARK_GROUP = (r"\([ \t]?(?P<{}>[A-Za-z]{{1,4}}(?:[ \t]*/{{1,2}}[ \t]*[A-Za-z][A-Za-z ,]{{0,24}}|[ \t]+[A-Z]{{2,5}})?)"
               r"[ \t]?\)")
# A paragraph label: "3.", "¶3.", "[3](#)3.", "3, (C)", "3) (SBU)" and "(C) 3." (mark before number);
# "1. 1. Summary" (a list number the release put before the cable's own label) reads as its second number.
_PARA_START = re.compile(
    r"^[ \t]*(?P<pil>¶[ \t]*|\[\d+\]\(#\)[ \t]*)?(?:" + _MARK_GROUP.format("pre") + r"[ \t]*)?"
    r"(?:\d{1,3}\.[ \t]+(?=\d{1,3}\.[ \t]))?"
    r"(?P<num>\d{1,3})(?P<style>[ \t]?\.{1,2}(?!\d)|,|\)|(?=[ \t]+\([A-Z]))[ \t]*"
    r"(?:" + _MARK_GROUP.format("mark") + r"[ \t]*)?"
)
# Whole lines that are page furniture, never text.
_NOISE_LINE = re.compile(
    r"^[ \t]*(?:"
    r"[A-Z][A-Z ]{1,30}\s\d{6,8}\s+\d{3}(?:\.\d)?\s+OF\s+\d{3}"  # TOKYO 00001074 002 OF 003
    r"|PAGE\s+\d+(?:\s+[A-Z .]+?\s+\d+(?:\s+\d+\s+OF\s+\d+)?(?:\s+\d{6}Z)?)?"  # PAGE 02 HARARE ...
    rf"|(?:{LEVEL_PATTERN})(?:\s*/{{1,2}}\s*NOFORN|\s+NOFORN|\s+SENSITIVE)?(?:\s+PTQ\d+)?"
    r"|SIPDIS|BT|NNNN|_{3,}|\*+|[<>]+"
    r"|This record is a partial extract of the original cable\..*"
    r"|SELECT \* FROM `cable` .*"  # a database query the publisher's page left in
    r"|Track impresi[oó]n: .*|ID:\s*\d+"  # a newspaper's print watermark (09SAOPAULO487)
    r")[ \t]*$",
    re.IGNORECASE,
)
# Page furniture run into a text line by old teletype extracts:
#   "... ESSENTIALLY, A  CONFIDENTIAL\nPAGE 04 HARARE 06677 01 OF 03 291400Z COALITION ..."
_INLINE_PAGE = re.compile(
    r"^[ \t]*(?:PAGE\s+\d+\s+[A-Z .]+?\s+\d+\s+(?:\d+\s+OF\s+\d+\s+)?\d{6}Z"
    r"|[A-Z][A-Z ]{1,30}\s\d{6,8}\s+\d{3}(?:\.\d)?\s+OF\s+\d{3})\s+"
)
# Page markers the reflowed layout ran into the middle of a line:
#   "... changing BRASILIA 00001378 003.2 OF 003 the current ..."   "PAGE 03 RUEHFRA0170 S E C R E T"
_MIDLINE_PAGE = re.compile(
    r"\b[A-Z]{3,10}[ \t]+\d{8}[ \t]+\d{3}(?:\.\d)?[ \t]+OF[ \t]+\d{3}\b"
    rf"|\bPAGE\s\d{{2}}\s(?:RUEH|RUE|RH)[A-Z]*\d+(?:\s+(?:{LEVEL_PATTERN})(?:\s+[A-Z]+\s+\d{{6}})?)?"
)
# A later section of a multi-section teletype cable repeats its routing lines: from
# "ACTION ...", the date-time group or "FM ..." to the section's own banner, and the
# E.O. / TAGS / SUBJECT lines under it, all of it is furniture. Only a block that
# reaches a section banner counts: body text starts lines with "FM Amorim said" too.
_ROUTING_START = re.compile(
    r"^[ \t]*(?:PAGE\s+\d+\s.*?\d{6}Z\s+)?"
    r"(?:ACTION\s+[A-Z]+-\d\d|FM\s+[A-Z]|[ZOPR]{1,2}\s+\d{6}Z\s+[A-Z]{3}\s+\d{2,4}[ \t]*$)"
)
_SECTION_BANNER = re.compile(rf"^[ \t]*(?:{LEVEL_PATTERN}).*\bSECTION\s+\d+\s+OF\s+\d+", re.IGNORECASE)
_REPEATED_FIELD = re.compile(r"^[ \t]*(?:E\.?\s?O\.?\s*\d{5}|TAGS\b|SUBJ(?:ECT)?\b)", re.IGNORECASE)
_PAGE_LINE = re.compile(r"^[ \t]*PAGE\s+\d+\s")
_ROUTING_REACH = 40  # lines from a routing block's start to its section banner
_FIELDS_REACH = 12  # lines from the section banner to the last repeated header field
# Starts only where a run of whitespace starts: a bare ``\s+`` retried inside a long run of
# blanks makes the search quadratic (a 5 MB upload ending in spaces would pin a core for hours).
_TRAILING_BANNER = re.compile(
    rf"(?<!\s)\s+(?:{LEVEL_PATTERN})[ \t]*$", re.IGNORECASE
)
# A row of dashes or equals signs, however broken: "-----", "------ --", "- - - -" (three at least), "- -".
_UNDERLINE = re.compile(r"^(?=(?:[ \t]*-){3}|(?:[ \t]*=){3}|[ \t]*-[ \t]+-[ \t]*$)[-= \t]+$")
# A header line left below the header: the tail of a Classified By's reasons ("1.4(C).",
# "1.4 (B) AND (D).") or an empty "REF: NONE".
_HEADER_REMNANT = re.compile(
    r"^[ \t]*(?:REFS?[ \t]*:[ \t]*NONE|\(?1\.[45][ \t]*\(?[A-Ha-h]\)?"
    r"(?:[ \t]*(?:,|/|&|and|AND)?[ \t]*\(?[A-Ha-h]\)?)*\.?\)?)[ \t]*$"
)
_SENTENCE_END = re.compile(r"""[.!?;"”)]\s*$""")
_LEADING_SIPDIS = re.compile(r"^[ \t]*SIPDIS\s+")
_TERMINAL = re.compile(r"""[.!?:;"'”)\]]\s*$""")
_LIST_ITEM = re.compile(r"^\s*(?:[A-Za-z]\s?[.)]|\(\w{1,3}\)|-+|\*|\d{1,2}\))\s")
_SIGNER = re.compile(r"^[ \t]*([A-Z][A-Z'\-]{2,}(?:[ \t]+[A-Z][A-Z'\-]+){0,2})[ \t]*$")
_INLINE_SIGNER = re.compile(r"""(?<=[.!?"”)])\s+([A-Z][A-Z'\-]{2,})\s*$""")
_NOT_SIGNERS = {"END", "SUMMARY", "COMMENT", "NOTE", "BT", "SIPDIS", "NNNN", "UNQTE", "NOFORN"}
# A signer written in mixed case, alone on the last line or after the last sentence: "Beyrle", "LeBaron".
_MIXED_SIGNER = re.compile(r"^[ \t]*((?:Mc|Mac|Le|De|Di|La)?[A-Z][a-z]+(?:-[A-Z][a-z]+)?)[ \t]*$")
_INLINE_MIXED_SIGNER = re.compile(r"""(?<=[.!?"”)])\s+((?:Mc|Mac|Le|De|Di|La)?[A-Z][a-z]+(?:-[A-Z][a-z]+)?)\s*$""")
_NOT_MIXED_SIGNERS = {"End", "Ends", "Comment", "Summary", "Note", "Text", "Unquote", "Thanks", "Regards",
                      "Minimize", "Sipdis", "Noforn", "Signed", "Classified"}


@dataclass(frozen=True, slots=True)
class _Line:
    start: int  # offset of the first kept character in the original text
    end: int  # offset after the last kept character
    text: str  # the kept characters (noise removed), not yet repaired
    heading: bool = False  # underlined by a row of dashes
    where: tuple[int, ...] = ()  # each text character's offset, where a cut page marker shifted them

    def offset(self, i: int) -> int:
        """The original offset of ``text[i]`` (``len(text)`` gives ``end``)."""
        if i >= len(self.text):
            return self.end
        return self.where[i] if self.where else self.start + i

    def part(self, a: int, b: int) -> _Line:
        """The line's characters ``a:b`` with their own span."""
        return _Line(self.offset(a), self.offset(b - 1) + 1, self.text[a:b], self.heading,
                     self.where[a:b] if self.where else ())


@dataclass(frozen=True, slots=True)
class BodyParts:
    paragraphs: tuple[Paragraph, ...]
    signer: str | None
    numbered: bool
    renumbered: tuple[int, ...]  # paragraphs whose printed number was a pilcrow artefact


def _repeated_header_end(raws: list[str], first: int) -> int | None:
    """The last line of a section's repeated routing and header block starting at ``first``.

    None when no section banner follows: then the line is body text after all.
    """
    banner = next((j for j in range(first, min(first + _ROUTING_REACH, len(raws)))
                   if _SECTION_BANNER.match(raws[j])), None)
    if banner is None:
        return None
    last = banner
    for k in range(banner + 1, min(banner + 1 + _FIELDS_REACH, len(raws))):
        if _looks_numbered(raws[k].strip()):
            break
        if _REPEATED_FIELD.match(raws[k]):
            last = k
    if last > banner and raws[last].lstrip().upper().startswith("SUBJ"):
        while last + 1 < len(raws) and raws[last + 1].strip() and not _looks_numbered(raws[last + 1].strip()):
            last += 1  # the subject's continuation lines
    if last + 1 < len(raws) and _PAGE_LINE.match(raws[last + 1]):
        last += 1  # a page line right under the fields carries the subject's tail
    return last


def furniture_lines(text: str, start: int) -> list[tuple[int, int, str]]:
    """Every whole line of ``text[start:]`` the body leaves out, as (start, end, class).

    The classes are ``"repeated routing"`` (a later section's routing and header block),
    ``"page marker"``, ``"banner"``, ``"database query"``, ``"watermark"`` and ``"furniture"``
    (SIPDIS, BT, NNNN, rules): what a reader of a citation never needs.
    """
    dropped: list[tuple[int, int, str]] = []
    _lines(text, start, dropped)
    return dropped


def _furniture_class(raw: str) -> str:
    line = raw.strip()
    if _PAGE_LINE.match(raw) or re.search(r"\d{6,8}\s+\d{3}(?:\.\d)?\s+OF\s+\d{3}", line):
        return "page marker"
    if line.upper().startswith("SELECT * FROM"):
        return "database query"
    if line.startswith(("Track impres", "ID:")):
        return "watermark"
    if re.match(rf"(?:{LEVEL_PATTERN})", line, re.IGNORECASE):
        return "banner"
    return "furniture"


def _lines(text: str, start: int, dropped: list[tuple[int, int, str]] | None = None) -> list[_Line | None]:
    """Body lines with noise cut out; ``None`` stands for a blank line.

    ``dropped``, when given, receives each whole line left out, with its class.
    """
    out: list[_Line | None] = []
    offset = start
    raws = text[start:].split("\n")
    skip_to = -1
    for i, raw in enumerate(raws):
        line_start, line_end = offset, offset + len(raw)
        offset = line_end + 1
        if i <= skip_to:
            if dropped is not None:
                dropped.append((line_start, line_end, "repeated routing"))
            continue
        if _ROUTING_START.match(raw):
            end = _repeated_header_end(raws, i)
            if end is not None:
                skip_to = end
                if dropped is not None:
                    dropped.append((line_start, line_end, "repeated routing"))
                continue
        if not raw.strip():
            out.append(None)
            continue
        if _UNDERLINE.match(raw):
            previous = out[-1] if out else None
            # A dash line over a framed heading, right under a sentence: "... END SUMMARY." / "----" /
            # "Heading" / "----". The sentence stays text; an unfinished line is a heading's first half.
            top_frame = (i + 2 < len(raws) and 0 < len(raws[i + 1].strip()) <= 100
                         and not _PARA_START.match(raws[i + 1]) and bool(_UNDERLINE.match(raws[i + 2]))
                         and previous is not None and bool(_SENTENCE_END.search(previous.text)))
            if previous is not None and not top_frame and len(previous.text) <= 100 \
                    and not _PARA_START.match(previous.text):
                out[-1] = _Line(previous.start, previous.end, previous.text, True, previous.where)
            continue
        if _NOISE_LINE.match(raw):
            if dropped is not None:
                dropped.append((line_start, line_end, _furniture_class(raw)))
            continue  # furniture: dropped without breaking the paragraph around it
        if _HEADER_REMNANT.match(raw):
            if dropped is not None:
                dropped.append((line_start, line_end, "header remnant"))
            continue
        cut = _INLINE_PAGE.match(raw) or _LEADING_SIPDIS.match(raw)
        if cut:
            line_start += cut.end()
        trail = _TRAILING_BANNER.search(raw)
        if trail and trail.start() > (cut.end() if cut else 0):
            line_end = offset - 1 - (len(raw) - trail.start())
        kept = text[line_start:line_end]
        lead = len(kept) - len(kept.lstrip())
        kept = kept.strip()
        if _MIDLINE_PAGE.search(kept):
            line = _without_midline_pages(kept, line_start + lead)
            if line is not None:
                out.append(line)
            elif dropped is not None:
                dropped.append((line_start, line_end, "page marker"))
            continue
        if kept:
            out.append(_Line(line_start + lead, line_start + lead + len(kept), kept))
    return out


def _without_midline_pages(kept: str, base: int) -> _Line | None:
    """``kept`` (at offset ``base``) with page markers cut, each character keeping its offset."""
    chars: list[str] = []
    where: list[int] = []
    position = 0
    for match in _MIDLINE_PAGE.finditer(kept):
        chars.extend(kept[position:match.start()])
        where.extend(range(base + position, base + match.start()))
        chars.append(" ")
        where.append(base + match.start())
        position = match.end()
    chars.extend(kept[position:])
    where.extend(range(base + position, base + len(kept)))
    while chars and chars[-1].isspace():
        chars.pop()
        where.pop()
    first = next((i for i, ch in enumerate(chars) if not ch.isspace()), len(chars))
    if first == len(chars):
        return None
    return _Line(where[first], where[-1] + 1, "".join(chars[first:]), where=tuple(where[first:]))


_INLINE_LABEL = re.compile(
    r"""(?<=[.!?"”)X])[ \t]+(?=\d{1,3}[ \t]?\.[ \t]*\([ \t]?[A-Za-z]{1,4}(?:/{1,2}[A-Za-z ]{1,20})?\)[ \t]+\S)"""
)


# A label glued to a redaction: "XXXXXXXXXXXX10. (C) Below the level ..." (05SOFIA1207).
_REDACTED_LABEL = re.compile(
    r"(?<=XXXX)(?=\d{1,3}[ \t]?\.[ \t]*\([ \t]?[A-Za-z]{1,4}(?:/{1,2}[A-Za-z ]{1,20})?\)[ \t]+\S)"
)


def _next_label_cut(text: str) -> int | None:
    """Where an unmarked label numbered one past the line's own label starts mid-line.

    The reflowed layout runs paragraphs together: ``9. According ... shared data. 10. In addition``.
    Only the number right after the line's own is taken, so dates and counts stay text.
    """
    own = _PARA_START.match(text)
    if own is None or not _looks_numbered(text):
        return None
    after = rf"""(?<=[.!?"”])[ \t]+(?={int(own.group("num")) + 1}\.[ \t]+[A-Z])"""
    match = re.compile(after).search(text, own.end())
    return match.end() if match else None


def _split_run_together(lines: list[_Line | None]) -> list[_Line | None]:
    """Split lines where the release ran several paragraphs together (``... end. 4. (C) Next``)."""
    out: list[_Line | None] = []
    for line in lines:
        if line is None or line.heading:
            out.append(line)
            continue
        while (cut := _next_label_cut(line.text)) is not None:
            out.append(line.part(0, len(line.text[:cut].rstrip())))
            line = line.part(cut, len(line.text))
        cuts = sorted({m.end() for m in _INLINE_LABEL.finditer(line.text)}
                      | {m.start() for m in _REDACTED_LABEL.finditer(line.text)})
        if not cuts:
            out.append(line)
            continue
        bounds = [0, *cuts, len(line.text)]
        for a, b in itertools.pairwise(bounds):
            piece = line.text[a:b].rstrip()
            if piece:
                out.append(line.part(a, a + len(piece)))
    return out


def _blocks(lines: list[_Line | None]) -> list[list[_Line]]:
    """Runs of lines between blank lines, split again before every numbered-paragraph line."""
    blocks: list[list[_Line]] = []
    current: list[_Line] = []
    for line in lines:
        if line is not None and line.heading:
            if current:
                blocks.append(current)
            blocks.append([line])
            current = []
            continue
        if line is None or (current and _PARA_START.match(line.text) and _looks_numbered(line.text)):
            if current:
                blocks.append(current)
            current = [] if line is None else [line]
            continue
        current.append(line)
    if current:
        blocks.append(current)
    return blocks


def _looks_numbered(text: str) -> bool:
    match = _PARA_START.match(text)
    if match is None:
        return False
    after = text[match.end():match.end() + 1]
    return bool(_mark_of(match)) or after == "" or after.isupper() or after in "\"“'(-x["


def _mark_of(match: re.Match[str]) -> str | None:
    """The label's portion mark when it names a level: ``(C)`` yes, ``(Iran)`` or ``(U.S.)`` no."""
    mark = match.group("mark") or match.group("pre")
    return mark if mark and parse_portion_mark(mark.split()[0]) is not None else None


@dataclass(frozen=True, slots=True)
class _Label:
    printed: int
    mark: str | None
    paren: bool  # written "3)" rather than "3."
    after_blank: bool  # the line follows a blank line or a redaction (or starts the body)
    line_alone: bool  # a one-line block of at most 80 characters without a full stop: a contents entry
    empty: bool  # nothing follows the label


def _labels(blocks: list[list[_Line]], text: str) -> list[_Label | None]:
    out: list[_Label | None] = []
    for i, block in enumerate(blocks):
        first = block[0]
        match = _PARA_START.match(first.text) if _looks_numbered(first.text) else None
        if match is None:
            out.append(None)
            continue
        gap = text[blocks[i - 1][-1].end:first.start] if i else "\n\n"
        after_blank = gap.count("\n") >= 2 or (i > 0 and bool(_REDACTION.match(blocks[i - 1][-1].text)))
        line_alone = len(block) == 1 and len(first.text) <= 80 and not _TERMINAL.search(first.text)
        empty = len(block) == 1 and not first.text[match.end():].strip()
        out.append(_Label(int(match.group("num")), _mark_of(match), match.group("style") == ")",
                          after_blank, line_alone, empty))
    return out


_REDACTION = re.compile(r"^X{4,}[ \t]*$")


def _contents_entries(labels: list[_Label | None]) -> set[int]:
    """Blocks of a table of contents: two or more adjacent one-line labels with no blank line between."""
    entries: set[int] = set()
    for i in range(len(labels) - 1):
        a, b = labels[i], labels[i + 1]
        if a is not None and b is not None and a.line_alone and b.line_alone and not b.after_blank \
                and b.printed == a.printed + 1:
            entries.update((i, i + 1))
    return entries


def _number_labels(labels: list[_Label | None]) -> tuple[list[int | None], list[int]]:
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
    marks_used = first_marked is not None
    contents = _contents_entries(labels)
    numbers: list[int | None] = [None] * len(labels)
    renumbered: list[int] = []
    expected, in_list = 1, False
    used: set[int] = set()
    for i, label in enumerate(labels):
        if label is None or (label.paren and not paren_style) or i in contents:
            continue
        if label.empty and (i + 1 == len(labels) or labels[i + 1] is not None):
            continue  # "1. (C)" run onto the Classified By line and printed again below; "11." alone
        printed, number = label.printed, None
        digits = str(printed)
        stray_one = len(digits) > 1 and digits[0] == "1" and int(digits[1:]) == expected
        if label.mark:
            number = expected if printed != expected and stray_one else printed
            in_list = False
        elif marks_used:
            if printed == expected and not in_list:
                number = printed
            elif printed < expected:
                in_list = True  # a quoted list restarting its own count
        elif printed == expected:
            number = printed
        elif stray_one:
            number = expected
        elif printed > expected and (label.after_blank or printed <= expected + 2):
            number = printed  # a gap in an unmarked cable's numbering, at a block start
        elif printed < expected and printed not in used and label.after_blank:
            number = printed  # the source's own order: 4, 6, 5
        if number is None:
            continue
        if number != printed:
            renumbered.append(number)
        numbers[i] = number
        used.add(number)
        expected = number + 1
    return numbers, renumbered


# Lines that look like headings but are not: the close of quoted text ("END TEXT.", "End talking
# points") belongs to the paragraph above; header remnants ("1.4 (B) AND (D).", "REF: NONE") to the header.
_NOT_HEADING = re.compile(r"^\W*(?:END\b|REF\s*:|REFS?\s*:|1\.[45]\s*\(?[A-Ha-h]\b|Classified\s+by\b)", re.IGNORECASE)


def _is_heading(block: list[_Line], next_is_para: bool, prev_complete: bool) -> bool:
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


def _paragraph(lines: list[_Line], number: int, mark: str | None, section: str | None,
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


_HEADING_RULE = re.compile(r"^[-=\s]+(?=\w)|[-=:\s]+$")


def _section_name(heading: str) -> str:
    """``SUMMARY -------`` (a reflowed underline) and ``- - - - Summary - - - -`` -> the words."""
    name = _HEADING_RULE.sub("", normalise_whitespace(heading))
    return repair_text(_LEADING_MARK.sub("", name) or name)  # "(C) SUMMARY": the heading's own mark


def normalise_mark(mark: str) -> str:
    """``s//nf`` -> ``S//NF``; ``C / NF`` -> ``C/NF``."""
    return re.sub(r"\s*(/{1,2})\s*", r"\1", normalise_whitespace(mark).upper())


def _strip_signer(blocks: list[list[_Line]]) -> str | None:
    if not blocks:
        return None
    last = blocks[-1][-1]
    match = _SIGNER.match(last.text)
    if match and match.group(1).split()[0] not in _NOT_SIGNERS and not _PARA_START.match(last.text):
        blocks[-1].pop()
        if not blocks[-1]:
            blocks.pop()
        return match.group(1)
    inline = _INLINE_SIGNER.search(last.text)
    if inline and inline.group(1) not in _NOT_SIGNERS:
        cut = inline.start()
        blocks[-1][-1] = last.part(0, cut)
        return inline.group(1)
    mixed = _MIXED_SIGNER.match(last.text)
    above = blocks[-1][-2] if len(blocks[-1]) > 1 else (blocks[-2][-1] if len(blocks) > 1 else None)
    if mixed and mixed.group(1) not in _NOT_MIXED_SIGNERS and above is not None \
            and (_SENTENCE_END.search(above.text) or _PARA_START.fullmatch(above.text.strip() + " ")):
        blocks[-1].pop()
        if not blocks[-1]:
            blocks.pop()
        return mixed.group(1)
    inline = _INLINE_MIXED_SIGNER.search(last.text)
    if inline and inline.group(1) not in _NOT_MIXED_SIGNERS:
        blocks[-1][-1] = last.part(0, inline.start())
        return inline.group(1)
    return None


def split_body(text: str, body_start: int) -> BodyParts:
    """Paragraphs of ``text[body_start:]``, each with its span in ``text``."""
    blocks = _blocks(_split_run_together(_lines(text, body_start)))
    signer = _strip_signer(blocks)
    starts = [_PARA_START.match(b[0].text) if _looks_numbered(b[0].text) else None for b in blocks]
    numbers, renumbered = _number_labels(_labels(blocks, text))

    if not any(n is not None for n in numbers):
        return BodyParts(_unnumbered(blocks), signer, numbered=False, renumbered=())

    paragraphs: list[Paragraph] = []
    preamble: list[_Line] = []
    section: str | None = None
    current: list[_Line] = []
    head: tuple[int, re.Match[str], str | None] | None = None  # number, label match, section
    reopen: tuple[list[_Line], tuple[int, re.Match[str], str | None]] | None = None
    heading_lines: list[_Line] = []  # the heading just read, kept as text if its paragraph reopens

    def flush() -> None:
        if head is not None and current:
            number, label, under = head
            paragraphs.append(_paragraph(current, number, _mark_of(label), under,
                                         label.end(), unnumbered=False))

    for i, block in enumerate(blocks):
        number, label = numbers[i], starts[i]
        if number is not None and label is not None:
            flush()
            current, head, reopen = list(block), (number, label, section), None
            continue
        if label is not None and len(block) == 1 and not block[0].text[label.end():].strip():
            continue  # a bare label with nothing under it ("11." between two paragraphs): a list artefact
        next_is_para = i + 1 < len(blocks) and numbers[i + 1] is not None
        before = current or preamble
        prev_complete = not before or bool(_TERMINAL.search(before[-1].text))
        if _is_heading(block, next_is_para, prev_complete):
            flush()
            if head is not None and current:
                reopen = (current, head)
            current, head = [], None
            name = _section_name(" ".join(line.text for line in block))
            # A heading written on two underlined lines ("A FIFTY PERCENT CHANCE OF BEING FRANCE'S" /
            # "NEXT PRESIDENT") is one section.
            two_lines = bool(heading_lines) and i > 0 and blocks[i - 1] == heading_lines
            section = " ".join(filter(None, [section, name])) if two_lines else name
            heading_lines = list(block)
            continue
        if head is None and reopen is not None:
            # Text under a heading with no label of its own (a bullet list, a participants
            # list) continues the paragraph above the heading, the heading's words with it so
            # none is lost: the preamble is only what comes before the first paragraph.
            paragraphs.pop()
            (current, head), reopen = reopen, None
            current.extend(heading_lines)
        (current if head is not None else preamble).extend(block)
    if head is None and reopen is not None:
        # a heading with nothing under it ends the body (a website line under a rule): it is text
        paragraphs.pop()
        (current, head), reopen = reopen, None
        current.extend(heading_lines)
    flush()
    if preamble:
        paragraphs.insert(0, _preamble_paragraph(preamble, paragraphs[0].number if paragraphs else 1))
    return BodyParts(_with_occurrences(paragraphs), signer, numbered=True, renumbered=tuple(renumbered))


def _with_occurrences(paragraphs: list[Paragraph]) -> tuple[Paragraph, ...]:
    """Each paragraph told apart from earlier ones printed under the same number (``¶6 (2nd)``)."""
    seen: Counter[int] = Counter()
    out = []
    for p in paragraphs:
        seen[p.number] += 1
        out.append(p if seen[p.number] == 1 else replace(p, occurrence=seen[p.number]))
    return tuple(out)


_LEADING_MARK = re.compile(r"^\((?P<mark>[A-Za-z]{1,4}(?:/{1,2}[A-Za-z ]{1,20})?)\)\s*")


def _preamble_paragraph(lines: list[_Line], first_number: int) -> Paragraph:
    """Text before the first numbered paragraph.

    When the numbering starts at 2 and this text carries a portion mark, it is
    paragraph 1 whose label was lost; otherwise it is kept as paragraph 0, flagged
    unnumbered, so that no body text goes unread or uncited.
    """
    mark = _LEADING_MARK.match(lines[0].text)
    if first_number == 2:
        return _paragraph(lines, 1, mark.group("mark") if mark else None, None,
                          mark.end() if mark else 0, unnumbered=False)
    return _paragraph(lines, 0, mark.group("mark") if mark else None, None,
                      mark.end() if mark else 0, unnumbered=True)


def _unnumbered(blocks: list[list[_Line]]) -> tuple[Paragraph, ...]:
    """Blocks of a cable with no numbered paragraphs, numbered in order and flagged."""
    paragraphs: list[Paragraph] = []
    section: str | None = None
    after_heading = False
    for i, block in enumerate(blocks):
        has_next = i + 1 < len(blocks)
        prev = paragraphs[-1].text if paragraphs else ""
        if _is_heading(block, has_next, not prev or bool(_TERMINAL.search(prev))) and len(block) == 1:
            name = _section_name(block[0].text)
            # "TV News (NTV)" then "Domestic": a heading and its sub-heading make one section
            section = " ".join(filter(None, [section, name])) if after_heading else name
            after_heading = True
            continue
        after_heading = False
        mark = _LEADING_MARK.match(block[0].text)  # "(SBU) On January 5, ..." keeps its level
        paragraphs.append(_paragraph(block, len(paragraphs) + 1, mark.group("mark") if mark else None, section,
                                     mark.end() if mark else 0, unnumbered=True))
    return tuple(paragraphs)
