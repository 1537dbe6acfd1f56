"""References both ways and similar paragraphs, on the seed among real corpus cables that cite each other.

The subset: 10MOSCOW266 (CONFIDENTIAL) cites 09MOSCOW1273 (SECRET); 10BERLIN128 and 10BERLIN153 cite
09BERLIN1528, which cites 09BERLIN1393 (not indexed here); energy cables (08MOSCOW3380 on pipeline
exports, 08KYIV2173 on gas, 08ASTANA338 on Kazakh oil) beside unrelated Madrid ones.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from suite_support import copy_index

from embeddings.encoder import Encoder
from qa.cables.classification import Classification
from qa.cables.corpus import read_cable_file
from qa.cables.records import Cable, Reference
from qa.cables.references import cable_references, resolve_reference
from qa.errors import ForbiddenError, InvalidQueryError, UnknownCableError, UnknownParagraphError
from qa.search.filters import Filters, make_filters
from qa.search.reference_graph import reference_graph, visible_links
from qa.search.similar import parse_paragraph_citation, similar_paragraphs
from qa.service import CableIndex

RELATED = ("10MOSCOW266", "09MOSCOW1273", "08MOSCOW3380", "08KYIV2173", "08ASTANA338", "10BERLIN128",
           "10BERLIN153", "09BERLIN1528", "07MADRID546", "07MADRID520")
ENERGY = ("pipeline", "gas", "oil", "energy", "sakhalin", "gazprom", "lng", "export")


@pytest.fixture(scope="module")
def related_index(tmp_path_factory: pytest.TempPathFactory, seed_index_dir: Path, encoder: Encoder,
                  corpus: Path) -> CableIndex:
    index = CableIndex.open(copy_index(seed_index_dir, tmp_path_factory.mktemp("related") / "index"), encoder)
    index.ingest([read_cable_file(corpus / "cables" / f"{name}.txt") for name in RELATED])
    return index


def test_seed_references_resolve_to_canonical_ids(seed: Cable) -> None:
    assert [r.cable_id for r in cable_references(seed)] == ["08TOKYO1002", "08TOKYO366", "07TOKYO2690"]


@pytest.mark.parametrize(("text", "parsed", "expected"), [
    ("TOKYO 0366", None, "08TOKYO366"),  # no year: the citing cable's
    ("07 TOKYO 2690", None, "07TOKYO2690"),
    ("SECSTATE 12345", None, "08STATE12345"),
    ("A: HAVANA 00118", None, "08HAVANA118"),  # a letter the header left in the text
    ("ABU DHABI 1384", None, "08ABUDHABI1384"),
    ("IIR 6906012405", None, None),  # an intelligence report, not a cable
    ("TREMONT-PMAT EMAIL APRIL 16", None, None),
    ("07 SECSTATE 99", "07SECSTATE99", "07STATE99"),  # the header's id, respelled as ids spell it
    ("USDAO MADRID IIR 123", "08DAOMADRIDIIR123", None),
])
def test_reference_text_resolves_to_the_id_a_cable_carries(text: str, parsed: str | None,
                                                           expected: str | None) -> None:
    assert resolve_reference(Reference("A", text, parsed), "08TOKYO1074") == expected


def test_graph_links_corpus_cables_both_ways(related_index: CableIndex) -> None:
    graph = reference_graph(related_index.snapshot)
    assert graph.cited_by["09MOSCOW1273"] == ("10MOSCOW266",)
    assert graph.cited_by["09BERLIN1528"] == ("10BERLIN128", "10BERLIN153")
    assert "09BERLIN1393" in {r.cable_id for r in graph.references["09BERLIN1528"]}
    assert reference_graph(related_index.snapshot) is graph  # cached for the generation


def test_links_mark_indexed_and_give_subjects(related_index: CableIndex) -> None:
    links = visible_links(related_index.snapshot, "09BERLIN1528", None)
    by_id = {link.cable_id: link for link in links.references}
    assert by_id["09BERLIN1393"].indexed is False and by_id["09BERLIN1393"].subject is None
    assert [link.cable_id for link in links.referenced_by] == ["10BERLIN128", "10BERLIN153"]
    assert all(link.indexed and link.subject for link in links.referenced_by)
    seed_links = visible_links(related_index.snapshot, "08TOKYO1074", None)
    assert [(link.cable_id, link.indexed) for link in seed_links.references] == [
        ("08TOKYO1002", False), ("08TOKYO366", False), ("07TOKYO2690", False)]


def test_cable_above_the_ceiling_is_counted_never_named(related_index: CableIndex) -> None:
    snapshot = related_index.snapshot
    links = visible_links(snapshot, "10MOSCOW266", Classification.CONFIDENTIAL)
    assert "09MOSCOW1273" not in {link.cable_id for link in links.references}
    assert links.references_withheld == 1
    back = visible_links(snapshot, "09MOSCOW1273", Classification.CONFIDENTIAL)
    assert back.referenced_by == () or all(link.cable_id != "09MOSCOW1273" for link in back.referenced_by)
    unrestricted = visible_links(snapshot, "10MOSCOW266", None)
    assert "09MOSCOW1273" in {link.cable_id for link in unrestricted.references}
    with pytest.raises(UnknownCableError):
        visible_links(snapshot, "99NOWHERE1", None)


def test_graph_after_an_upload_reuses_unchanged_cables(related_index: CableIndex, tmp_path: Path,
                                                       encoder: Encoder, corpus: Path) -> None:
    index = CableIndex.open(tmp_path / "index", encoder)
    index.ingest([read_cable_file(corpus / "cables" / "10BERLIN128.txt")])
    assert reference_graph(index.snapshot).cited_by == {}
    index.ingest([read_cable_file(corpus / "cables" / "09BERLIN1528.txt")])
    assert reference_graph(index.snapshot).cited_by == {"09BERLIN1528": ("10BERLIN128",)}


def test_sakhalin_paragraph_finds_energy_paragraphs_of_other_cables(related_index: CableIndex) -> None:
    snapshot = related_index.snapshot
    answer = similar_paragraphs(snapshot, "08TOKYO1074", 9, k=3)
    assert answer.question == "08TOKYO1074 ¶9"
    assert [hit.cable_id for hit in answer.hits if hit.cable_id == "08TOKYO1074"] == []
    top = answer.hits[0]
    assert top.cable_id in {"08MOSCOW3380", "08KYIV2173", "08ASTANA338", "10MOSCOW266"}, top
    assert any(word in top.text.lower() for word in ENERGY)
    own = similar_paragraphs(snapshot, "08TOKYO1074", 9, k=20, include_own_cable=True)
    assert ("08TOKYO1074", 9) not in {(h.cable_id, h.paragraph) for h in own.hits}
    assert "08TOKYO1074" in {h.cable_id for h in own.hits}


def test_similar_keeps_filters(related_index: CableIndex) -> None:
    answer = similar_paragraphs(related_index.snapshot, "08TOKYO1074", 9, k=5,
                                filters=make_filters(origins=["MOSCOW"]))
    assert answer.hits and all("MOSCOW" in (h.origin or "") for h in answer.hits)


def test_secret_cable_under_confidential_ceiling_reveals_nothing_above(related_index: CableIndex) -> None:
    snapshot = related_index.snapshot
    ceiling = Classification.CONFIDENTIAL
    rows = snapshot.cable_paragraph_rows("09MOSCOW1273")
    assert len(rows) and snapshot.cables[snapshot.cable_rows["09MOSCOW1273"]].classification == Classification.SECRET
    filters = Filters(max_classification=ceiling)
    for number, level in zip(snapshot.numbers[rows].tolist(), snapshot.levels[rows].tolist(), strict=True):
        if level > ceiling.rank:
            with pytest.raises(ForbiddenError):
                similar_paragraphs(snapshot, "09MOSCOW1273", number, k=10, filters=filters)
            continue
        answer = similar_paragraphs(snapshot, "09MOSCOW1273", number, k=10, filters=filters,
                                    include_own_cable=True)
        for hit in answer.hits:
            position = snapshot.cable_rows[hit.cable_id]
            row = snapshot.cable_paragraph_rows(hit.cable_id)
            hit_level = snapshot.levels[row[snapshot.numbers[row] == hit.paragraph][0]]
            assert hit_level <= ceiling.rank
            if not ceiling.allows(snapshot.cables[position].classification):
                assert hit.subject is None


def test_bad_similar_requests_are_named(related_index: CableIndex) -> None:
    snapshot = related_index.snapshot
    with pytest.raises(UnknownParagraphError):
        similar_paragraphs(snapshot, "08TOKYO1074", 99)
    with pytest.raises(UnknownCableError):
        similar_paragraphs(snapshot, "99NOWHERE1", 1)
    with pytest.raises(InvalidQueryError, match="k"):
        similar_paragraphs(snapshot, "08TOKYO1074", 9, k=0)
    assert parse_paragraph_citation("08tokyo1074 ¶9")[:2] == ("08TOKYO1074", 9)
    with pytest.raises(InvalidQueryError, match="paragraph citation"):
        parse_paragraph_citation("the Sakhalin paragraph")
    assert np.all(snapshot.numbers >= 0)
