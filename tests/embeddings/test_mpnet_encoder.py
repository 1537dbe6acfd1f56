"""all-mpnet-base-v2 on every encoder path: torch, ONNX fp32 (same vectors), windows by its own 384-token
limit, and an int8 graph by the second recipe (7-bit weights, FFN down-projections in fp32), since the
first breaks it. Skipped where the model is not installed (``cableqa models install all-mpnet-base-v2``)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from embeddings.encoder import SentenceTransformerEncoder
from embeddings.model_files import model_identity
from embeddings.onnx_encoder import OnnxEncoder
from qa.search.ranking import weights_for_model
from qa.settings import Settings

UPSTREAM = "sentence-transformers/all-mpnet-base-v2"
TEXTS = ["The ambassador met Foreign Minister Lavrov in Moscow on April 18.", "Wheat exports rose.",
         "Japan and Russia discussed the Sakhalin pipeline at length during the summit."]
QUESTION = ["Who did the ambassador meet in Moscow?"]


@pytest.fixture(scope="module")
def folder() -> str:
    model = Settings(model="all-mpnet-base-v2").model
    if not Path(model).is_dir():
        pytest.skip("all-mpnet-base-v2 is not installed (cableqa models install all-mpnet-base-v2)")
    return model


@pytest.fixture(scope="module")
def torch_encoder(folder: str) -> SentenceTransformerEncoder:
    return SentenceTransformerEncoder(folder)


@pytest.fixture(scope="module")
def onnx_encoder(folder: str) -> OnnxEncoder:
    return OnnxEncoder(folder, "fp32", threads=1)


def test_both_backends_name_the_upstream_model_and_its_own_limits(torch_encoder: SentenceTransformerEncoder,
                                                                    onnx_encoder: OnnxEncoder) -> None:
    for encoder in (torch_encoder, onnx_encoder):
        assert (encoder.model_name, encoder.dimension, encoder.max_tokens) == (UPSTREAM, 768, 384)


def test_onnx_fp32_gives_the_torch_vectors(torch_encoder: SentenceTransformerEncoder,
                                           onnx_encoder: OnnxEncoder) -> None:
    expected, got = torch_encoder.encode_documents(TEXTS), onnx_encoder.encode_documents(TEXTS)
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    assert (expected * got).sum(axis=1).min() > 0.9999
    scores = got @ onnx_encoder.encode_queries(QUESTION)[0]
    assert scores.argmax() == 0 and scores[0] > 0.6 > scores[1]


def test_windows_follow_the_models_384_token_limit(onnx_encoder: OnnxEncoder) -> None:
    text = " ".join(f"Paragraph sentence {n} about the Sakhalin pipeline talks." for n in range(120))
    windows = onnx_encoder.windows(text)
    assert len(windows) > 1 and windows[0][0] == 0 and windows[-1][1] == len(text)
    for start, end in windows:
        assert len(onnx_encoder._window_tokenizer.encode(text[start:end], add_special_tokens=False).ids) <= 382


def test_the_int8_graph_takes_the_second_recipe_and_stays_faithful_to_fp32(
        folder: str, onnx_encoder: OnnxEncoder) -> None:
    int8 = OnnxEncoder(folder, "int8", threads=1)
    record = json.loads(int8.model_path.with_suffix(".json").read_text())

    assert record["recipe"] == "per-channel-7bit-fp32-down-projections"
    assert record["fp32_nodes"] == 12  # one FFN down-projection per layer
    assert (int8.encode_documents(TEXTS) * onnx_encoder.encode_documents(TEXTS)).sum(axis=1).min() >= 0.97


def test_questions_take_the_int8_graph(folder: str) -> None:
    messages: list[str] = []
    encoder = OnnxEncoder(folder, "fp32", threads=1, query_variant="int8", say=messages.append)

    assert encoder.query_variant == "int8"
    assert not any("Questions use the fp32 graph" in m for m in messages)


def test_the_installed_folder_takes_mpnets_keyword_trust(folder: str) -> None:
    assert weights_for_model(model_identity(folder)).keyword_trust == 2.0
