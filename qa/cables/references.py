"""A REF item's text as the cables it names, and each as the canonical id that cable carries.

``read_reference`` splits one item's text into the cables it names: ``Berlin 1337, Berlin 1340``
is two, ``TRIPOLI 33, 53`` is TRIPOLI 33 and TRIPOLI 53, ``LAHORE 25 07 ISLAMABAD 5138`` two with
the second's year written; text that names no cable (an e-mail, a meeting, an ``IIR`` report) is
one part without a cable. ``reference_id`` spells a named cable as ids do: ``SECSTATE`` is
``STATE``, a post loses its spaces and dots (``ABU DHABI`` -> ``ABUDHABI``), and the year comes
from the text, else from the citing cable (:data:`qa.cables.records.YearSource` says which).

The year convention: a cable names a cable of its own year without the year (``REF: TOKYO 1002``
in an 08 cable is 08TOKYO1002). Over the corpus it holds wherever it can be checked: each yearless
reference to a corpus cable names one sent earlier in the same year. It fails for a cable of the
citing post whose serial is far above the citing cable's own, which that year's count had not
reached (09BRASILIA28, sent on 8 January, cites ``BRASILIA 1666``): such a reference is to the year
before. Serials are not strictly in sending order (10BUENOSAIRES95 of 17 February cites ``Buenos
Aires 0118``, which 10BUENOSAIRES111 names ``10 BUENOS AIRES 118``; 09BRASILIA1411 cites its
companion 1412), so only a serial more than :data:`SERIAL_SLACK` above the citing one counts.
Pure functions: text in, ids out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.cables.records import Cable, Reference, YearSource

__all__ = [
    "SERIAL_SLACK",
    "CitedCable",
    "ResolvedReference",
    "cable_references",
    "read_reference",
    "reference_id",
    "references_of",
    "resolve_reference",
]

#: A yearless serial of the citing post up to this far above the citing cable's own is still of the
#: citing year: serials are not strictly in sending order (the largest such gap in the corpus is 75).
SERIAL_SLACK = 100

# "A: HAVANA 00118", "(B) EMBASSY ..." : a letter the header parser left in the text.
_LEADING_LETTER = re.compile(r"^\(?[A-Z]\s?[:.)]\s+")
# A post as REF lines write it: up to three words ("RIO DE JANEIRO"), upper, mixed or lower case
# ("Abu Dhabi", "05 state 201650"); a hyphen only inside a word ("PORT-AU-PRINCE", never "CA-3400").
_WORD = r"[A-Za-z][A-Za-z.']*(?:-[A-Za-z]+)*"
_CABLE = re.compile(
    r"\(?(?P<yy>(?:19|20)?\d{2})?\)?[ \t]*"  # "07 TOKYO", "2008 BOGOTA", "(08) SAO PAULO"
    rf"(?P<post>{_WORD}(?:[ \t]{_WORD}){{0,2}}?)[ \t]*0*(?P<serial>\d{{1,6}})"
    r"(?![\d/\-.]\d|[A-Za-z\d])"  # not a date (10/16/09), a report number (6-849-9075) or "420Q"
)
# What may stand between two cables of one item: separators, "AND PREVIOUS", "(NOTAL)".
_GAP = re.compile(r"(?:[ \t]*(?:[,;:&]|\bAND\b|\band\b)[ \t]*|[ \t]+)"
                  r"(?:(?:AND[ \t]+)?(?:PREVIOUS|PRIOR)[ \t]*|\((?:NOTAL|EXDIS|NODIS)\)[ \t]*)?", re.IGNORECASE)
# "TRIPOLI 33, 53": a further serial of the same post.
_MORE = re.compile(r"[ \t]*(?:,|&|\bAND\b|\band\b)[ \t]*0*(?P<serial>\d{1,6})(?=[ \t]*(?:[,;&]|\bAND\b|$))")
# A year written after the serial, ending the item: "MOSCOW 03242 2008", "DOHA 311 (07)".
_YEAR_AFTER = re.compile(r"(?:[ \t]+(?P<y4>(?:19|20)\d{2})|[ \t]*\((?P<y2>\d{2})\))[ \t]*$")
# Words that make "NAME NUMBER" a date, an e-mail, a meeting or a page rather than a post and a serial.
_NOT_A_POST = frozenset({
    "EMAIL", "E-MAIL", "MAIL", "MEMO", "SVTC", "REPORT", "DATED", "OF", "ON", "AND", "PAGE", "PARA", "NO", "FAM",
    "DTG", "FOR", "TO", "IN", "AT", "BY", "SEE", "POINTS", "POINT", "DAILY", "TELCON", "LETTER", "NOTE", "MSG",
    "SECTO", "DSCG", "JANUARY", "FEBRUARY", "MARCH", "APRIL", "MAY", "JUNE", "JULY", "AUGUST", "SEPTEMBER",
    "OCTOBER", "NOVEMBER", "DECEMBER", "JAN", "FEB", "MAR", "APR", "JUN", "JUL", "AUG", "SEP", "SEPT", "OCT",
    "NOV", "DEC"})
_CANONICAL = re.compile(r"^(?P<yy>\d{2})(?P<loc>[A-Z]{3,})(?P<serial>\d{1,6})$")
#: Spellings in REF lines that cable ids spell otherwise.
_ALIASES = {"SECSTATE": "STATE", "SECSTATEWASHDC": "STATE", "SECDEF": "SECDEFWASHDC"}
#: Series that share the "NAME NUMBER" shape but are not cables (intelligence reports, FBIS items).
_NOT_CABLES = ("IIR", "FBIS", "OSC", "TD", "DIA")


@dataclass(frozen=True, slots=True)
class CitedCable:
    """A cable a REF item names: the year as written (two digits; None when not), the post as ids
    spell it (``ABUDHABI``, ``STATE``) and the serial."""

    year: str | None
    post: str
    serial: int


@dataclass(frozen=True, slots=True)
class ResolvedReference:
    """One REF item of a cable and the cable id it names (None when it names no cable)."""

    letter: str | None
    text: str
    cable_id: str | None
    year_source: YearSource | None = None


def _post(written: str) -> str | None:
    """``Abu Dhabi`` -> ``ABUDHABI``, ``SECSTATE`` -> ``STATE``; None for a word that is no post."""
    words = written.upper().split()
    if _NOT_A_POST.intersection(words):
        return None
    loc = re.sub(r"[ .'\-]", "", written.upper())
    loc = _ALIASES.get(loc, loc)
    if len(loc) < 3 or not loc.isalpha() or set(loc) == {"X"} \
            or loc.endswith(_NOT_CABLES) or loc.startswith(_NOT_CABLES):
        return None
    return loc


def _cable_at(text: str, pos: int) -> tuple[CitedCable, int] | None:
    """The cable named at ``text[pos:]`` and where its mention ends."""
    match = _CABLE.match(text, pos)
    if match is None:
        return None
    post = _post(match.group("post"))
    if post is None:
        return None
    yy = match.group("yy")
    return CitedCable(yy[-2:] if yy else None, post, int(match.group("serial"))), match.end()


def _split_piece(piece: str) -> list[tuple[str, CitedCable | None]]:
    """One ``;``-separated piece as its cables, each with its text; the last keeps the piece's tail."""
    first = _cable_at(piece, 0)
    if first is None:
        return [(piece, None)]
    found: list[tuple[int, int, CitedCable]] = [(0, first[1], first[0])]
    pos = first[1]
    while True:
        more = _MORE.match(piece, pos)
        if more is not None:
            last = found[-1][2]
            cable = CitedCable(last.year, last.post, int(more.group("serial")))
            found.append((more.start("serial"), more.end(), cable))
            pos = more.end()
            continue
        gap = _GAP.match(piece, pos)
        nxt = _cable_at(piece, gap.end()) if gap is not None and gap.end() > pos else None
        if gap is None or nxt is None:
            break
        found.append((gap.end(), nxt[1], nxt[0]))
        pos = nxt[1]
    after = _YEAR_AFTER.match(piece, pos)
    if after is not None and found[-1][2].year is None:
        year = after.group("y4") or after.group("y2")
        last = found[-1][2]
        found[-1] = (found[-1][0], len(piece), CitedCable(year[-2:], last.post, last.serial))
    parts: list[tuple[str, CitedCable | None]] = []
    for i, (start, _end, cable) in enumerate(found):
        stop = found[i + 1][0] if i + 1 < len(found) else len(piece)
        text = re.sub(r"(?:[ \t]*(?:[,;:&]|\bAND\b|\band\b))+[ \t]*$", "", piece[start:stop].strip()).strip()
        parts.append((text, cable))
    return parts


# Where one item's text holds the next reference: "; " always, ": " only before a cable
# ("TEHRAN'S A-077 OF MAY 15, 1972: TEHRAN 3312", not "STATE 81957: REPORT OF ...").
_PIECE_END = re.compile(r"[ \t]*;[ \t]*|[ \t]*:[ \t]+")


def read_reference(text: str) -> list[tuple[str, CitedCable | None]]:
    """The cables one REF item's ``text`` names, each with its own part of the text.

    A part that names no cable (an e-mail, a meeting) comes back with None; an empty text
    gives nothing.
    """
    pieces: list[str] = []
    start = 0
    for sep in _PIECE_END.finditer(text):
        if sep.group(0).strip() == ":" and _cable_at(text, sep.end()) is None:
            continue
        pieces.append(text[start:sep.start()])
        start = sep.end()
    pieces.append(text[start:])
    parts: list[tuple[str, CitedCable | None]] = []
    for piece in pieces:
        if piece.strip():
            parts.extend(_split_piece(piece.strip()))
    return parts


def _citing(citing_id: str) -> tuple[str | None, str | None, int | None]:
    """The citing cable's two-digit year, post and serial, as far as its id gives them."""
    match = _CANONICAL.match(citing_id)
    if match is not None:
        return match.group("yy"), match.group("loc"), int(match.group("serial"))
    return (citing_id[:2] if citing_id[:2].isdigit() else None), None, None


def reference_id(cited: CitedCable, citing_id: str) -> tuple[str | None, YearSource | None]:
    """The id ``cited`` names read in the cable ``citing_id``, and where its year comes from."""
    if cited.year is not None:
        return f"{cited.year}{cited.post}{cited.serial}", "written"
    yy, post, serial = _citing(citing_id)
    if yy is None:
        return None, None
    if post == cited.post and serial is not None and cited.serial > serial + SERIAL_SLACK:
        return f"{(int(yy) - 1) % 100:02d}{cited.post}{cited.serial}", "year before"
    return f"{yy}{cited.post}{cited.serial}", "citing year"


def references_of(text: str, letter: str | None, citing_id: str) -> list[Reference]:
    """The :class:`~qa.cables.records.Reference` records one REF item's ``text`` gives in ``citing_id``."""
    out = []
    for part, cited in read_reference(text):
        cable_id, source = reference_id(cited, citing_id) if cited is not None else (None, None)
        out.append(Reference(letter, part, cable_id, source))
    return out


def resolve_reference(reference: Reference, citing_id: str) -> str | None:
    """The canonical id ``reference`` names, read in the cable ``citing_id``; None for a non-cable."""
    if reference.cable_id is not None:
        match = _CANONICAL.match(reference.cable_id)
        post = _post(match.group("loc")) if match is not None else None
        return f"{match.group('yy')}{post}{int(match.group('serial'))}" if match and post else None
    parts = read_reference(_LEADING_LETTER.sub("", reference.text.strip()))
    cited = parts[0][1] if parts else None
    return reference_id(cited, citing_id)[0] if cited is not None else None


def cable_references(cable: Cable) -> tuple[ResolvedReference, ...]:
    """Every REF item of ``cable``, resolved (a cable's reference to itself is left out)."""
    out = []
    for ref in cable.references:
        target = resolve_reference(ref, cable.id)
        if target == cable.id:
            continue
        out.append(ResolvedReference(ref.letter, ref.text, target, ref.year_source if target else None))
    return tuple(out)
