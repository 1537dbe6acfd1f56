"""How often the parser agrees with the publisher's own metadata, field by field.

MANIFEST.csv in the shared corpus carries, for the cables taken from the publisher's
web pages, metadata written independently of the text: reference id, created date,
classification, origin and subject. This module compares them with what
:func:`qa.cables.parse.parse_cable` reads from the text and names a cause for every
disagreement. Run ``python -m eval.parser_agreement [CORPUS_DIR]`` for the table.
"""

from __future__ import annotations

import csv
import itertools
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from qa.cables.classification import Classification
from qa.cables.corpus import read_cable_file
from qa.cables.parse import origin_location
from qa.cables.records import Cable
from qa.errors import CableParseError

__all__ = [
    "FIELDS",
    "Disagreement",
    "ManifestRow",
    "NumberingException",
    "compare",
    "format_table",
    "load_publisher_rows",
    "numbering_exception",
    "numbering_exceptions",
    "run",
]

# The cable's level is the highest of every marking it carries; the publisher's is the header's.
RAISED_BY_MARKINGS = "level raised above the header's by the cable's own portion marks, banner or Classified By line"
FIELDS = ("id", "classification", "created", "origin", "subject", "caveats")
_PUBLISHER_FORMAT = "html"


@dataclass(frozen=True, slots=True)
class ManifestRow:
    id: str
    file: str
    created: str
    classification: str
    origin: str
    subject: str


@dataclass(frozen=True, slots=True)
class Disagreement:
    cable_id: str
    field: str
    ours: str
    theirs: str
    cause: str


def load_publisher_rows(manifest: Path) -> list[ManifestRow]:
    """The rows whose metadata is the publisher's own (not derived from the text)."""
    with manifest.open(newline="", encoding="utf-8") as handle:
        return [
            ManifestRow(r["id"], r["file"], r["created"], r["classification"], r["origin"], r["subject"])
            for r in csv.DictReader(handle)
            if r["source_format"].startswith(_PUBLISHER_FORMAT)
        ]


_PUBLISHER_LEVELS = {
    "UNCLASSIFIED": {Classification.UNCLASSIFIED},
    "UNCLASSIFIED//FOR OFFICIAL USE ONLY": {Classification.SENSITIVE_BUT_UNCLASSIFIED,
                                            Classification.LIMITED_OFFICIAL_USE},
    "CONFIDENTIAL": {Classification.CONFIDENTIAL},
    "SECRET": {Classification.SECRET},
    "TOP SECRET": {Classification.TOP_SECRET},
}
_PUBLISHER_POST = re.compile(
    r"^(?:EMBASSY|CONSULATE|MISSION|US INTERESTS SECTION|IRAN RPO|US OFFICE|USLO)\s+", re.IGNORECASE
)


def _publisher_location(origin: str) -> str:
    if origin.strip().lower() == "secretary of state":
        return "STATE"
    return _PUBLISHER_POST.sub("", origin.strip()).upper().replace(" ", "")


def _norm_subject(subject: str) -> str:
    text = re.sub(r"^\s*\([A-Z/]{1,8}\)\s*", "", subject)  # the publisher keeps portion marks
    text = text.upper().replace("“", '"').replace("”", '"').replace("’", "'").replace("‘", "'")
    return re.sub(r"\s+", " ", text).strip(" .")


def compare(cable: Cable, row: ManifestRow) -> list[Disagreement]:
    """Every field on which the parsed cable and the publisher's row disagree, with a cause."""
    out: list[Disagreement] = []

    def differ(field: str, ours: str, theirs: str, cause: str) -> None:
        out.append(Disagreement(row.id, field, ours, theirs, cause))

    no_dtg = "no date-time group in the text (partial extract): id year comes from the file name"
    if cable.id != row.id:
        differ("id", cable.id, row.id, "banner names another cable and the text has no DE line")
    level, _, caveat = row.classification.partition("//")
    publisher_level = f"{level}//{caveat}" if caveat == "FOR OFFICIAL USE ONLY" else level
    if cable.classification not in _PUBLISHER_LEVELS.get(publisher_level, set()):
        raised = any(p.startswith("classification raised") for p in cable.problems)
        differ("classification", cable.classification.value, row.classification,
               RAISED_BY_MARKINGS if raised else
               "publisher metadata disagrees with the cable's own banner / handling line")
    ours_noforn = "NOFORN" in cable.caveats
    if ours_noforn != (caveat == "NOFORN"):
        differ("caveats", ",".join(cable.caveats) or "-", caveat or "-",
               "publisher metadata disagrees with the NOFORN line under the banner"
               if ours_noforn else "no NOFORN in the banner or under it")
    created = cable.datetime.strftime("%Y-%m-%d") if cable.datetime else ""
    if created != row.created[:10]:
        differ("created", created or "-", row.created, no_dtg if not created else "date-time group differs")
    ours_loc = origin_location(cable.origin) or ""
    theirs_loc = _publisher_location(row.origin)
    if not ours_loc or not (ours_loc in theirs_loc or theirs_loc in ours_loc):
        differ("origin", cable.origin or "-", row.origin,
               "no FM line in the text (partial extract)" if not ours_loc else "FM line names another post")
    if _norm_subject(cable.subject or "") != _norm_subject(row.subject):
        ours_s, theirs_s = _norm_subject(cable.subject or ""), _norm_subject(row.subject)
        cause = "subject differs"
        if ours_s and theirs_s.startswith(ours_s):
            cause = "publisher's subject runs on into the REF, Classified By or dateline text"
        elif ours_s.startswith(theirs_s) or re.sub(r"\s*\(C-[A-Z]{2}\d-\d{5}\)", "", ours_s) == theirs_s:
            cause = "publisher's subject is cut short (or drops the tracking number)"
        if not row.subject:
            cause = "publisher has no subject"
        elif re.search(r"\bPAGE \d+\b", row.subject):
            cause = "publisher's subject includes page-break text"
        elif not cable.subject:
            cause = "no SUBJECT line found in the text"
        differ("subject", cable.subject or "-", row.subject, cause)
    return out


@dataclass(frozen=True, slots=True)
class AgreementReport:
    compared: int
    failed: tuple[tuple[str, str], ...]
    disagreements: tuple[Disagreement, ...]

    def rate(self, field: str) -> float:
        wrong = sum(1 for d in self.disagreements if d.field == field)
        return 1.0 - wrong / self.compared if self.compared else 0.0


def run(corpus: Path) -> AgreementReport:
    rows = load_publisher_rows(corpus / "MANIFEST.csv")
    failed: list[tuple[str, str]] = []
    found: list[Disagreement] = []
    compared = 0
    for row in rows:
        path = corpus / "cables" / row.file
        if not path.exists():
            continue  # a truncated-in-source cable lives under truncated/
        try:
            cable = read_cable_file(path)
        except CableParseError as error:
            failed.append((row.id, error.message))
            continue
        compared += 1
        found.extend(compare(cable, row))
    return AgreementReport(compared, tuple(failed), tuple(found))


def format_table(report: AgreementReport, fields: Iterable[str] = FIELDS) -> str:
    lines = ["| field | agree | disagree | rate |", "|---|---:|---:|---:|"]
    for field in fields:
        wrong = sum(1 for d in report.disagreements if d.field == field)
        lines.append(f"| {field} | {report.compared - wrong} | {wrong} | {report.rate(field):.2%} |")
    return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class NumberingException:
    cable_id: str
    numbers: tuple[int, ...]
    cause: str
    source_caused: bool  # the cable's own text is out of sequence, not the parser


def numbering_exception(cable: Cable) -> NumberingException | None:
    """Why a cable's paragraph numbers are not exactly 1..n, or None when they are.

    A number the text never prints as a paragraph label is a gap in the source (often a
    paragraph redacted whole); a sequence that goes backwards is the source's own order.
    Anything else is the parser's fault.
    """
    numbers = tuple(p.number for p in cable.paragraphs if not p.unnumbered)
    if not numbers or numbers == tuple(range(1, len(numbers) + 1)):
        return None
    if any(b <= a for a, b in itertools.pairwise(numbers)):
        return NumberingException(cable.id, numbers, "source numbers out of order", True)
    missing = sorted(set(range(1, numbers[-1] + 1)) - set(numbers))
    printed = [n for n in missing if re.search(
        rf"^[ \t]*{n}[ \t]?\.\s(?![ \t]*\d{{1,3}}\.\s)|(?<=[.!?\"”)]\s){n}[ \t]?\.[ \t]*\(", cable.text, re.MULTILINE)]
    if numbers[0] > 1 and not printed:
        return NumberingException(cable.id, numbers, f"section fragment: starts at ¶{numbers[0]}", True)
    if not printed:
        return NumberingException(cable.id, numbers, f"source never prints ¶{', ¶'.join(map(str, missing))}",
                                  True)
    return NumberingException(cable.id, numbers, f"parser missed ¶{', ¶'.join(map(str, printed))}", False)


def numbering_exceptions(corpus: Path) -> tuple[int, list[NumberingException]]:
    """How many corpus cables have numbered paragraphs, and every exception to 1..n."""
    numbered, found = 0, []
    for path in sorted((corpus / "cables").glob("*.txt")):
        try:
            cable = read_cable_file(path)
        except CableParseError:
            continue
        if any(not p.unnumbered for p in cable.paragraphs):
            numbered += 1
            exception = numbering_exception(cable)
            if exception is not None:
                found.append(exception)
    return numbered, found


def main(argv: list[str]) -> int:
    corpus = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parents[2] / "shared" / "corpus"
    report = run(corpus)
    print(f"{report.compared} publisher-metadata cables compared, {len(report.failed)} failed to parse\n")
    print(format_table(report))
    print("\nDisagreements:")
    for d in sorted(report.disagreements, key=lambda d: (d.field, d.cable_id)):
        print(f"- {d.field} {d.cable_id}: ours {d.ours!r} / publisher {d.theirs!r} — {d.cause}")
    numbered, exceptions = numbering_exceptions(corpus)
    parser_caused = [e for e in exceptions if not e.source_caused]
    print(f"\nParagraph numbering: {numbered} cables with numbered paragraphs; "
          f"{numbered - len(exceptions)} ({1 - len(exceptions) / numbered:.2%}) exactly 1..n; "
          f"{len(exceptions) - len(parser_caused)} follow the source's own gaps or order; "
          f"{len(parser_caused)} ({len(parser_caused) / numbered:.2%}) are the parser's.")
    for e in exceptions:
        print(f"- {e.cable_id}: {e.cause}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
