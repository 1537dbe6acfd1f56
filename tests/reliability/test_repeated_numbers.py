"""A cable that prints a paragraph number twice: every paragraph has its own citation, on every route.

06CARACAS958 numbers its paragraphs 1-6, 5, 6, 7-10 (the source repeats 5 and 6). The second ``5.``
is cited ``06CARACAS958 ¶5 (2nd)``: in search hits, in ``GET /cables/{id}``, and as the paragraph
label ``GET /cables/{id}/paragraphs/5%20(2nd)`` and ``.../similar`` accept.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from suite_support import copy_index

from embeddings.encoder import Encoder
from qa.cables.corpus import read_cable_file
from qa.service import CableIndex

AppFactory = Callable[..., AbstractContextManager[TestClient]]
CABLE = "06CARACAS958"


@pytest.fixture(scope="module")
def caracas_root(tmp_path_factory: pytest.TempPathFactory, seed_index_dir: Path, encoder: Encoder,
                 corpus: Path) -> Path:
    path = corpus / "cables" / f"{CABLE}.txt"
    root = copy_index(seed_index_dir, tmp_path_factory.mktemp("repeated") / "index")
    CableIndex.open(root, encoder).ingest([read_cable_file(path)])
    return root


def test_the_cable_lists_each_repeated_number_with_its_own_label(caracas_root: Path, make_client: AppFactory) -> None:
    with make_client(caracas_root) as client:
        paragraphs = client.get(f"/cables/{CABLE}").json()["paragraphs"]
    assert [p["label"] for p in paragraphs] == ["1", "2", "3", "4", "5", "6", "5 (2nd)", "6 (2nd)", "7", "8", "9",
                                                 "10"]


def test_a_repeated_number_is_read_by_its_label(caracas_root: Path, make_client: AppFactory) -> None:
    with make_client(caracas_root) as client:
        first = client.get(f"/cables/{CABLE}/paragraphs/5").json()
        second = client.get(f"/cables/{CABLE}/paragraphs/5 (2nd)").json()
        assert (first["citation"], second["citation"]) == (f"{CABLE} ¶5", f"{CABLE} ¶5 (2nd)")
        assert first["section"] == "Commercial Agreements: Who's to Gain?"
        assert second["section"] == "Going Nuclear?: Uranium Rumors and More"
        assert client.get(f"/cables/{CABLE}/paragraphs/5 (3rd)").status_code == 404
        bad = client.get(f"/cables/{CABLE}/paragraphs/five")
        assert bad.status_code == 422 and "number" in bad.json()["detail"]
        similar = client.get(f"/cables/{CABLE}/paragraphs/6 (2nd)/similar", params={"include_own_cable": True})
        assert similar.status_code == 200 and similar.json()["question"] == f"{CABLE} ¶6 (2nd)"


def test_search_hits_cite_the_second_paragraph_as_2nd(caracas_root: Path, encoder: Encoder
                                                      ) -> None:
    index = CableIndex.open(caracas_root, encoder)
    second_five = index.paragraph(CABLE, 5, 2)[1].text
    hits = index.ask(second_five[:300], k=3, mode="bm25").hits
    assert hits[0].citation == f"{CABLE} ¶5 (2nd)" and hits[0].occurrence == 2
    citations = [h.citation for h in index.ask("Venezuela uranium nuclear", k=20, mode="hybrid").hits]
    assert len(citations) == len(set(citations))
