"""Turn a cable's plain text into a :class:`qa.cables.records.Cable`. Pure: text in, record out.

A text with no sign of being a cable raises :class:`qa.errors.CableParseError` naming
what is missing; a cable whose text is cut off comes back with ``partial=True`` and
its ``problems`` listed, so nothing fails silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from qa.cables.body import split_body
from qa.cables.classification import Classification, Marking, highest_marking, parse_portion_mark
from qa.cables.header import (
    BODY_LINE,
    PORTION_MARK,
    Banner,
    find_banner,
    find_caveat_lines,
    find_lone_classification,
    parse_classified_by,
    parse_declassification,
    parse_dtg,
    parse_origin,
    parse_recipients,
    parse_references,
    parse_subject,
    parse_tags,
    parse_transmission_id,
    parse_zny_classification,
)
from qa.cables.records import Cable, Paragraph, Reference
from qa.errors import CableParseError

__all__ = ["PARSER_VERSION", "parse_cable"]

PARSER_VERSION = "4"  # 4: one Reference per cable a REF item names, with its year_source

_FIRST_PARAGRAPH = re.compile(
    r"^[ \t]*(?:¶[ \t]*|\[\d+\]\(#\)[ \t]*)?1[ \t]?[.,](?!\d)[ \t]*(?:\([A-Za-z/ ,]{1,30}\)|[A-Z\"“])"
    # run onto the end of the Classified By line: "REASON: 1.4 (b), (d) 1. (C) Summary: ..."
    rf"|(?<=\S)[ \t]+1[ \t]?\.[ \t]*{PORTION_MARK}(?=[ \t]|$)",
    re.MULTILINE,
)
# What ends the SUBJECT in the reflowed layout, which has no blank line after it.
_SUBJECT_STOP = re.compile(rf"\n[ \t]*(?:\n|REF(?:S|TEL|TELS)?\b|Classified[ \t]+By\b)|{BODY_LINE}", re.IGNORECASE)
_TAGS_LINE = re.compile(r"^[ \t]*TAGS\b|(?<=[ \t])TAGS:", re.MULTILINE | re.IGNORECASE)
_EO_LINE = re.compile(r"E\.?\s?O\.?\s*\d{5}", re.IGNORECASE)
_PARTIAL_EXTRACT = "This record is a partial extract of the original cable"
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_SUMMARY = re.compile(r"^\W*(?:begin\s+)?summary\b", re.IGNORECASE)
_COMMENT = re.compile(r"^\W*(?:begin\s+)?comment\b", re.IGNORECASE)
_END_SUMMARY = re.compile(r"\bend\s+(?:of\s+)?summary\b", re.IGNORECASE)
_END_COMMENT = re.compile(r"\bend\s+(?:of\s+)?(?:summary\s+and\s+)?comment\b", re.IGNORECASE)
_ID_HINT = re.compile(r"^(?P<yy>\d{2})(?P<loc>[A-Z]+)(?P<serial>\d+)$")
MIN_BODY_CHARS = 300


def _check_text(text: str, source: str) -> None:
    if not text.strip():
        raise CableParseError("empty text: no cable to parse", source)
    if "\x00" in text or len(_CONTROL.findall(text[:4096])) > 8:
        raise CableParseError("binary data, not cable text", source)


_DE_SERIAL = re.compile(r"^DE[ \t]+[A-Z0-9]{4,}[ \t]+#(?P<serial>\d{1,6})", re.MULTILINE)
_POST_PREFIX = re.compile(
    r"^(?:AMEMBASSY|AMCONSUL|AMCONSULATE|USMISSION|US\s+MISSION|USINT|USOFFICE|USLO|USDEL|AIT|"
    r"(?:IRAN\s+)?RPO)\s+"
)


def origin_location(origin: str | None) -> str | None:
    """The post an ``FM`` line names, as ids spell it: ``AMEMBASSY ABU DHABI`` -> ``ABUDHABI``."""
    if not origin:
        return None
    if origin.upper().startswith("SECSTATE"):
        return "STATE"
    return _POST_PREFIX.sub("", origin.upper()).replace(" ", "") or None


def _banner_is_foreign(text: str, banner: Banner | None, origin: str | None) -> bool:
    """True when the banner is another post's (a repeated cable) and the DE line says whose."""
    fm_loc = origin_location(origin)
    if banner is None or not fm_loc or not _DE_SERIAL.search(text):
        return False
    location = banner.location.replace(" ", "")
    return set(location) != {"X"} and location not in fm_loc and fm_loc not in location


def _identity(text: str, banner: Banner | None, origin: str | None, when: datetime | None,
              id_hint: str | None, problems: list[str], source: str) -> str:
    """``{yy}{LOCATION}{serial}`` from the banner, checked against the FM and DE lines.

    A banner that names another post than the FM line is a repeated cable's own banner;
    the sending post's id then comes from the FM location and the DE line's serial.
    """
    hint = _ID_HINT.match(id_hint) if id_hint else None
    fm_loc = origin_location(origin)
    de = _DE_SERIAL.search(text)
    location, serial = None, None
    if banner is not None:
        location, serial = banner.location.replace(" ", ""), banner.serial
        if set(location) == {"X"} and fm_loc:
            location = fm_loc  # redacted banner location
        elif fm_loc and location not in fm_loc and fm_loc not in location:
            if de:
                location, serial = fm_loc, int(de.group("serial"))
            elif hint is not None and hint.group("loc") == fm_loc:
                problems.append("banner names another post and no DE line: id taken from the file name")
                return hint.group(0)
            else:
                problems.append(f"banner names {banner.location}, not the FM line's post: id may be wrong")
    elif fm_loc and de:
        location, serial = fm_loc, int(de.group("serial"))
    if location is not None and when is not None:
        return f"{when.year % 100:02d}{location}{serial}"
    if hint is not None:
        problems.append("reference id taken from the file name: "
                        + ("no date-time group" if location else "no banner serial"))
        return hint.group(0)
    missing = "date-time group (e.g. 180929Z APR 08)" if location else "classification banner with a serial"
    raise CableParseError(f"no reference id: the text has no {missing}", source)


def _header_end(text: str, limit: int, *ends: int) -> int:
    """Where the header stops: after the last header field found before ``limit``."""
    candidates = [e for e in ends if 0 <= e <= limit]
    return max(candidates) if candidates else limit


@dataclass(frozen=True, slots=True)
class _Identity:
    """Who sent the cable and when: its id, banner, date-time group and FM line."""

    id: str
    banner: Banner | None
    when: datetime | None
    precedence: str | None
    dtg_at: int | None  # where the date-time group starts
    origin: str | None
    problems: tuple[str, ...]


def _identify(text: str, source: str, id_hint: str | None) -> _Identity:
    """The cable's id and routing facts; a text with none of them is no cable."""
    banner = find_banner(text)
    dtg = parse_dtg(text)
    origin = parse_origin(text)
    if banner is None and dtg is None and origin is None and not _TAGS_LINE.search(text):
        raise CableParseError(
            "not a cable: no classification banner, date-time group, FM line or TAGS found", source)
    problems: list[str] = []
    when, precedence, dtg_at = dtg if dtg else (None, None, None)
    if origin is None and banner is not None and set(banner.location) != {"X"}:
        origin = banner.location
        problems.append("no FM line: origin taken from the banner's location")
    cable_id = _identity(text, banner, origin, when, id_hint, problems, source)
    if when is None:
        problems.append("no date-time group")
    return _Identity(cable_id, banner, when, precedence, dtg_at, origin, tuple(problems))


def _header_level(text: str, banner: Banner | None,
                  origin: str | None) -> tuple[Classification, tuple[str, ...], str | None]:
    """The level and caveats the header gives (banner, else routing line, else a lone level line),
    and a problem when it gives none."""
    if banner is not None and not _banner_is_foreign(text, banner, origin):
        return banner.classification, banner.caveats, None
    routing_level = parse_zny_classification(text)
    if routing_level is not None:
        return routing_level, (), None
    lone = find_lone_classification(text)
    if lone is not None:
        return lone[0], lone[1], None
    return Classification.UNCLASSIFIED, (), "no classification banner; treated as UNCLASSIFIED"


@dataclass(frozen=True, slots=True)
class _Header:
    """The header's content fields and where the body starts."""

    text: str
    subject: str | None
    references: tuple[Reference, ...]
    classified_by: str | None
    reasons: str | None
    eo: str | None
    declassify_on: date | None
    declassify_text: str | None
    body_start: int


def _read_header(text: str, ident: _Identity, limit: int, body_labelled: bool) -> _Header:
    """The header fields of ``text[:limit]``; the body starts after the last of them.

    An old extract with no banner and no labelled paragraph starts its body after the
    date-time group's line at the earliest.
    """
    header = text[:limit]
    subject, subject_at = parse_subject(header)
    references, refs_end = parse_references(header, ident.id)
    classified_by, reasons, cb_end = parse_classified_by(header)
    eo, declassify_on, declassify_text = parse_declassification(header)
    tags_match = _TAGS_LINE.search(header)
    tags_end = header.find("\n", tags_match.end()) if tags_match else -1
    eo_match = _EO_LINE.search(header)
    eo_end = header.find("\n", eo_match.end()) if eo_match else -1
    body_start = _header_end(text, limit, cb_end, refs_end, _subject_end(header, subject_at), tags_end, eo_end,
                             ident.banner.end if ident.banner else -1)
    if not body_labelled and ident.banner is None and ident.dtg_at is not None:
        body_start = max(body_start, text.find("\n", ident.dtg_at))
    return _Header(header, subject, references, classified_by, reasons, eo, declassify_on, declassify_text,
                   max(body_start, 0))


def _body_problems(text: str, paragraphs: tuple[Paragraph, ...]) -> list[str]:
    """Why the text is not the whole cable (a partial extract, a body missing or too short); each one
    makes the cable ``partial``."""
    problems = []
    if _PARTIAL_EXTRACT in text[:400]:
        problems.append("partial extract: the full text of the original cable is not available")
    body_chars = sum(len(p.text) for p in paragraphs)
    if not paragraphs:
        problems.append("no body paragraphs")
    elif body_chars < MIN_BODY_CHARS:
        problems.append(f"body is only {body_chars} characters: text looks cut off")
    return problems


def parse_cable(text: str, source: str = "<text>", id_hint: str | None = None) -> Cable:
    """Parse one cable. ``id_hint`` (a file name's stem) is used only when the text lacks its id."""
    _check_text(text, source)
    ident = _identify(text, source, id_hint)
    problems = list(ident.problems)
    classification, caveats, level_problem = _header_level(text, ident.banner, ident.origin)
    problems.extend(filter(None, [level_problem]))

    after_banner = ident.banner.end if ident.banner else 0
    foreign_at = _other_record_start(text, ident.id, after_banner)
    first_para = _FIRST_PARAGRAPH.search(text, after_banner, foreign_at)
    header = _read_header(text, ident, first_para.start() if first_para else foreign_at, first_para is not None)
    classification, caveats = _apply_caveat_lines(classification, caveats, find_caveat_lines(header.text))

    body_end = min(_other_cable_start(text, ident.banner, header.body_start), foreign_at)
    if body_end < len(text):
        problems.append(f"another cable's text is run into this one at offset {body_end}: left out of the body")
    body = split_body(text[:body_end], header.body_start)
    paragraphs = body.paragraphs
    cut_off = _body_problems(text, paragraphs)
    problems.extend(cut_off)
    partial = bool(cut_off)
    raised, why = highest_marking(classification, _markings(ident.banner, header.classified_by, paragraphs))
    if why is not None:
        problems.append(f"classification raised from {classification.value} to {raised.value}: {why}")
        classification = raised

    return Cable(
        id=ident.id,
        classification=classification,
        paragraphs=paragraphs,
        text=text,
        transmission_id=parse_transmission_id(text),
        datetime=ident.when,
        precedence=ident.precedence,
        origin=ident.origin,
        to=parse_recipients(header.text, "TO"),
        info=parse_recipients(header.text, "INFO"),
        caveats=caveats,
        section=ident.banner.section if ident.banner else None,
        sipdis=bool(re.search(r"\bSIPDIS\b", text)),
        eo=header.eo,
        declassify_on=header.declassify_on,
        declassify_text=header.declassify_text,
        tags=parse_tags(header.text),
        subject=header.subject,
        references=header.references,
        classified_by=header.classified_by,
        reasons=header.reasons,
        signer=body.signer,
        summary_paragraphs=_flagged(paragraphs, _SUMMARY, "SUMMARY", _END_SUMMARY),
        comment_paragraphs=_flagged(paragraphs, _COMMENT, "COMMENT", _END_COMMENT),
        partial=partial,
        problems=tuple(problems),
    )


def _markings(banner: Banner | None, classified_by: str | None,
              paragraphs: tuple[Paragraph, ...]) -> list[Marking]:
    """Every classification marking the cable carries besides the level its header gives.

    A banner counts even where it names another post (a repeated cable's text is still in
    this one); a "Classified By" line is only ever written on classified text, so it means
    CONFIDENTIAL at least.
    """
    found: list[Marking] = []
    if banner is not None:
        found.append(Marking(banner.classification, f"banner {banner.classification.value}"))
    if classified_by is not None:
        found.append(Marking(Classification.CONFIDENTIAL, "Classified By line"))
    for p in paragraphs:
        level = parse_portion_mark(p.marking.split()[0]) if p.marking else None
        if level is not None:
            found.append(Marking(level, f"portion mark ({p.marking})", f"¶{p.label}"))
    return found


def _apply_caveat_lines(level: Classification, caveats: tuple[str, ...],
                        lines: tuple[str, ...]) -> tuple[Classification, tuple[str, ...]]:
    """Fold caveat lines into the banner's reading: ``UNCLAS`` + ``SENSITIVE`` is SBU."""
    extra = [c for c in lines if c != "SENSITIVE"]
    if "SENSITIVE" in lines and level is Classification.UNCLASSIFIED:
        level = Classification.SENSITIVE_BUT_UNCLASSIFIED
    return level, tuple(dict.fromkeys((*caveats, *extra)))


_ID_LINE = re.compile(r"\n[ \t]*\d{2}[A-Z]{3,}\d{1,6}[ \t]*\n[ \t]*\Z")


def _other_cable_start(text: str, banner: Banner | None, body_start: int) -> int:
    """Where a second cable run into this one's text begins: a banner with another serial.

    The publisher's pages sometimes join two cables (``73TEHRAN8233`` ends with THE HAGUE
    000174); the second one's reference id often stands on the line above its banner.
    """
    if banner is None:
        return len(text)
    other = find_banner(text, body_start)
    while other is not None and other.serial == banner.serial:
        other = find_banner(text, other.end)
    if other is None:
        return len(text)
    id_line = _ID_LINE.search(text, 0, other.start)
    return id_line.start() if id_line else other.start


# A row of the release's database dump that starts another cable: "121752<TAB>2007-09-11 12:50:00
# <TAB>07TBILISI2290<TAB>Embassy Tbilisi ..." (07BERN881), "50133  2006-01-19  06THEHAGUE131 ..." (73TEHRAN2077).
_RECORD_LINE = re.compile(
    r"^[ \t]*\d{1,7}[ \t]+\d{4}-\d{2}-\d{2}(?:[ \t]+\d{2}:\d{2}(?::\d{2})?)?[ \t]+(?P<id>\d{2}[A-Z]{3,}\d{1,6})\b",
    re.MULTILINE,
)


def _other_record_start(text: str, cable_id: str, body_start: int) -> int:
    """Where a database row of another cable starts inside this one's text, or the text's end.

    Such a row carries the other cable's banner after its fields, not at a line start, so
    :func:`_other_cable_start` does not see it.
    """
    for match in _RECORD_LINE.finditer(text, body_start):
        if match.group("id") != cable_id:
            return match.start()
    return len(text)


def _subject_end(header: str, subject_at: int) -> int:
    if subject_at < 0:
        return -1
    stop = _SUBJECT_STOP.search(header, subject_at)
    return stop.start() if stop else len(header)


def _flagged(paragraphs: tuple[Paragraph, ...], opens: re.Pattern[str], heading: str,
             ends: re.Pattern[str]) -> tuple[int, ...]:
    """Numbers of the paragraphs in the summary (or comment).

    Those that open with the word, those under its heading (``SUMMARY``, ``//COMMENT//``), and
    those after an opening paragraph under the same heading up to a later "End summary" — never
    one after the paragraph that says it ends.
    """
    found: list[int] = []
    closed, running, previous = False, False, None
    for i, p in enumerate(paragraphs):
        section = re.sub(r"^\W+|\W+$", "", p.section or "").upper()
        if section != previous:
            closed, running, previous = False, False, section
        if opens.match(p.text):
            running = any(ends.search(q.text) for q in paragraphs[i:])
            found.append(p.number)
        elif running or (section.startswith(heading) and not closed):
            found.append(p.number)
        if ends.search(p.text):
            closed, running = True, False
    return tuple(dict.fromkeys(found))
