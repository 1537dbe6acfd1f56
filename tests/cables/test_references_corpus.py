"""REF lines over the corpus: every cable a REF line names is a reference of its own, with the right year.

The raw REF lines are read here independently of the parser, with a plain "POST SERIAL" pattern,
and compared with what ``parse_cable`` gives: each cable named must be one Reference (never two
joined in one text), its year the written one, else the citing cable's, else (a serial of the
citing post the year had not reached) the year before; each exception is listed with its cause.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from qa.cables.records import Cable, Reference
from qa.cables.references import SERIAL_SLACK

if TYPE_CHECKING:
    from conftest import ParsedCorpus

pytestmark = pytest.mark.corpus

_REF_LINE = re.compile(r"^[ \t]*(?:REF(?:S|TEL|TELS)?|Refs?|Reftels?)\b[ \t]*:?", re.MULTILINE)
# Where a REF list ends in the raw text: a blank line not followed by a lettered item, a Classified By,
# a rule, a numbered paragraph, a handling remark.
_REF_END = re.compile(r"\n[ \t]*\n(?![ \t]*[A-Z][.)][ \t])|Classified[ \t]+By|\n[ \t]*[-=_]{3,}|\n[ \t]*\d{1,3}\.[ \t]"
                      r"|Sensitive[ \t]+but[ \t]+unclassified", re.IGNORECASE)
# "07 TOKYO 2690", "(08) SAO PAULO 581", "Abu Dhabi 1384", "STATE 001187"; a serial has at most six digits, so
# the reflowed page marker "RANGOON 00000378 001.4 OF 004" is no mention.
_MENTION = re.compile(r"(?<![\w/])(?:\(?(?P<yy>(?:19|20)?\d{2})\)?[ \t]*)?"
                      r"(?P<post>[A-Za-z][A-Za-z]+(?:[ \t][A-Za-z][A-Za-z]+){0,2})[ \t]+"
                      r"(?P<serial>\d{1,6})(?![\w/\-.])")
# Words that are no post: dates, e-mails, report series and list words around the mentions.
_NOT_POST = {"JANUARY", "FEBRUARY", "MARCH", "APRIL", "MAY", "JUNE", "JULY", "AUGUST", "SEPTEMBER", "OCTOBER",
             "NOVEMBER", "DECEMBER", "JAN", "FEB", "MAR", "APR", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
             "IIR", "OSC", "FAM", "DTG", "EMAIL", "MAIL", "REPORT", "POINT", "POINTS", "DAILY", "SVTC", "OF", "SUBJ",
             "DATED"}
_LIST_WORDS = {"AND", "PREVIOUS", "PRIOR", "REF", "NOTAL"}
_ALIASES = {"SECSTATE": "STATE"}
_CANONICAL = re.compile(r"^(?P<yy>\d{2})(?P<post>[A-Z]+)(?P<serial>\d+)$")

# Cables named in a raw REF line that the parser, rightly, reads otherwise.
NOT_REFERENCES = {
    # "10 SANTO DOMINGO 67 DERIVED FROM: DSCG 05-1 B, D": a classification guide, not a cable (and "05-1")
    ("10MEXICO141", "DSCG", 5),
    # "09 XXXXXXXXXXXX 167": the post is redacted, so no id can be written
    ("10SHENYANG4", "XXXXXXXXXXXX", 167),
}
# Yearless references whose target is in the corpus but not of the citing cable's year.
YEAR_EXCEPTIONS: dict[tuple[str, str], str] = {}
# Every reference read as the year before: a serial of the citing post far above the citing cable's own.
YEAR_BEFORE = {
    ("05PARIS104", "04PARIS8729"), ("05PARIS104", "04PARIS8918"),  # sent in January, own serial 104
    ("05PARIS479", "04PARIS8760"),
    ("06BUENOSAIRES1462", "05BUENOSAIRES2974"),  # beside "05 BUENOS AIRES 00141" in the same list
    ("08BRASILIA43", "07BRASILIA1664"), ("08BRASILIA823", "07BRASILIA1664"),  # the same cable, cited twice
    ("08CASABLANCA104", "07CASABLANCA270"),
    *{("08STATE50524", f"07STATE{n}") for n in (162318, 109649, 71143, 73601, 72896, 148514, 159388)},
    ("09BRASILIA28", "08BRASILIA1666"), ("09BRASILIA28", "08BRASILIA1159"),  # sent 8 January
    ("09MADRID59", "08MADRID1366"),
    *{("09MEXICO193", f"08MEXICO{n}") for n in (3586, 2371, 3498, 3779, 1766)},
    ("09PARIS264", "08PARIS2016"), ("09ROME97", "08ROME451"),
    *{("09SEOUL59", f"08SEOUL{n}") for n in (1681, 1700, 2461)},
    *{("09STATE81957", f"08STATE{n}") for n in (152989, 100646, 112304)},  # sent in August, own serial 81957
    ("10BAGHDAD112", "09BAGHDAD3326"), ("10BAGHDAD70", "09BAGHDAD3334"), ("10BRASILIA3", "09BRASILIA1124"),
    *{("10ISLAMABAD175", f"09ISLAMABAD{n}") for n in (2591, 2607, 2672, 2708, 2780, 2801, 2837, 2972)},
    ("10KUWAIT45", "09KUWAIT431"), ("10PARIS58", "09PARIS1714"),
    ("10STATE9124", "09STATE120288"),  # sent 29 January: STATE had not reached 120288
}


def _raw_ref_block(cable: Cable) -> str | None:
    header = cable.text[:min((p.start for p in cable.paragraphs), default=len(cable.text))]
    for start in _REF_LINE.finditer(header):
        rest = header[start.end():]
        if re.match(r"[ \t]*(?:none|n/a)[ \t]*(?:\n|$)", rest, re.IGNORECASE):
            continue  # an empty "Ref: None" form field
        end = _REF_END.search(rest)
        return rest[:end.start()] if end else rest
    return None


def _mentions(block: str) -> list[tuple[str | None, str, int]]:
    """(year as written, post as ids spell it, serial) for each cable the raw REF block names."""
    found = []
    for m in _MENTION.finditer(block):
        words = m.group("post").upper().split()
        while words and (words[0] in _LIST_WORDS or len(words[0]) == 1):
            words.pop(0)  # "AND ALGIERS 140", "B KUALA LUMPUR 739"
        if not words or _NOT_POST.intersection(words):
            continue
        post = "".join(words)
        yy = m.group("yy") if words == m.group("post").upper().split() else None
        found.append((yy[-2:] if yy else None, _ALIASES.get(post, post), int(m.group("serial"))))
    return found


def _parts(reference: Reference) -> tuple[str, str, int] | None:
    match = _CANONICAL.match(reference.cable_id or "")
    return (match.group("yy"), match.group("post"), int(match.group("serial"))) if match else None


def _ref_cables(parsed_corpus: ParsedCorpus) -> list[Cable]:
    return [c for c in parsed_corpus.cables.values() if c.references]


def test_every_cable_a_ref_line_names_is_a_reference_of_its_own(parsed_corpus: ParsedCorpus) -> None:
    missing, checked = [], 0
    for cable in parsed_corpus.cables.values():
        block = _raw_ref_block(cable)
        if block is None:
            continue
        parsed = {(p[1], p[2]): (p[0], r) for r in cable.references if (p := _parts(r)) is not None}
        for yy, post, serial in _mentions(block):
            if (cable.id, post, serial) in NOT_REFERENCES:
                continue
            checked += 1
            hit = parsed.get((post, serial))
            if hit is None:
                missing.append(f"{cable.id}: {post} {serial} not a reference")
            elif yy is not None and (hit[0], hit[1].year_source) != (yy, "written"):
                missing.append(f"{cable.id}: {post} {serial} written with year {yy}, read as {hit[1].cable_id}")
    assert checked > 1500  # the corpus names 1,600-odd cables in its REF lines
    assert missing == []


def test_no_reference_text_names_two_cables(parsed_corpus: ParsedCorpus) -> None:
    joined = [f"{c.id}: {r.text!r}" for c in _ref_cables(parsed_corpus) for r in c.references
              if len(_mentions(r.text)) > 1]
    assert joined == []


def test_a_year_is_the_written_one_else_the_citing_cables_else_the_year_before(parsed_corpus: ParsedCorpus) -> None:
    wrong, year_before = [], set()
    for cable in _ref_cables(parsed_corpus):
        citing = _CANONICAL.match(cable.id)
        assert citing is not None
        for ref in cable.references:
            parts = _parts(ref)
            if parts is None:
                assert ref.year_source is None
                continue
            yy, post, serial = parts
            written = _mentions(ref.text)
            if ref.year_source == "written":
                ok = bool(written and written[0][0] == yy) or bool(re.search(rf"(?:(?:19|20){yy}|\({yy}\))$", ref.text))
            elif ref.year_source == "citing year":
                ok = yy == citing.group("yy") and not (written and written[0][0])
            else:
                year_before.add((cable.id, ref.cable_id))
                ok = (int(yy) + 1) % 100 == int(citing.group("yy")) and post == citing.group("post") \
                    and serial > int(citing.group("serial")) + SERIAL_SLACK
            if not ok:
                wrong.append(f"{cable.id}: {ref.text!r} -> {ref.cable_id} ({ref.year_source})")
    assert wrong == []
    assert year_before == YEAR_BEFORE


def test_yearless_references_to_corpus_cables_name_earlier_cables_of_that_year(parsed_corpus: ParsedCorpus) -> None:
    """The convention checked where it can be: the cable named is in the corpus with its own date."""
    checked, wrong = 0, []
    for cable in _ref_cables(parsed_corpus):
        for ref in cable.references:
            target = parsed_corpus.cables.get(ref.cable_id or "")
            if ref.year_source not in ("citing year", "year before") or target is None:
                continue
            sent, cited = cable.datetime, target.datetime
            if sent is None or cited is None:
                continue
            checked += 1
            expected_year = sent.year - (1 if ref.year_source == "year before" else 0)
            if (cited.year, cited <= sent) != (expected_year, True) \
                    and (cable.id, target.id) not in YEAR_EXCEPTIONS:
                wrong.append(f"{cable.id} ({sent:%Y-%m-%d}) -> {target.id} ({cited:%Y-%m-%d})")
    assert checked > 140
    assert wrong == []
