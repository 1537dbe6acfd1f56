"""A cable's REF items as canonical cable ids: ``REF A TOKYO 1002`` in an 08 cable is ``08TOKYO1002``.

The header parser gives each :class:`~qa.cables.records.Reference` a ``cable_id`` when its text starts
like one (``TOKYO 1002``, ``07 TOKYO 2690``, ``2008 BOGOTA 4165``). This module turns that into the
id the cable itself carries: a reference without a year takes the citing cable's year, ``SECSTATE``
is spelled ``STATE`` (``08STATE12345``), a post's name loses its spaces and dots (``ABU DHABI`` ->
``ABUDHABI``), and things that are not cables (``IIR 6906012405``, ``TD-314/...``, an e-mail) resolve
to nothing. Pure functions: text in, ids out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.cables.records import Cable, Reference

__all__ = ["ResolvedReference", "cable_references", "resolve_reference"]

# "A: HAVANA 00118", "(B) EMBASSY ..." : a letter the header parser left in the text.
_LEADING_LETTER = re.compile(r"^\(?[A-Z]\s?[:.)]\s+")
# "07 TOKYO 2690", "2008 BOGOTA 4165", "TOKYO 1002", "SECSTATE 12345", "USUN NEW YORK 1234".
_ID_TEXT = re.compile(r"^(?:(?:19|20)?(?P<yy>\d{2})\s*)?"
                      r"(?P<loc>[A-Z][A-Z.']*(?: [A-Z][A-Z.']*){0,2})\s+0*(?P<serial>\d{1,6})\b")
# Words that make "NAME NUMBER" a date, an e-mail or a meeting rather than a post and a serial.
_NOT_A_POST = frozenset({"EMAIL", "MAIL", "MEMO", "SVTC", "REPORT", "DATED", "OF", "ON", "AND", "JANUARY", "FEBRUARY",
                         "MARCH", "APRIL", "MAY", "JUNE", "JULY", "AUGUST", "SEPTEMBER", "OCTOBER", "NOVEMBER",
                         "DECEMBER", "JAN", "FEB", "MAR", "APR", "JUN", "JUL", "AUG", "SEP", "SEPT", "OCT", "NOV",
                         "DEC", "PAGE", "PARA", "NO"})
_CANONICAL = re.compile(r"^(?P<yy>\d{2})(?P<loc>[A-Z]{3,})(?P<serial>\d{1,6})$")
#: Spellings in REF lines that cable ids spell otherwise.
_ALIASES = {"SECSTATE": "STATE", "SECSTATEWASHDC": "STATE", "SECDEF": "SECDEFWASHDC"}
#: Series that share the "NAME NUMBER" shape but are not cables (intelligence reports, FBIS items).
_NOT_CABLES = ("IIR", "FBIS", "OSC", "TD", "DIA")


@dataclass(frozen=True, slots=True)
class ResolvedReference:
    """One REF item of a cable and the cable id it names (None when it names no cable)."""

    letter: str | None
    text: str
    cable_id: str | None


def _year_of(cable_id: str) -> str | None:
    return cable_id[:2] if cable_id[:2].isdigit() else None


def _canonical(yy: str, location: str, serial: str) -> str | None:
    loc = re.sub(r"[ .'\-]", "", location.upper())
    loc = _ALIASES.get(loc, loc)
    if len(loc) < 3 or not loc.isalpha() or loc.endswith(_NOT_CABLES) or loc.startswith(_NOT_CABLES):
        return None
    return f"{yy}{loc}{int(serial)}"


def resolve_reference(reference: Reference, citing_id: str) -> str | None:
    """The canonical id ``reference`` names, read in the cable ``citing_id``; None for a non-cable."""
    year = _year_of(citing_id)
    if reference.cable_id is not None:
        match = _CANONICAL.match(reference.cable_id)
        if match is None:
            return None
        return _canonical(match.group("yy"), match.group("loc"), match.group("serial"))
    text = _LEADING_LETTER.sub("", reference.text.strip()).upper()
    found = _ID_TEXT.match(text)
    if found is None or _NOT_A_POST.intersection(found.group("loc").split()):
        return None
    yy = found.group("yy") or year
    if yy is None:
        return None
    return _canonical(yy, found.group("loc"), found.group("serial"))


def cable_references(cable: Cable) -> tuple[ResolvedReference, ...]:
    """Every REF item of ``cable``, resolved (a cable's reference to itself is left out)."""
    out = []
    for ref in cable.references:
        target = resolve_reference(ref, cable.id)
        if target == cable.id:
            continue
        out.append(ResolvedReference(ref.letter, ref.text, target))
    return tuple(out)
