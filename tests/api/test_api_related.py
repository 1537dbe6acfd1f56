"""``GET /cables/{id}`` links, ``/cables/{id}/references`` and ``/paragraphs/{n}/similar`` over real HTTP routing.

The index: the seed with 10MOSCOW266 (CONFIDENTIAL), which cites 09MOSCOW1273 (SECRET), and 10BERLIN128,
which cites 09BERLIN1528; built once for the module with the real model.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from suite_support import copy_index

from api.schemas import AnswerOut, CableOut, ReferencesOut
from embeddings.encoder import Encoder
from qa.cables.corpus import read_cable_file
from qa.service import CableIndex

AppFactory = Callable[..., AbstractContextManager[TestClient]]
CABLES = ("10MOSCOW266", "09MOSCOW1273", "10BERLIN128", "09BERLIN1528")


@pytest.fixture(scope="module")
def related_dir(tmp_path_factory: pytest.TempPathFactory, seed_index_dir: Path, encoder: Encoder,
                corpus: Path) -> Path:
    """The seed index with the four cables added; each test opens it through ``make_client`` and only reads."""
    folder = copy_index(seed_index_dir, tmp_path_factory.mktemp("related-api") / "index")
    CableIndex.open(folder, encoder).ingest([read_cable_file(corpus / "cables" / f"{name}.txt") for name in CABLES])
    return folder


@pytest.fixture
def related(make_client: AppFactory, related_dir: Path) -> Iterator[TestClient]:
    with make_client(related_dir) as client:
        yield client


def test_cable_lists_its_references_and_the_cables_citing_it(related: TestClient) -> None:
    response = related.get("/cables/09BERLIN1528")
    assert response.status_code == 200
    cable = CableOut.model_validate(response.json())
    assert [link.cable_id for link in cable.referenced_by] == ["10BERLIN128"]
    assert cable.referenced_by[0].indexed and cable.referenced_by[0].subject
    assert {link.cable_id for link in cable.reference_links} >= {"09BERLIN1393"}
    assert not any(link.indexed for link in cable.reference_links)
    seed = CableOut.model_validate(related.get("/cables/08TOKYO1074").json())
    assert [(link.cable_id, link.indexed) for link in seed.reference_links] == [
        ("08TOKYO1002", False), ("08TOKYO366", False), ("07TOKYO2690", False)]


def test_references_route_counts_a_cable_above_the_ceiling_without_naming_it(related: TestClient) -> None:
    open_view = ReferencesOut.model_validate(related.get("/cables/10MOSCOW266/references").json())
    assert [(link.cable_id, link.indexed) for link in open_view.references] == [
        ("10STATE8676", False), ("09MOSCOW1273", True)]
    response = related.get("/cables/10MOSCOW266/references", params={"max_classification": "CONFIDENTIAL"})
    assert "09MOSCOW1273" not in response.text
    low = ReferencesOut.model_validate(response.json())
    assert [link.cable_id for link in low.references] == ["10STATE8676"] and low.references_withheld == 1
    # The SECRET cable itself, under the ceiling: its own REF items are header words, its citer is shown.
    secret = ReferencesOut.model_validate(
        related.get("/cables/09MOSCOW1273/references", params={"max_classification": "CONFIDENTIAL"}).json())
    assert secret.references == [] and [link.cable_id for link in secret.referenced_by] == ["10MOSCOW266"]
    cable = related.get("/cables/10MOSCOW266", params={"max_classification": "CONFIDENTIAL"})
    assert cable.status_code == 200 and "09MOSCOW1273" not in str(cable.json()["reference_links"])
    assert cable.json()["references_withheld"] == 1


def test_unknown_cable_references_are_404(related: TestClient) -> None:
    response = related.get("/cables/99NOWHERE1/references")
    assert response.status_code == 404


def test_similar_route_returns_other_cables_with_filters(related: TestClient) -> None:
    response = related.get("/cables/08TOKYO1074/paragraphs/9/similar", params={"k": 3})
    assert response.status_code == 200
    answer = AnswerOut.model_validate(response.json())
    assert answer.question == "08TOKYO1074 ¶9"
    assert 0 < len(answer.hits) <= 3 and all(h.cable_id != "08TOKYO1074" for h in answer.hits)
    moscow = related.get("/cables/08TOKYO1074/paragraphs/9/similar", params={"k": 5, "origin": "MOSCOW"}).json()
    assert moscow["hits"] and all("MOSCOW" in h["origin"] for h in moscow["hits"])


def test_similar_route_refuses_what_the_reader_may_not_see(related: TestClient) -> None:
    rows = related.get("/cables/09MOSCOW1273").json()["paragraphs"]
    for paragraph in rows:
        response = related.get(f"/cables/09MOSCOW1273/paragraphs/{paragraph['number']}/similar",
                               params={"max_classification": "CONFIDENTIAL", "include_own_cable": "true"})
        assert response.status_code in (200, 403)
        if response.status_code == 200:
            for hit in response.json()["hits"]:
                shown = hit["classification"] in ("UNCLASSIFIED", "SENSITIVE BUT UNCLASSIFIED", "CONFIDENTIAL")
                assert shown or hit["subject"] is None
    bad = related.get("/cables/08TOKYO1074/paragraphs/9/similar", params={"k": 0})
    assert bad.status_code == 422
    missing = related.get("/cables/08TOKYO1074/paragraphs/99/similar")
    assert missing.status_code == 404
