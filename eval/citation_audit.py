"""Does every citation point at the text printed under its number? A corpus-wide audit.

A *label* is a line (or, in the reflowed layout, a sentence) that starts with a paragraph
number and a portion mark: ``5. (C) Serman confirmed``, ``1) (SBU)``, ``(C) 1. Summary``.
A label is *cited right* when a paragraph of the parsed cable starts at it and carries its
number (or the number a pilcrow artefact hides: a stray ``1`` before ``3.`` is ¶3). Any
other label is a wrong citation: its text is cited under the paragraph above it, or lost.

The audit also counts the other faults a reader of a citation sees: a heading glued to the
end of the paragraph above it, a body line found in no paragraph, section or named line
class, a signer left in the last paragraph's text, and a ``reasons`` field cut off.

``python -m eval.citation_audit [CORPUS]`` prints the counts and every finding.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from qa.cables.body import furniture_lines
from qa.cables.classification import parse_portion_mark
from qa.cables.corpus import read_cable_file
from qa.cables.records import Cable
from qa.cables.repair import normalise_whitespace
from qa.errors import CableParseError

__all__ = [
    "AuditReport",
    "Finding",
    "audit_cable",
    "audit_corpus",
    "format_counts",
    "label_lines",
]

_MARK = r"\([ \t]?(?P<{name}>[A-Za-z]{{1,4}}(?:[ \t]*/{{1,2}}[ \t]*[A-Za-z]{{1,8}})*)[ \t]?\)"
# "5. (C)", "5 . (C)", "1) (SBU)", "(C) 1.", "¶5. (C)": at a line start.
_LINE_LABEL = re.compile(
    r"^[ \t]*(?:¶[ \t]*|\[\d+\]\(#\)[ \t]*)?(?:" + _MARK.format(name="pre") + r"[ \t]*)?"
    r"(?P<num>\d{1,3})[ \t]?(?:\.|\))(?!\d)[ \t]*(?:" + _MARK.format(name="mark") + r")?",
    re.MULTILINE,
)
# "... nationwide. 10. (C) In addition": a label run into the middle of a reflowed line.
_MIDLINE_LABEL = re.compile(
    r"""(?<=[.!?"”)])[ \t]+(?P<num>\d{1,3})\.[ \t]*""" + _MARK.format(name="mark") + r"[ \t]+(?=[A-Z\"“])"
)
_RUN_IN = re.compile(r"another cable's text is run into this one at offset (\d+)")
_UNDERLINED = re.compile(r"^[ \t]*(?P<head>\S[^\n]{0,80}?)[ \t]*\n[ \t]*(?:-[- ]{2,}|=[= ]{2,})[ \t]*$",
                         re.MULTILINE)
_SENTENCE = re.compile(r"""[.!?;"”)]$""")
_LABELLED = re.compile(r"^\d{1,3}[.)]")
_IN_TEXT_SIGNER = re.compile(r"""[.!?"”)][ \t]+(?P<name>[A-Z][a-z]+(?:[A-Z][a-z]+)?)$""")
_NOT_NAMES = {"End", "Comment", "Summary", "Note", "Text", "Unquote", "Ends"}


@dataclass(frozen=True, slots=True)
class Finding:
    """One fault: its kind, the cable, where in the text, and what is wrong."""

    kind: str  # "citation", "glued heading", "lost line", "in-text signer", "cut reasons"
    cable_id: str
    offset: int
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.cable_id} @{self.offset}: {self.detail}"


@dataclass(frozen=True, slots=True)
class AuditReport:
    cables: int
    findings: tuple[Finding, ...] = field(default_factory=tuple)

    def of(self, kind: str) -> list[Finding]:
        return [f for f in self.findings if f.kind == kind]

    def cables_with(self, kind: str) -> set[str]:
        return {f.cable_id for f in self.of(kind)}


@dataclass(frozen=True, slots=True)
class Label:
    """A printed paragraph label: its number, portion mark and offset of its first character."""

    number: int
    mark: str
    start: int  # where the line's text starts
    end: int  # just after the label


def _body_range(cable: Cable) -> tuple[int, int]:
    start = min((p.start for p in cable.paragraphs), default=len(cable.text))
    end = len(cable.text)
    for problem in cable.problems:
        if (m := _RUN_IN.search(problem)) is not None:
            end = int(m.group(1))
    return start, end


def label_lines(cable: Cable) -> list[Label]:
    """Every label in the cable's body whose portion mark is a real level."""
    start, end = _body_range(cable)
    found: dict[int, Label] = {}
    for pattern in (_LINE_LABEL, _MIDLINE_LABEL):
        for m in pattern.finditer(cable.text, start, end):
            groups = m.groupdict()
            mark = groups.get("mark") or groups.get("pre")
            if not mark or parse_portion_mark(mark) is None:
                continue
            text_start = m.start() + len(m.group(0)) - len(m.group(0).lstrip())
            found.setdefault(text_start, Label(int(m.group("num")), mark, text_start, m.end()))
    return sorted(found.values(), key=lambda label: label.start)


def _citation_findings(cable: Cable, exempt: set[int]) -> Iterator[Finding]:
    starts = {p.start: p for p in cable.paragraphs}
    for label in label_lines(cable):
        if label.number in exempt:
            continue
        p = next((starts[s] for s in range(label.start, label.end + 1) if s in starts), None)
        if p is not None and label.number in (p.number, int(f"1{p.number}")):
            continue
        holder = next((q for q in cable.paragraphs if q.start <= label.start < q.end), None)
        printed = cable.text[label.start:label.end + 30].split("\n")[0]
        if p is not None:
            where = f"starts ¶{p.number}"
        elif holder is not None:
            where = f"inside ¶{holder.number}"
        else:
            where = "in no paragraph"
        yield Finding("citation", cable.id, label.start, f"{printed!r} {where}")


def _glued_headings(cable: Cable) -> Iterator[Finding]:
    start, end = _body_range(cable)
    sections = {normalise_whitespace(p.section or "").strip(" -=:").upper() for p in cable.paragraphs}
    for m in _UNDERLINED.finditer(cable.text, start, end):
        head = normalise_whitespace(m.group("head")).strip(" -=:")
        if not head or head.upper() in sections or _SENTENCE.search(head) or _LABELLED.match(head) \
                or head.upper().startswith("END "):
            continue  # a sentence over a framed heading's top line, or "END TEXT", is text; a label line a paragraph's
        # Glued: the heading ends its paragraph's text, so the words under it begin another
        # paragraph with a stale section. A heading over unlabelled text inside a paragraph is not,
        # nor one that ends the body with nothing under it.
        holder = next((p for p in cable.paragraphs if p.start <= m.start("head") < p.end), None)
        if holder is not None and holder is not cable.paragraphs[-1] \
                and not cable.text[m.end():holder.end].strip(" \t\n-="):
            yield Finding("glued heading", cable.id, m.start("head"), repr(head))


def _lost_lines(cable: Cable) -> Iterator[Finding]:
    """Body lines outside every paragraph span whose words are in no paragraph, section or signer,
    and which the parser does not name as furniture (``qa.cables.body.furniture_lines``)."""
    start, end = _body_range(cable)
    spans = [(p.start, p.end) for p in cable.paragraphs]
    named = {a for a, _, _ in furniture_lines(cable.text, start)}
    known = " ".join([*(p.text for p in cable.paragraphs), *(p.section or "" for p in cable.paragraphs),
                      cable.signer or ""])
    words_known = set(re.findall(r"[a-z]{3,}", known.lower()))
    offset = start
    for line in cable.text[start:end].split("\n"):
        at, offset = offset, offset + len(line) + 1
        words = re.findall(r"[a-z]{3,}", line.lower())
        if len(words) < 2 or at in named or any(a <= at + len(line) and at < b for a, b in spans):
            continue
        missing = [w for w in words if w not in words_known]
        if len(missing) >= max(1, len(words) // 2):
            yield Finding("lost line", cable.id, at, repr(line.strip()[:80]))


def _in_text_signer(cable: Cable) -> Iterator[Finding]:
    if cable.signer or not cable.paragraphs:
        return
    last = cable.paragraphs[-1]
    m = _IN_TEXT_SIGNER.search(last.text)
    if m and m.group("name") not in _NOT_NAMES:
        yield Finding("in-text signer", cable.id, last.end, m.group("name"))


def _cut_reasons(cable: Cable) -> Iterator[Finding]:
    reasons = cable.reasons or ""
    if reasons.count("(") != reasons.count(")"):
        yield Finding("cut reasons", cable.id, 0, repr(reasons))


def audit_cable(cable: Cable, exempt_labels: Iterable[int] = ()) -> list[Finding]:
    """Every finding in one cable; ``exempt_labels`` are numbers of a justified quoted list."""
    exempt = set(exempt_labels)
    return [*_citation_findings(cable, exempt), *_glued_headings(cable), *_lost_lines(cable),
            *_in_text_signer(cable), *_cut_reasons(cable)]


KINDS = ("citation", "glued heading", "lost line", "in-text signer", "cut reasons")


def audit_corpus(cables: Iterable[Cable], exempt: dict[str, Iterable[int]] | None = None) -> AuditReport:
    exempt = exempt or {}
    count, found = 0, []
    for cable in cables:
        count += 1
        found.extend(audit_cable(cable, exempt.get(cable.id, ())))
    return AuditReport(count, tuple(found))


def format_counts(report: AuditReport) -> str:
    lines = ["| fault | findings | cables |", "|---|---:|---:|"]
    for kind in KINDS:
        lines.append(f"| {kind} | {len(report.of(kind))} | {len(report.cables_with(kind))} |")
    return "\n".join(lines)


def _read(corpus: Path) -> Iterator[Cable]:
    for path in sorted((corpus / "cables").glob("*.txt")):
        try:
            yield read_cable_file(path)
        except CableParseError:
            continue


def main(argv: list[str]) -> int:
    corpus = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parents[2] / "shared" / "corpus"
    report = audit_corpus(_read(corpus))
    print(f"{report.cables} cables audited\n")
    print(format_counts(report))
    for finding in report.findings:
        print(f"- {finding}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
