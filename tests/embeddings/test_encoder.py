"""The real bundled model: shapes, unit norms, names, and one semantic check on the seed cable.

The checks every encoder owes (the ``Encoder`` protocol) run on torch and on the ONNX encoder
``cableqa serve`` loads by default; the loading checks are torch's own.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from embeddings.encoder import BUNDLED_MODEL_NAME, Encoder, SentenceTransformerEncoder
from embeddings.errors import InvalidInputError, ModelUnavailableError

# Paragraphs 3 and 7 of 08TOKYO1074, the bundled seed cable.
LAVROV_ON_MISSILE_DEFENSE = (
    "Lavrov responded that the aim and intent of Japan's ballistic missile defense system are obvious for Russia"
)
SUMMIT_ON_G8_MARGINS = "Japan and Russia agreed to hold a bilateral summit meeting on the margins of the G8"


@pytest.fixture(params=["torch", "served"])
def any_encoder(request: pytest.FixtureRequest) -> Encoder:
    """The bundled model on torch, then as ``cableqa serve`` loads it (ONNX int8, one text per call)."""
    loaded: Encoder = request.getfixturevalue("torch_encoder" if request.param == "torch" else "encoder")
    return loaded


def test_bundled_model_reports_hub_name_384_dimensions_and_256_tokens(
    any_encoder: Encoder,
) -> None:
    assert BUNDLED_MODEL_NAME == "sentence-transformers/all-MiniLM-L6-v2"
    # The int8 backend's vectors differ from torch's and fp32's, so its identity says so.
    assert any_encoder.model_name in (BUNDLED_MODEL_NAME, f"{BUNDLED_MODEL_NAME}+onnx-int8")
    assert any_encoder.dimension == 384
    assert any_encoder.max_tokens == 256


def test_queries_and_documents_become_contiguous_float32_unit_rows(
    any_encoder: Encoder,
) -> None:
    queries = any_encoder.encode_queries(["what did Lavrov say about missile defense", "Sakhalin II"])
    documents = any_encoder.encode_documents([LAVROV_ON_MISSILE_DEFENSE, SUMMIT_ON_G8_MARGINS, "x"])

    for vectors, rows in ((queries, 2), (documents, 3)):
        assert vectors.shape == (rows, 384)
        assert vectors.dtype == np.float32
        assert vectors.flags.c_contiguous
        np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_no_texts_give_zero_rows_of_the_model_width(any_encoder: Encoder) -> None:
    assert any_encoder.encode_queries([]).shape == (0, 384)
    assert any_encoder.encode_documents(()).shape == (0, 384)


def test_a_bare_string_is_refused_rather_than_encoded_letter_by_letter(
    any_encoder: Encoder,
) -> None:
    with pytest.raises(InvalidInputError) as caught:
        any_encoder.encode_queries("what did Lavrov say")
    assert caught.value.field == "texts"


def test_lavrov_missile_defense_sentence_is_nearer_the_question_than_the_summit_sentence(
    any_encoder: Encoder,
) -> None:
    query = any_encoder.encode_queries(["what did Lavrov say about missile defense"])[0]
    lavrov, summit = any_encoder.encode_documents([LAVROV_ON_MISSILE_DEFENSE, SUMMIT_ON_G8_MARGINS])

    assert float(query @ lavrov) > float(query @ summit) + 0.2


def test_a_model_folder_that_does_not_exist_is_unavailable_and_the_message_says_how_to_fix(
    tmp_path: Path,
) -> None:
    missing = str(tmp_path / "no-such-model")
    with pytest.raises(ModelUnavailableError) as caught:
        SentenceTransformerEncoder(missing)
    assert missing in caught.value.message
    assert "CABLEQA_MODEL" in caught.value.message


def test_a_hub_name_that_is_not_on_disk_fails_offline_instead_of_downloading() -> None:
    with pytest.raises(ModelUnavailableError) as caught:
        SentenceTransformerEncoder("cableqa-tests/no-such-model")
    assert "cableqa-tests/no-such-model" in caught.value.message


def test_batch_size_below_one_is_refused_before_loading() -> None:
    with pytest.raises(InvalidInputError) as caught:
        SentenceTransformerEncoder(batch_size=0)
    assert caught.value.field == "batch_size"
