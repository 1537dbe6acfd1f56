"""What a key under a ceiling can destroy, and what ``answered`` tells a reader under one (issue: security).

Through the real app (its middleware, handlers and key ring) over real corpus cables: a key with a
ceiling may not overwrite a stored cable holding text above it, and the abstention check reads only
the text the reader may see, so ``answered`` cannot confirm a word of a withheld paragraph.
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

FAKE_REPLACEMENT = ("R 101200Z JUL 08\nFM AMEMBASSY ISLAMABAD\nTO SECSTATE WASHDC\nUNCLAS ISLAMABAD 002524\n"
                    "SUBJECT: REPLACED\n1. Nothing here.\n")
KEYS = "ckey:CONFIDENTIAL,admin"
AppFactory = Callable[..., AbstractContextManager[TestClient]]


@pytest.fixture(scope="module")
def corpus_root(tmp_path_factory: pytest.TempPathFactory, seed_index_dir: Path, encoder: Encoder,
                corpus: Path) -> Path:
    """The seed plus 08ISLAMABAD2524 (SECRET, 18 paragraphs) and 05PARIS479 (SECRET, one unmarked-low paragraph)."""
    files = [corpus / "cables" / f"{name}.txt" for name in ("08ISLAMABAD2524", "05PARIS479")]
    root = copy_index(seed_index_dir, tmp_path_factory.mktemp("security") / "index")
    CableIndex.open(root, encoder).ingest([read_cable_file(f) for f in files])
    return root


def test_a_ceiling_key_cannot_replace_a_cable_classified_above_it(corpus_root: Path, make_client: AppFactory,
                                                                  tmp_path: Path) -> None:
    root = copy_index(corpus_root, tmp_path / "index")
    with make_client(root, api_keys=KEYS) as client:
        before = client.get("/cables/08ISLAMABAD2524", headers={"X-API-Key": "admin"}).json()
        assert before["classification"] == "SECRET" and len(before["paragraphs"]) == 18
        refused = client.post("/cables", content=FAKE_REPLACEMENT, headers={"X-API-Key": "ckey",
                                                                             "Content-Type": "text/plain"})
        assert refused.status_code == 403, refused.text
        assert "08ISLAMABAD2524" in refused.json()["detail"] and "CONFIDENTIAL" in refused.json()["detail"]
        assert client.get("/cables/08ISLAMABAD2524", headers={"X-API-Key": "admin"}).json() == before
        allowed = client.post("/cables", content=FAKE_REPLACEMENT, headers={"X-API-Key": "admin",
                                                                            "Content-Type": "text/plain"})
        assert allowed.status_code == 201 and allowed.json()["replaced"] == ["08ISLAMABAD2524"]


def test_a_ceiling_key_cannot_delete_a_cable_classified_above_it(corpus_root: Path, make_client: AppFactory,
                                                                 tmp_path: Path) -> None:
    root = copy_index(corpus_root, tmp_path / "index")
    with make_client(root, api_keys=KEYS) as client:
        refused = client.delete("/cables/08ISLAMABAD2524", headers={"X-API-Key": "ckey"})
        assert refused.status_code == 403
        assert client.get("/health").json()["cables"] == 3


def _answered(client: TestClient, question: str, key: str | None = None) -> bool:
    headers = {"X-API-Key": key} if key else {}
    response = client.post("/ask", json={"question": question, "k": 5, "filters": {"cable_ids": ["05PARIS479"]}},
                           headers=headers)
    assert response.status_code == 200, response.text
    return bool(response.json()["answered"])


def test_answered_is_the_same_for_a_withheld_word_and_an_invented_one(corpus_root: Path, make_client: AppFactory
                                                                      ) -> None:
    with make_client(corpus_root, api_keys=KEYS, anonymous_max_classification="UNCLASSIFIED") as client:
        hidden_names = ["Bruguiere", "Ricard", "Villepin", "Perben"]  # only in the SECRET paragraphs 2-4
        invented = ["Zorblatt", "Quennevic", "Marbrouk", "Telissan"]
        for hidden, made_up in zip(hidden_names, invented, strict=True):
            assert _answered(client, f"minimize considered {hidden}") == \
                _answered(client, f"minimize considered {made_up}")
        # With no ceiling the same check does see the names: the difference above is the ceiling's.
        assert _answered(client, "minimize considered Bruguiere", key="admin")
        assert not _answered(client, "minimize considered Zorblatt", key="admin")
