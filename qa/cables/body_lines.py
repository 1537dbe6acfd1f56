"""A cable body's lines as a paragraph reads them: page furniture cut out, each character's offset kept.

:func:`read_lines` turns ``text[start:]`` into :class:`BodyLine` records (``None`` for a blank
line): routing blocks repeated by later sections, page markers, banners, SIPDIS and rules are
dropped (:func:`furniture_lines` names each, with its class), an underlined line is marked as a
heading, and :func:`split_run_together` splits lines where the release ran paragraphs together.
Pure functions.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from qa.cables.body_labels import PARA_START, looks_numbered
from qa.cables.header import LEVEL_PATTERN

__all__ = ["SENTENCE_END", "BodyLine", "furniture_lines", "read_lines", "split_run_together"]

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


SENTENCE_END = re.compile(r"""[.!?;"”)]\s*$""")


_LEADING_SIPDIS = re.compile(r"^[ \t]*SIPDIS\s+")


@dataclass(frozen=True, slots=True)
class BodyLine:
    """One body line with noise cut out: its span in the original text and the characters kept."""

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

    def part(self, a: int, b: int) -> BodyLine:
        """The line's characters ``a:b`` with their own span."""
        return BodyLine(self.offset(a), self.offset(b - 1) + 1, self.text[a:b], self.heading,
                     self.where[a:b] if self.where else ())


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
        if looks_numbered(raws[k].strip()):
            break
        if _REPEATED_FIELD.match(raws[k]):
            last = k
    if last > banner and raws[last].lstrip().upper().startswith("SUBJ"):
        while last + 1 < len(raws) and raws[last + 1].strip() and not looks_numbered(raws[last + 1].strip()):
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
    read_lines(text, start, dropped)
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


def _underline_previous(out: list[BodyLine | None], raws: list[str], i: int) -> None:
    """Mark the line above the rule ``raws[i]`` as a heading, unless it is a sentence over a framed heading.

    A dash line over a framed heading, right under a sentence: "... END SUMMARY." / "----" /
    "Heading" / "----". The sentence stays text; an unfinished line is a heading's first half.
    """
    previous = out[-1] if out else None
    if previous is None or len(previous.text) > 100 or PARA_START.match(previous.text):
        return
    top_frame = (i + 2 < len(raws) and 0 < len(raws[i + 1].strip()) <= 100
                 and not PARA_START.match(raws[i + 1]) and bool(_UNDERLINE.match(raws[i + 2]))
                 and bool(SENTENCE_END.search(previous.text)))
    if not top_frame:
        out[-1] = BodyLine(previous.start, previous.end, previous.text, True, previous.where)


def _dropped_class(raw: str) -> str | None:
    """The class of a whole line the body leaves out (furniture, header remnant), or None for text."""
    if _NOISE_LINE.match(raw):
        return _furniture_class(raw)  # dropped without breaking the paragraph around it
    if _HEADER_REMNANT.match(raw):
        return "header remnant"
    return None


def _text_line(text: str, raw: str, line_start: int) -> BodyLine | tuple[int, int] | None:
    """The text of the line ``raw`` (at ``line_start``) with page furniture run into it cut out.

    A line that was only mid-line page markers gives its span instead; an empty one None.
    """
    line_end = line_start + len(raw)
    cut = _INLINE_PAGE.match(raw) or _LEADING_SIPDIS.match(raw)
    if cut:
        line_start += cut.end()
    trail = _TRAILING_BANNER.search(raw)
    if trail and trail.start() > (cut.end() if cut else 0):
        line_end -= len(raw) - trail.start()
    kept = text[line_start:line_end]
    lead = len(kept) - len(kept.lstrip())
    kept = kept.strip()
    if _MIDLINE_PAGE.search(kept):
        line = _without_midline_pages(kept, line_start + lead)
        return line if line is not None else (line_start, line_end)
    return BodyLine(line_start + lead, line_start + lead + len(kept), kept) if kept else None


def read_lines(text: str, start: int, dropped: list[tuple[int, int, str]] | None = None) -> list[BodyLine | None]:
    """Body lines with noise cut out; ``None`` stands for a blank line.

    ``dropped``, when given, receives each whole line left out, with its class.
    """
    out: list[BodyLine | None] = []
    raws = text[start:].split("\n")
    skip_to = -1
    line_start = start
    for i, raw in enumerate(raws):
        at, line_start = line_start, line_start + len(raw) + 1
        if i > skip_to and _ROUTING_START.match(raw):
            end = _repeated_header_end(raws, i)
            skip_to = end if end is not None else skip_to
        kind = "repeated routing" if i <= skip_to else None
        if kind is None and not raw.strip():
            out.append(None)
            continue
        if kind is None and _UNDERLINE.match(raw):
            _underline_previous(out, raws, i)
            continue
        span = (at, at + len(raw))
        kind = kind or _dropped_class(raw)
        if kind is None:
            line = _text_line(text, raw, at)
            if isinstance(line, BodyLine):
                out.append(line)
            if not isinstance(line, tuple):
                continue
            kind, span = "page marker", line
        if dropped is not None:
            dropped.append((*span, kind))
    return out


def _without_midline_pages(kept: str, base: int) -> BodyLine | None:
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
    return BodyLine(where[first], where[-1] + 1, "".join(chars[first:]), where=tuple(where[first:]))


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
    own = PARA_START.match(text)
    if own is None or not looks_numbered(text):
        return None
    after = rf"""(?<=[.!?"”])[ \t]+(?={int(own.group("num")) + 1}\.[ \t]+[A-Z])"""
    match = re.compile(after).search(text, own.end())
    return match.end() if match else None


def split_run_together(lines: list[BodyLine | None]) -> list[BodyLine | None]:
    """Split lines where the release ran several paragraphs together (``... end. 4. (C) Next``)."""
    out: list[BodyLine | None] = []
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
