"""Pure readers of a cable's header: routing lines, banner, handling and content fields.

Each function takes the cable's text (or its header part) and returns typed values;
none does I/O. ``qa.cables.parse`` assembles them into a :class:`qa.cables.records.Cable`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

from qa.cables.classification import Classification
from qa.cables.records import Recipient, Reference
from qa.cables.references import references_of
from qa.cables.repair import normalise_whitespace

__all__ = [
    "Banner",
    "find_banner",
    "find_caveat_lines",
    "find_lone_classification",
    "parse_classified_by",
    "parse_declassification",
    "parse_dtg",
    "parse_origin",
    "parse_recipients",
    "parse_references",
    "parse_subject",
    "parse_tags",
    "parse_transmission_id",
    "parse_zny_classification",
]

PRECEDENCES = {"Z": "FLASH", "O": "IMMEDIATE", "P": "PRIORITY", "R": "ROUTINE"}
_MONTHS = {m: i for i, m in enumerate(
    ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], 1)}


def _spaced(word: str) -> str:
    """A regex for ``word`` written plain, letter-spaced, or with a doubled first letter."""
    first, rest = word[0], word[1:]
    return f"{first}{{1,2}}" + "".join(r"[ \t]?" + re.escape(ch) if ch != " " else r"[ \t]+" for ch in rest)


_LEVEL_WORDS: list[tuple[str, Classification]] = [
    ("TOP SECRET", Classification.TOP_SECRET),
    ("CONFIDENTIAL", Classification.CONFIDENTIAL),
    ("SECRET", Classification.SECRET),
    ("LIMITED OFFICIAL USE", Classification.LIMITED_OFFICIAL_USE),
    ("UNCLASSIFIED", Classification.UNCLASSIFIED),
    ("UNCLAS", Classification.UNCLASSIFIED),
]
LEVEL_PATTERN = "|".join(f"(?P<l{i}>{_spaced(w)})" for i, (w, _) in enumerate(_LEVEL_WORDS))
# REL TO's countries are words joined by commas: a ``[A-Z, ]+`` list could also swallow the
# next caveat, and a banner of repeated "REL TO X," then backtracked exponentially.
_CAVEAT = (r"(?:[ \t]*/{1,2}[ \t]*|[ \t]+)"
           r"(?P<caveat>NOFORN|NOCONTRACT|ORCON|REL[ \t]+TO[ \t]+[A-Z]+(?:[ \t]*,[ \t]*[A-Z]+)*|SENSITIVE|SBU"
           r"|EXDIS|NODIS|LIMDIS)")
_BANNER = re.compile(
    rf"^[ \t]*(?:{LEVEL_PATTERN})(?:{_CAVEAT})*"
    r"(?:[ \t]+(?:SECTION[ \t]+(?P<sec>\d+)[ \t]+OF[ \t]+(?P<of>\d+)))?"
    r"[ \t]+(?P<loc>[A-Z][A-Z .'\-]*?[A-Z])[ \t]+(?P<serial>\d{2,8})\b",
    re.IGNORECASE | re.MULTILINE,
)
_CAVEAT_ANY = re.compile(_CAVEAT, re.IGNORECASE)
_TRAILING_CAVEATS = re.compile(r"(?:[ \t]+(?:SIPDIS|NOFORN|NOCONTRACT|ORCON|EXDIS|NODIS|LIMDIS)\b)+")
# A paragraph's portion mark as the release writes it: (U) (C) (SBU) (S//NF) (C/NF) (U/FOUO).
PORTION_MARK = r"\((?:U|C|S|SBU|LOU|TS|[CSU](?:[ \t]*/{1,2}[ \t]*[A-Z]{2,5})+)\)"
# A line that opens the body: a numbered label (``1. (C)``, ``1, (C)``) or a bare portion mark.
BODY_LINE = rf"\n[ \t]*(?:(?:¶|\[\d+\]\(#\))?\d{{1,3}}[ \t]?[.,][ \t]*\(|(?-i:{PORTION_MARK}[ \t]+[A-Z]))"


@dataclass(frozen=True, slots=True)
class Banner:
    """The classification banner: ``C O N F I D E N T I A L SECTION 01 OF 03 TOKYO 001074``."""

    classification: Classification
    caveats: tuple[str, ...]
    location: str
    serial: int
    section: tuple[int, int] | None
    start: int
    end: int


def _level_of(match: re.Match[str]) -> Classification:
    for i, (_, level) in enumerate(_LEVEL_WORDS):
        if match.group(f"l{i}"):
            return level
    raise ValueError("banner match without a level")  # unreachable by construction


def find_banner(text: str, start: int = 0) -> Banner | None:
    """The first classification banner from ``start`` on that names a location and serial number."""
    for match in _BANNER.finditer(text, start):
        loc = normalise_whitespace(match.group("loc")).upper()
        if loc.startswith(("SECTION", "PTQ", "PAGE")):
            continue
        caveats = [
            normalise_whitespace(c.group("caveat")).upper()
            for c in _CAVEAT_ANY.finditer(match.group(0)[: match.start("loc") - match.start()])
        ]
        trailing = _TRAILING_CAVEATS.match(text, match.end())  # "BOGOTA 000243 SIPDIS NOFORN"
        if trailing:
            caveats += re.findall(r"NOFORN|NOCONTRACT|ORCON|EXDIS|NODIS|LIMDIS", trailing.group(0))
        level = _level_of(match)
        if "SENSITIVE" in caveats or "SBU" in caveats:
            if level is Classification.UNCLASSIFIED:
                level = Classification.SENSITIVE_BUT_UNCLASSIFIED
            caveats = [c for c in caveats if c not in ("SENSITIVE", "SBU")]
        section = None
        if match.group("sec"):
            section = (int(match.group("sec")), int(match.group("of")))
        return Banner(
            classification=level,
            caveats=tuple(dict.fromkeys(caveats)),
            location=loc,
            serial=int(match.group("serial")),
            section=section,
            start=match.start(),
            end=match.end(),
        )
    return None


_LONE_LEVEL = re.compile(
    rf"^[ \t]*(?:{LEVEL_PATTERN})(?:{_CAVEAT})*[ \t]*(?:PTQ\d+)?[ \t]*$", re.IGNORECASE | re.MULTILINE
)


def find_lone_classification(text: str) -> tuple[Classification, tuple[str, ...]] | None:
    """A classification line with no serial (old teletype extracts: ``CONFIDENTIAL PTQ1859``)."""
    match = _LONE_LEVEL.search(text)
    if match is None:
        return None
    caveats = tuple(normalise_whitespace(c.group("caveat")).upper() for c in _CAVEAT_ANY.finditer(match.group(0)))
    return _level_of(match), caveats


_CAVEAT_LINE = re.compile(
    r"^[ \t]*(?:(?:TOP[ \t]+SECRET|SECRET|CONFIDENTIAL)[ \t]*/{1,2}[ \t]*)?"  # SECRET//NOFORN
    r"(?P<words>(?:(?:NOFORN|Noforn|NOCONTRACT|ORCON|EXDIS|NODIS|LIMDIS"
    r"|SENSITIVE(?:[ \t]+BUT[ \t]+UNCLASSIFIED)?|SBU)[ \t,/]*)+)(?:SIPDIS)?[ \t.]*(?:(?:--|,).*)?$",
    re.MULTILINE,
)


def find_caveat_lines(header: str) -> tuple[str, ...]:
    """Caveats on lines of their own near the banner (``NOFORN``, ``SECRET//NOFORN``, ``SENSITIVE``)."""
    found: list[str] = []
    for match in _CAVEAT_LINE.finditer(header):
        words = match.group("words").upper()
        for word in re.findall(r"NOFORN|NOCONTRACT|ORCON|EXDIS|NODIS|LIMDIS|SENSITIVE|SBU", words):
            found.append("SENSITIVE" if word == "SBU" else word)
    return tuple(dict.fromkeys(found))


_ZNY = re.compile(r"^ZN[YR][ \t]+(?P<letters>[CSUTE])\1{4}\b", re.MULTILINE)
_ZNY_LEVELS = {"C": Classification.CONFIDENTIAL, "S": Classification.SECRET,
               "U": Classification.UNCLASSIFIED, "E": Classification.UNCLASSIFIED,
               "T": Classification.TOP_SECRET}


def parse_zny_classification(text: str) -> Classification | None:
    """The level in the routing line ``ZNY CCCCC ZZH`` (C, S, U, E(FTO) or T repeated)."""
    match = _ZNY.search(text)
    return _ZNY_LEVELS[match.group("letters")] if match else None


_TRANSMISSION = re.compile(r"\A\s*(VZCZC[A-Z0-9]+)")


def parse_transmission_id(text: str) -> str | None:
    match = _TRANSMISSION.match(text)
    return match.group(1) if match else None


_DTG = re.compile(
    r"^(?:[ \t]*(?P<prec>[ZOPR](?:[ \t]+[ZOPR])?)[ \t]+)?[ \t]*(?P<d>\d{2})(?P<h>\d{2})(?P<m>\d{2})Z"
    r"[ \t]+(?P<mon>[A-Za-z]{3})[ \t]+(?P<y>\d{2}|\d{4})\b",
    re.MULTILINE,
)


def parse_dtg(text: str) -> tuple[datetime, str | None, int] | None:
    """The date-time group (``O 180929Z APR 08``) as a UTC datetime, its precedence, its offset."""
    for match in _DTG.finditer(text):
        month = _MONTHS.get(match.group("mon").upper())
        if month is None:
            continue
        year = int(match.group("y"))
        if year < 100:
            year += 1900 if year >= 60 else 2000
        try:
            when = datetime(year, month, int(match.group("d")), int(match.group("h")),
                            int(match.group("m")), tzinfo=UTC)
        except ValueError:
            continue
        prec = match.group("prec")
        precedence = PRECEDENCES.get(prec.split()[0]) if prec else None
        return when, precedence, match.start()
    return None


_FM = re.compile(r"^[ \t]*FM[ \t]+(?P<origin>[^\n]+?)[ \t]*$", re.MULTILINE)


def parse_origin(text: str) -> str | None:
    match = _FM.search(text)
    return normalise_whitespace(match.group("origin")) if match else None


_RECIPIENT = re.compile(
    r"^(?:(?P<ri>R[A-Z0-9]{3,})/)?(?P<name>.+?)"
    r"(?:\s+(?P<prec>NIACT IMMEDIATE|IMMEDIATE|PRIORITY|ROUTINE|FLASH))?(?:\s+(?P<serial>\d{1,6}))?\s*$"
)
_ROUTING_STOP = re.compile(
    rf"^\s*(?:INFO\b|BT\b|ZEN\b|{LEVEL_PATTERN}|E\.?\s?O\.?\s|TAGS|SUBJ|SIPDIS|$)", re.IGNORECASE
)


def _recipient(line: str) -> Recipient | None:
    line = normalise_whitespace(line)
    match = _RECIPIENT.match(line)
    if not line or match is None:
        return None
    return Recipient(
        name=match.group("name"),
        routing_indicator=match.group("ri"),
        precedence=match.group("prec"),
        serial=match.group("serial"),
    )


_DISTRIBUTION_CODE = re.compile(r"[A-Z]{1,6}-\d{2}\b")


def parse_recipients(header: str, keyword: str) -> tuple[Recipient, ...]:
    """The ``TO`` or ``INFO`` recipients, one per line, continuation lines included.

    An old extract's distribution list (``INFO  LOG-00   NP-00 ...``) is not the addressees.
    """
    start = next((m for m in re.finditer(rf"^[ \t]*{keyword}[ \t]+", header, re.MULTILINE)
                  if not _DISTRIBUTION_CODE.match(header, m.end())), None)
    if start is None:
        return ()
    lines = header[start.end():].split("\n")
    found: list[Recipient] = []
    for i, line in enumerate(lines):
        if i > 0 and (_ROUTING_STOP.match(line) or re.match(r"^\s*(TO|FM)\s", line)):
            break
        recipient = _recipient(line)
        if recipient is not None:
            found.append(recipient)
    return tuple(found)


_DECL = re.compile(
    r"E\.?\s?O\.?\s*(?P<eo>\d{5})\s*:?\s*(?:(?:DECL|DECLASSIFY)\s*:?\s*(?P<decl>[^\n]*?)|N/?A\b[^\n]*?)?\s*$",
    re.IGNORECASE | re.MULTILINE,
)
# 04/18/2016, 1/20/2035, 11/29/10, and year first: 2020/01/28.
_DATE = re.compile(r"(?P<y4>\d{4})/(?P<m4>\d{1,2})/(?P<d4>\d{1,2})|(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{2,4})")


def parse_declassification(header: str) -> tuple[str | None, date | None, str | None]:
    """The E.O. number, the declassification date and the DECL text as written."""
    match = _DECL.search(header)
    if match is None:
        return None, None, None
    decl = re.split(r"\s+TAGS\b", match.group("decl") or "", maxsplit=1, flags=re.IGNORECASE)[0]  # 10STATE284
    raw = normalise_whitespace(decl) or None
    on = None
    if raw and (dm := _DATE.search(raw)):
        year = int(dm.group("y4") or dm.group("y"))
        year += 2000 if year < 100 else 0
        try:
            on = date(year, int(dm.group("m4") or dm.group("m")), int(dm.group("d4") or dm.group("d")))
        except ValueError:
            on = None
    return match.group("eo"), on, raw


_TAGS = re.compile(
    r"(?:^[ \t]*TAGS:?|(?<=[ \t])TAGS:)[ \t]+"
    r"(?P<tags>[^\n]+(?:\n[ \t]*[A-Z]{2,}(?:[ ,]+[A-Z]{2,})*[ \t]*(?=\n))?)",
    re.MULTILINE | re.IGNORECASE,
)
_MD_LINK = re.compile(r"\[([^\]]*)\]\(#?[^)]*\)")


def parse_tags(header: str) -> tuple[str, ...]:
    """TAGS as a clean list; ``[PREL](#)`` markdown leftovers and commas are removed."""
    match = _TAGS.search(header)
    if match is None:
        return ()
    raw = _MD_LINK.sub(r"\1", match.group("tags"))
    raw = re.split(r"\b(?:SUBJECT|SUBJ)\b", raw, maxsplit=1, flags=re.IGNORECASE)[0]
    return tuple(t.upper() for t in re.split(r"[\s,;]+", raw) if t and t.upper() != "TAGS")


_SUBJECT = re.compile(
    r"(?:^[ \t]*(?:SUBJECT|SUBJ)\b[ \t]*:?|(?<=[ \t])(?:SUBJECT|SUBJ)[ \t]*:)[ \t]*",
    re.MULTILINE | re.IGNORECASE,
)
_SUBJECT_END = re.compile(
    r"^\s*$|^\s*(?:REF(?:S|TEL)?\b|Classified\s+By|CLASSIFIED\s+BY|\d{1,3}\s?\.\s|\(\w\)\s*\d|"
    r"¶|\[\d+\]\(#\)|SUMMARY|Summary|[A-H]\.\s+[A-Z]|E\.?\s?O\.?\s*\d|TAGS\b|SIPDIS|NOFORN|"
    r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,)"
    rf"|^[ \t]*(?:{LEVEL_PATTERN})\b",
    re.MULTILINE,
)
_PAGE_NOISE = re.compile(
    rf"(?:^|\s)(?:{LEVEL_PATTERN})\s*\n\s*PAGE\s+\d+\s+[A-Z ]+?\s+\d+\s+(?:\d+\s+OF\s+\d+\s+)?\d{{6}}Z",
    re.IGNORECASE,
)
_PORTION_PREFIX = re.compile(r"^\s*\((?:U|C|S|SBU|LOU|TS|S//NF|C//NF|S/NF|C/NF|U/FOUO|FOUO|[A-Z]{1,3})\)\s*")


def parse_subject(header: str) -> tuple[str | None, int]:
    """SUBJECT joined across lines with its portion mark stripped, and where it ended."""
    match = _SUBJECT.search(header)
    if match is None:
        return None, -1
    rest = header[match.end():]
    rest = _PAGE_NOISE.sub(" ", rest)
    first, _, tail = rest.partition("\n")
    end = _SUBJECT_END.search(tail)
    body = first + (" " + tail[: end.start()] if end else " " + tail)
    subject = normalise_whitespace(_PORTION_PREFIX.sub("", normalise_whitespace(body)))
    subject = re.sub(r"\s*(?:\bREF\b|REF:|\bClassified By\b).*$", "", subject)
    return subject or None, match.end()


_REF_START = re.compile(r"^[ \t]*(?:REF(?:S|TEL|TELS)?|Refs?|Reftels?)\b[ \t]*:?[ \t]*", re.MULTILINE)
# A REF item's letter: "A.", "A)", "(A)", "a)", "A:", "[1](#)B." (a pilcrow artefact); at a line start
# also a bare "B KUALA LUMPUR 739" and "REF B SECSTATE 76108" (09ABUDHABI754 writes REF before each).
_REF_ITEM = re.compile(
    r"(?:^|\s)(?:\[\d+\]\(#\)|¶)?\s*(?:\((?P<paren>[A-Za-z])\)\s*|(?P<letter>[A-Z]|[a-z](?=[.)]\s))\s?[.):](?=\s))"
    r"|(?:^|\n)[ \t]*(?:REF[ \t]+)?(?P<bare>[A-Z])[ \t]+(?=[A-Z0-9(])"
)
# The release's running page header, run into a reflowed REF line: "RANGOON 00000378 001.4 OF 004".
_REF_PAGE_MARK = re.compile(r"[ \t]*\b[A-Z][A-Z ]{1,30}?[ \t]\d{8}[ \t]+\d{3}(?:\.\d)?[ \t]+OF[ \t]+\d{3}\b")
# An item that is only a year ("B. 2006", "C. 2007 AND PREVIOUS", "D. AND PREVIOUS"): the wrapped end
# of the item above, which the release lettered as an item of its own (06PARIS1031, 10BAKU97).
_YEAR_TAIL = re.compile(r"^(?:(?:19|20)\d{2}\b[ \t]*)?(?:AND[ \t]+(?:PREVIOUS|PRIOR)\b.*)?$", re.IGNORECASE)
# A handling remark run onto the REF line ends the list: "Frankfurt 002808 Sensitive but unclassified; not
# for Internet Distribution.", "... 2009 BRASILIA 1460 (U) THIS CABLE IS SENSITIVE BUT UNCLASSIFIED ...".
_REF_HANDLING = re.compile(r"\s+(?:\(U\)\s+THIS\s+CABLE\s+IS\s+)?SENSITIVE\s+BUT\s+UNCLASSIFIED\b.*",
                           re.IGNORECASE | re.DOTALL)
_OWN_LETTER = re.compile(r"^\((?P<letter>[A-Z])\)[ \t]+")


def _letter(match: re.Match[str]) -> str:
    return (match.group("paren") or match.group("letter") or match.group("bare")).upper()


def _lettered(candidates: list[re.Match[str]]) -> list[re.Match[str]]:
    """The item letters that run A, B, C ... (a letter may be skipped).

    Any other "(U)" or "(b)" is text inside an item: a portion mark, a reason. A letter
    repeated at a line start is the source's typing slip for the next item (07TALLINN375 "B) ..."
    twice); a bare letter counts only at a line start and after a lettered item or before one.
    """
    items: list[re.Match[str]] = []
    for match in candidates:
        previous = _letter(items[-1]) if items else "@"  # the character before "A"
        step = ord(_letter(match)) - ord(previous)
        at_line_start = "\n" in match.group(0) or match.start() == 0
        if 0 < step <= (1 if not items else 3) or (step == 0 and items and at_line_start):
            items.append(match)
    if len(items) == 1 and items[0].group("bare"):
        return []  # "A SECRETARY'S LETTER" alone is text, not item A
    return items


def _items(block: str) -> list[tuple[str | None, str]]:
    """The REF block's items as (letter, text), an item that is a wrapped year joined to the one above."""
    padded = " " + block
    found = _lettered(list(_REF_ITEM.finditer(padded)))
    if not found:
        text = normalise_whitespace(_MD_LINK.sub("", block))
        return [(None, text)] if text else []
    items: list[tuple[str | None, str]] = []
    before = normalise_whitespace(_MD_LINK.sub("", padded[:found[0].start()])).strip(" ;,")
    if before and not re.fullmatch(r"REF\w*:?", before, re.IGNORECASE):
        items.append((None, before))  # "REF: 09 STATE 96625; A. A)STATE 70789; ...": an unlettered first item
    for i, item in enumerate(found):
        end = found[i + 1].start() if i + 1 < len(found) else len(padded)
        text = normalise_whitespace(_MD_LINK.sub("", padded[item.end():end]))
        letter = _letter(item)
        text = re.sub(rf"^\(?{letter}[.):]\s*", "", text, flags=re.IGNORECASE)  # "A. A. STATE 3080", "A. A: HAVANA"
        text = re.sub(r"\s+\(?[A-Z][.)]$", "", text)  # "C. STATE 112304 / B. D. STATE 32213": a stray letter
        if items and items[-1][0] is not None and _YEAR_TAIL.match(text):
            items[-1] = (items[-1][0], f"{items[-1][1]} {text}".strip())
            continue
        own = _OWN_LETTER.match(text)  # "C. (B) EMBASSY PARIS ...": the source's own letter under the release's
        if own is not None:
            letter, text = own.group("letter"), text[own.end():]
        items.append((letter, text))
    return items


def parse_references(header: str, citing_id: str) -> tuple[tuple[Reference, ...], int]:
    """The REF list as one :class:`Reference` per cable named, in the cable ``citing_id``; and where it ended.

    An item naming several cables (``Berlin 1337, Berlin 1340``) gives one Reference each
    (:func:`qa.cables.references.read_reference`); a year the text omits comes from the citing cable
    (:func:`qa.cables.references.reference_id` says when, and the Reference's ``year_source`` says so).
    """
    # An old form's empty "Ref: None" field is not the REF list that may follow it.
    match = next((m for m in _REF_START.finditer(header)
                  if not re.match(r"(?:none|n/a)[ \t]*(?:\n|$)", header[m.end():], re.IGNORECASE)), None)
    if match is None:
        return (), -1
    rest = header[match.end():]
    # ... to a blank line, unless a lettered item or a serial wrapped alone ("(C) SECSTATE" / "" / "36633") follows
    stop = re.search(r"\n\s*\n(?!\s*(?:\[\d+\]\(#\)|¶)?\s*[A-Z]\s?[.)]\s|[ \t]*\d{1,6}[ \t]*\n)"
                     r"|\s+Classified\s+By\b|\n[ \t]*[-=]{3,}"
                     rf"|\n\s*\d{{1,3}}\s?\.\s*\(|{BODY_LINE}", rest, re.IGNORECASE)
    block = rest[: stop.start()] if stop else rest
    items = _items(_REF_HANDLING.sub("", _REF_PAGE_MARK.sub("", block)))
    refs = [ref for letter, text in items for ref in references_of(text, letter, citing_id)]
    return tuple(refs), match.end() + len(block)


_CLASSIFIED_BY = re.compile(
    r"(?:^[ \t]*(?:\([A-Z]{1,3}\)[ \t]*)?Classified[ \t]+By\b[ \t]*:?"
    r"|(?<=[ \t])Classified[ \t]+By[ \t]*:"  # run onto the REF line: "REF: LJUBLJANA 20 Classified By: ..."
    r"|(?<=[.;)][ \t][ \t])Classified[ \t]+By\b)"  # ... or after a sentence: "(GSO and IT).  Classified by S/CT"
    r"[ \t]*(?P<statement>.+?)"
    # ... to a blank line, a REF line, a rule over a heading ("-------" / "SUMMARY"), or the body
    r"(?=\n[ \t]*\n|\n[ \t]*(?-i:REF|Ref)\b|\n[ \t]*[-=]{3,}[ \t]*\n"
    rf"|[ \t]+\d{{1,3}}[ \t]?\.[ \t]*\([A-Za-z]|{BODY_LINE}|\Z)",
    re.IGNORECASE | re.MULTILINE | re.DOTALL,
)
_REASONS_WORD = re.compile(r"(?:[.,;]\s*|\s+)(?:for\s+)?R\s?e\s?a\s?[sS]?\s?o\s?n\s?s?\s*:?\s*", re.IGNORECASE)
_REASONS = re.compile(
    r"\b1[./]?[ ]?[45]\s*(?:\(?[A-H](?:\.?\s*\)|\.(?=\s)|\b)(?:(?:\s*(?:,|/|-|\+|\band\b|&)\s*)+|\s+)?)*",
    re.IGNORECASE)


def parse_classified_by(header: str) -> tuple[str | None, str | None, int]:
    """``Classified By`` and its reasons (``1.4 (B) (D)``), and where the statement ended.

    The statement runs to the next blank line, however it wraps.
    """
    match = _CLASSIFIED_BY.search(header)
    if match is None:
        return None, None, -1
    statement = normalise_whitespace(match.group("statement"))
    split = _REASONS_WORD.search(statement)
    who_part = statement[: split.start()] if split else statement
    who = re.sub(r"\s+for$", "", who_part.rstrip(".,;: "), flags=re.IGNORECASE) or None
    reasons = _REASONS.search(statement[split.end():] if split else statement)
    why = normalise_whitespace(reasons.group(0)).rstrip(" ,/&+-") if reasons else None
    if why:
        why = re.sub(r"\s*(?:and|&)$", "", why, flags=re.IGNORECASE).rstrip(" ,")
        why = re.sub(r"^1[./]?\s?([45])", r"1.\1", why)  # "1.\n4 (B)" wrapped, "14 (b)", "1/4 (B)" mistyped
        why = re.sub(r"\s+\)", ")", why)  # "(b and d )", "(D\n)": the closing bracket wrapped
        if why.count(")") > why.count("("):
            why = why[:-1].rstrip() if why.endswith(")") else why  # "(1.4 b,d)": the bracket opened before 1.4
    if who and split is None and reasons is not None:
        who = who[: who.find(reasons.group(0))].rstrip(".,; ") or None
    return who, why, match.end()
