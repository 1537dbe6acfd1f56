"""Fixtures for the parser tests: the seed cable's text and the shared real-cable corpus, parsed.

Every fixture built on ``corpus`` (``tests/conftest.py``) skips the test where ``../shared/corpus``
is absent, so the suite passes without it. The corpus is parsed once per session (about 6 s for
1,346 cables).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from qa.cables.corpus import read_cable_file, seed_cable_path
from qa.cables.records import Cable
from qa.errors import CableParseError


@dataclass(frozen=True)
class ParsedCorpus:
    """Every file under ``cables/`` read once: the cables by file stem, and any failures."""

    root: Path
    cables: dict[str, Cable]
    failures: dict[str, CableParseError]
    files: int


@pytest.fixture(scope="session")
def seed_text() -> str:
    return seed_cable_path().read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def parsed_corpus(corpus: Path) -> ParsedCorpus:
    cables: dict[str, Cable] = {}
    failures: dict[str, CableParseError] = {}
    files = sorted((corpus / "cables").glob("*.txt"))
    for path in files:
        try:
            cables[path.stem] = read_cable_file(path)
        except CableParseError as error:
            failures[path.stem] = error
    return ParsedCorpus(corpus, cables, failures, len(files))


@pytest.fixture(scope="session")
def corpus_cable(parsed_corpus: ParsedCorpus) -> Callable[[str], Cable]:
    """``corpus_cable("08ISLAMABAD405")``: one parsed corpus cable by its file name."""

    def get(name: str) -> Cable:
        return parsed_corpus.cables[name]

    return get
