"""The fusion's keyword trust follows the index's model unless a setting names it: MiniLM keeps the fixed
weights, mpnet trusts BM25 as far as it covers the question (both chosen on the eval's even half)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import ValidationError

from embeddings.encoder import Encoder
from embeddings.model_files import model_identity
from qa.search.ranking import KEYWORD_TRUST_BY_MODEL, weights_for_model
from qa.settings import Settings
from qa.startup import open_index


def test_each_model_takes_its_chosen_trust_whatever_its_folder_is_called() -> None:
    assert weights_for_model(model_identity("")).keyword_trust == 0.0  # the bundled MiniLM
    assert weights_for_model("sentence-transformers/all-mpnet-base-v2").keyword_trust == 2.0
    assert weights_for_model("someone/unmeasured-model").keyword_trust == 0.0
    assert weights_for_model("sentence-transformers/all-mpnet-base-v2", keyword_trust=0.0).keyword_trust == 0.0
    assert set(KEYWORD_TRUST_BY_MODEL.values()) <= {0.0, 2.0}


def test_an_opened_index_answers_with_its_models_trust_or_the_settings(
        encoder: Encoder, seed_copy: Callable[[], Path], monkeypatch: pytest.MonkeyPatch) -> None:
    root: Path = seed_copy()
    chosen = open_index(Settings(index_dir=root), encoder, seed_if_missing=False)
    monkeypatch.setenv("CABLEQA_KEYWORD_TRUST", "1.5")
    overridden = open_index(Settings(index_dir=root), encoder, seed_if_missing=False)

    assert chosen.weights.keyword_trust == KEYWORD_TRUST_BY_MODEL[model_identity("")] == 0.0
    assert overridden.weights.keyword_trust == 1.5
    question = "Did the Kremlin's chief envoy voice alarm about the rocket-interception network?"
    assert [h.citation for h in chosen.ask(question).hits]  # both answer, from the same index
    assert [h.citation for h in overridden.ask(question).hits]


def test_a_keyword_trust_out_of_range_is_refused_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CABLEQA_KEYWORD_TRUST", "-1")
    with pytest.raises(ValidationError) as error:
        Settings()
    assert "keyword_trust" in str(error.value)
