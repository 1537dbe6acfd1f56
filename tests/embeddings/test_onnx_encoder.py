"""The ONNX Runtime backend against the torch one: the real bundled model, real cable text, real exports.

The export runs once per session into a temporary cache (about 10 s for fp32 and int8 together).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from suite_support import REPO

from embeddings import onnx_export
from embeddings.encoder import BUNDLED_MODEL_NAME, Encoder, SentenceTransformerEncoder
from embeddings.errors import InvalidInputError, ModelUnavailableError
from embeddings.onnx_encoder import OnnxEncoder
from embeddings.onnx_export import Variant, read_model_folder
from eval.questions import EvalQuestion, bundled_questions_path, load_questions
from qa.cables.corpus import read_cable_file, seed_cable_path
from qa.cables.records import Cable
from qa.errors import CableParseError
from qa.ingest.passages import passage_text
from qa.ingest.vectors import encode_cables
from qa.settings import Settings
from qa.startup import load_encoder
from qa.store.batch import EncodedBatch


class Export:
    """The session's ONNX cache folder, and every message the exporter printed into it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.messages: list[str] = []

    def encoder(self, variant: Variant = "fp32") -> OnnxEncoder:
        return OnnxEncoder(variant=variant, cache_dir=self.folder, say=self.messages.append)


@pytest.fixture(scope="session")
def export(tmp_path_factory: pytest.TempPathFactory) -> Export:
    return Export(tmp_path_factory.mktemp("onnx-cache"))


@pytest.fixture(scope="session")
def onnx_fp32(export: Export) -> OnnxEncoder:
    return export.encoder("fp32")


@pytest.fixture(scope="session")
def onnx_int8(export: Export, onnx_fp32: OnnxEncoder) -> OnnxEncoder:
    return export.encoder("int8")


@pytest.fixture(scope="session")
def seed_cable() -> Cable:
    return read_cable_file(seed_cable_path())


@pytest.fixture(scope="session")
def corpus_cables(corpus: Path) -> list[Cable]:
    """The first 40 corpus cables by file name (about 300 paragraphs, some longer than 256 tokens)."""
    cables = []
    for path in sorted((corpus / "cables").glob("*.txt"))[:40]:
        try:
            cables.append(read_cable_file(path))
        except CableParseError:
            continue
    return cables


@pytest.fixture(scope="session")
def seed_questions() -> list[EvalQuestion]:
    return load_questions(bundled_questions_path())


@pytest.fixture(scope="session")
def torch_batch(torch_encoder: SentenceTransformerEncoder, seed_cable: Cable,
                corpus_cables: list[Cable]) -> EncodedBatch:
    return encode_cables([seed_cable, *corpus_cables[:12]], torch_encoder, "context")


def _cosines(a: npt.NDArray[np.float32], b: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    assert a.shape == b.shape
    cosines: npt.NDArray[np.float32] = np.sum(a * b, axis=1)  # rows are unit vectors
    return cosines


def _passages(cables: list[Cable]) -> list[str]:
    return [passage_text(cable, paragraph, "context") for cable in cables for paragraph in cable.paragraphs]


def test_onnx_reports_the_torch_model_name_dimension_and_token_limit(
    onnx_fp32: OnnxEncoder, onnx_int8: OnnxEncoder, torch_encoder: SentenceTransformerEncoder
) -> None:
    typed: Encoder = onnx_int8  # the protocol, checked by mypy
    assert onnx_fp32.model_name == torch_encoder.model_name == BUNDLED_MODEL_NAME
    assert typed.model_name == f"{BUNDLED_MODEL_NAME}+onnx-int8"  # its vectors differ: an index says which
    for candidate in (onnx_fp32, typed):
        assert candidate.dimension == torch_encoder.dimension == 384
        assert candidate.max_tokens == torch_encoder.max_tokens == 256


def test_fp32_question_vectors_match_sentence_transformers(
    onnx_fp32: OnnxEncoder, torch_encoder: SentenceTransformerEncoder, seed_questions: list[EvalQuestion]
) -> None:
    texts = [q.question for q in seed_questions]
    vectors = onnx_fp32.encode_queries(texts)

    assert vectors.dtype == np.float32 and vectors.flags.c_contiguous
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert _cosines(vectors, torch_encoder.encode_queries(texts)).min() >= 0.9999


def test_fp32_paragraph_vectors_match_sentence_transformers_including_truncated_ones(
    onnx_fp32: OnnxEncoder, torch_encoder: SentenceTransformerEncoder, seed_cable: Cable, corpus_cables: list[Cable]
) -> None:
    texts = _passages([seed_cable, *corpus_cables[:12]])
    longest = max(len(onnx_fp32.windows(t)) for t in texts)

    cosines = _cosines(onnx_fp32.encode_documents(texts), torch_encoder.encode_documents(texts))

    assert longest > 1, "some paragraph should run past the 256-token limit"
    assert cosines.min() >= 0.9999


def test_fp32_window_and_sentence_vectors_from_ingest_match_the_torch_path(
    onnx_fp32: OnnxEncoder, torch_batch: EncodedBatch
) -> None:
    batch = encode_cables(torch_batch.cables, onnx_fp32, "context")

    np.testing.assert_array_equal(batch.window_para, torch_batch.window_para)
    np.testing.assert_array_equal(batch.sentence_spans, torch_batch.sentence_spans)
    assert len(batch.sentence_vectors) > 100
    assert _cosines(batch.window_vectors, torch_batch.window_vectors).min() >= 0.9999
    assert _cosines(batch.sentence_vectors, torch_batch.sentence_vectors).min() >= 0.999


def test_chunks_encoded_side_by_side_get_the_vectors_of_one_call(
    onnx_fp32: OnnxEncoder, torch_batch: EncodedBatch
) -> None:
    """Ingest runs two chunks at once through one encoder (shared tokenizers, sessions and workers)."""
    cables = torch_batch.cables
    whole = encode_cables(cables, onnx_fp32, "context")
    with ThreadPoolExecutor(2) as pool:
        parts = list(pool.map(lambda part: encode_cables(part, onnx_fp32, "context"),
                              [cables[i::3] for i in range(3)] * 2))
    by_cable = {c.id: c for c in cables}
    for part in parts:
        alone = encode_cables([by_cable[c.id] for c in part.cables], onnx_fp32, "context")
        np.testing.assert_array_equal(part.window_para, alone.window_para)
        np.testing.assert_allclose(part.window_vectors, alone.window_vectors, atol=1e-6)
        np.testing.assert_allclose(part.sentence_vectors, alone.sentence_vectors, atol=1e-6)
    assert sum(len(p.window_vectors) for p in parts) == 2 * len(whole.window_vectors)


def test_int8_vectors_stay_close_to_the_torch_path(onnx_int8: OnnxEncoder, torch_batch: EncodedBatch) -> None:
    # Measured on this set (112 windows, 480 sentences): windows min 0.989, mean 0.995; sentences min 0.974,
    # mean 0.994. Over 1,222 windows of 1,012 corpus paragraphs (bench/encoders.py) the window minimum was 0.981.
    batch = encode_cables(torch_batch.cables, onnx_int8, "context")

    windows = _cosines(batch.window_vectors, torch_batch.window_vectors)
    sentences = _cosines(batch.sentence_vectors, torch_batch.sentence_vectors)
    assert windows.min() >= 0.98 and windows.mean() >= 0.99
    assert sentences.min() >= 0.965 and sentences.mean() >= 0.99


def test_int8_question_vectors_stay_close_to_sentence_transformers(
    onnx_int8: OnnxEncoder, torch_encoder: SentenceTransformerEncoder, seed_questions: list[EvalQuestion]
) -> None:
    texts = [q.question for q in seed_questions]

    cosines = _cosines(onnx_int8.encode_queries(texts), torch_encoder.encode_queries(texts))

    assert cosines.min() >= 0.98 and cosines.mean() >= 0.99  # measured: min 0.988, mean 0.994


def test_int8_ranks_the_seed_paragraphs_for_the_eval_questions_as_well_as_torch(
    onnx_int8: OnnxEncoder, onnx_fp32: OnnxEncoder, torch_encoder: SentenceTransformerEncoder, seed_cable: Cable,
    seed_questions: list[EvalQuestion],
) -> None:
    answerable = [q for q in seed_questions if q.answerable]
    texts = _passages([seed_cable])
    citations = [f"{seed_cable.id} ¶{p.number}" for p in seed_cable.paragraphs]

    def rankings(model: Encoder) -> npt.NDArray[np.int64]:
        scores = model.encode_queries([q.question for q in answerable]) @ model.encode_documents(texts).T
        return np.argsort(-scores, axis=1)

    def hit_at_1(ranked: npt.NDArray[np.int64]) -> float:
        return float(np.mean([citations[r[0]] in q.relevant for q, r in zip(answerable, ranked, strict=True)]))

    torch_ranked, fp32_ranked, int8_ranked = rankings(torch_encoder), rankings(onnx_fp32), rankings(onnx_int8)

    np.testing.assert_array_equal(fp32_ranked, torch_ranked)
    # Measured: int8 picks the same first paragraph for 84 of 91 questions; hit@1 0.714 against 0.725 (one question).
    assert np.mean(int8_ranked[:, 0] == torch_ranked[:, 0]) >= 0.88
    assert hit_at_1(int8_ranked) >= hit_at_1(torch_ranked) - 0.03


def test_windows_are_the_torch_encoders_windows(
    onnx_fp32: OnnxEncoder, torch_encoder: SentenceTransformerEncoder, corpus_cables: list[Cable]
) -> None:
    texts = _passages(corpus_cables)
    cut = 0
    for text in texts:
        for overlap in (0, 32):
            windows = onnx_fp32.windows(text, overlap)
            assert windows == torch_encoder.windows(text, overlap)
            cut += len(windows) > 1
    assert cut >= 10


def test_span_vectors_pool_the_tokens_inside_each_span_and_fall_back_to_the_passage(
    onnx_fp32: OnnxEncoder, torch_encoder: SentenceTransformerEncoder
) -> None:
    text = "Lavrov responded that the aim of Japan's missile defense is obvious. The summit will be in July."
    spans = [[(0, 68), (69, len(text)), (5, 5)], []]

    passages, per_text = onnx_fp32.encode_passages([text, "Sakhalin II"], spans)
    torch_passages, torch_per_text = torch_encoder.encode_passages([text, "Sakhalin II"], spans)

    assert [v.shape for v in per_text] == [(3, 384), (0, 384)]
    assert _cosines(per_text[0], torch_per_text[0]).min() >= 0.9999
    np.testing.assert_allclose(per_text[0][2], passages[0], atol=1e-6)  # an empty span gets the passage
    assert _cosines(passages, torch_passages).min() >= 0.9999


def test_no_texts_give_zero_rows_and_bad_arguments_are_refused(onnx_fp32: OnnxEncoder) -> None:
    assert onnx_fp32.encode_queries([]).shape == (0, 384)
    passages, per_text = onnx_fp32.encode_passages([], [])
    assert passages.shape == (0, 384) and per_text == []
    with pytest.raises(InvalidInputError) as bare:
        onnx_fp32.encode_documents("what did Lavrov say")
    with pytest.raises(InvalidInputError) as spans:
        onnx_fp32.encode_passages(["one", "two"], [[]])
    assert (bare.value.field, spans.value.field) == ("texts", "spans")


def test_a_second_encoder_reuses_the_cached_export_without_exporting_again(
    export: Export, onnx_fp32: OnnxEncoder, onnx_int8: OnnxEncoder
) -> None:
    exports_before = [m for m in export.messages if m.startswith("Exporting")]
    modified = {p: p.stat().st_mtime_ns for p in (onnx_fp32.model_path, onnx_int8.model_path)}

    again = export.encoder("int8")

    assert again.model_path == onnx_int8.model_path
    assert {p: p.stat().st_mtime_ns for p in modified} == modified
    assert [m for m in export.messages if m.startswith("Exporting")] == exports_before
    assert len(exports_before) == 2  # fp32 once, int8 once (quantised from the cached fp32)


def test_minilm_keeps_the_first_int8_recipe_so_its_vectors_do_not_move(onnx_int8: OnnxEncoder) -> None:
    record = json.loads(onnx_int8.model_path.with_suffix(".json").read_text())

    assert (record["recipe"], record["fp32_nodes"]) == ("per-channel", 0)
    assert record["min_cosine_to_fp32"] >= 0.98


def test_an_int8_graph_no_recipe_makes_faithful_is_refused_by_name_and_remembered(
        onnx_fp32: OnnxEncoder, export: Export, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(onnx_export, "_INT8_MIN_COSINE", 1.01)  # no real graph reaches it
    cache = export.folder / "strict"
    cache.mkdir()
    shutil.copy2(onnx_fp32.model_path, cache / onnx_fp32.model_path.name)
    shutil.copy2(onnx_fp32.model_path.with_suffix(".json"), cache / onnx_fp32.model_path.with_suffix(".json").name)

    with pytest.raises(ModelUnavailableError) as refused:
        OnnxEncoder(variant="int8", cache_dir=cache)
    with pytest.raises(ModelUnavailableError) as again:
        OnnxEncoder(variant="int8", cache_dir=cache)

    message = refused.value.message
    assert "per-channel 0.9" in message and "per-channel-7bit-fp32-down-projections 0.9" in message
    assert "CABLEQA_ENCODER_BACKEND=onnx" in message
    assert again.value.message == message  # read back from the .refused file, not quantised again
    assert not list(cache.glob("*int8*.onnx"))


def test_loading_a_cached_export_imports_neither_torch_nor_sentence_transformers(
    export: Export, onnx_int8: OnnxEncoder
) -> None:
    script = (
        "import json, sys; from pathlib import Path; from embeddings.onnx_encoder import OnnxEncoder; "
        "e = OnnxEncoder(variant='int8', cache_dir=Path(sys.argv[1])); e.encode_queries(['Sakhalin II']); "
        "print(json.dumps([m for m in ('torch', 'transformers', 'sentence_transformers') if m in sys.modules]))"
    )
    done = subprocess.run([sys.executable, "-c", script, str(export.folder)], cwd=REPO, capture_output=True,
                          text=True, timeout=120, check=True, env={**os.environ, "PYTHONPATH": str(REPO)})

    assert json.loads(done.stdout) == []
    assert "Exporting" not in done.stderr


def test_a_damaged_cached_model_is_detected_and_exported_again(
    export: Export, onnx_fp32: OnnxEncoder, torch_encoder: SentenceTransformerEncoder, tmp_path: Path
) -> None:
    for path in (onnx_fp32.model_path, onnx_fp32.model_path.with_suffix(".json")):
        shutil.copy2(path, tmp_path / path.name)
    damaged = tmp_path / onnx_fp32.model_path.name
    data = bytearray(damaged.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 64] = bytes(64)  # same size: only the checksum can tell
    damaged.write_bytes(bytes(data))
    # an entry of a virtual environment deleted since, and one of a folder still there under another key
    record = json.loads(onnx_fp32.model_path.with_suffix(".json").read_text())
    for name, source in (("gone", tmp_path / "deleted-venv" / "model"), ("kept", tmp_path)):
        (tmp_path / f"{name}-fp32-0123456789abcdef.onnx").write_bytes(b"graph")
        (tmp_path / f"{name}-fp32-0123456789abcdef.json").write_text(json.dumps({**record, "source": str(source)}))
    messages: list[str] = []

    repaired = OnnxEncoder(cache_dir=tmp_path, say=messages.append)

    assert repaired.model_path == damaged
    assert any("damaged" in m for m in messages) and any(m.startswith("Exporting") for m in messages)
    assert not list(tmp_path.glob("gone-*")) and any("no longer exist" in m for m in messages)
    assert len(list(tmp_path.glob("kept-*"))) == 2
    record = json.loads(damaged.with_suffix(".json").read_text())
    assert damaged.stat().st_size == record["bytes"]
    question = ["what did Lavrov say about missile defense"]
    assert float(repaired.encode_queries(question)[0] @ torch_encoder.encode_queries(question)[0]) >= 0.9999


def test_load_encoder_picks_the_backend_from_settings(export: Export, onnx_int8: OnnxEncoder) -> None:
    int8 = load_encoder(Settings(encoder_backend="onnx-int8", onnx_cache_dir=export.folder))
    fp32 = load_encoder(Settings(encoder_backend="onnx", onnx_cache_dir=export.folder))

    exact = load_encoder(Settings(encoder_backend="onnx", quantized_queries=False, onnx_cache_dir=export.folder))

    assert isinstance(int8, OnnxEncoder) and int8.variant == "int8"
    assert isinstance(fp32, OnnxEncoder) and fp32.variant == "fp32" and fp32.query_variant == "int8"
    assert isinstance(exact, OnnxEncoder) and exact.query_variant == "fp32"
    assert fp32.model_name == exact.model_name == BUNDLED_MODEL_NAME
    assert int8.model_name == f"{BUNDLED_MODEL_NAME}+onnx-int8"


def test_quantized_questions_match_fp32_and_do_not_depend_on_their_batch(
        export: Export, onnx_fp32: OnnxEncoder) -> None:
    """Documents stay fp32; questions through the int8 graph move little, and never with their neighbours."""
    quantized = OnnxEncoder(cache_dir=export.folder, query_variant="int8", say=export.messages.append)
    questions = [q.question for q in load_questions(bundled_questions_path())]

    batched = quantized.encode_queries(questions)
    alone = np.stack([quantized.encode_queries([q])[0] for q in questions[:20]])
    exact = onnx_fp32.encode_queries(questions)
    cosines = np.sum(batched * exact, axis=1)

    np.testing.assert_array_equal(batched[:20], alone)
    assert np.allclose(np.linalg.norm(batched, axis=1), 1.0, atol=1e-5)
    assert cosines.min() >= 0.97 and cosines.mean() >= 0.99, (cosines.min(), cosines.mean())
    np.testing.assert_array_equal(quantized.encode_documents(questions[:5]), onnx_fp32.encode_documents(questions[:5]))


def _model_copy(tmp_path: Path, change: Callable[[Path], None]) -> Path:
    source = read_model_folder("").path
    folder = tmp_path / "model"
    shutil.copytree(source, folder, ignore=shutil.ignore_patterns("*.safetensors", "*.bin", "*.onnx"))
    change(folder)
    return folder


def test_a_model_whose_pooling_the_onnx_path_cannot_reproduce_is_refused_naming_the_torch_backend(
    tmp_path: Path,
) -> None:
    def cls_pooling(folder: Path) -> None:
        config = folder / "1_Pooling" / "config.json"
        settings = json.loads(config.read_text())
        config.write_text(json.dumps({**settings, "pooling_mode_cls_token": True, "pooling_mode_mean_tokens": False}))

    with pytest.raises(ModelUnavailableError) as caught:
        OnnxEncoder(str(_model_copy(tmp_path, cls_pooling)), cache_dir=tmp_path / "cache")
    assert "pooling" in caught.value.message and "CABLEQA_ENCODER_BACKEND=torch" in caught.value.message


def test_a_model_that_is_not_on_disk_fails_offline_with_the_name_in_the_message(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailableError) as caught:
        OnnxEncoder("cableqa-tests/no-such-model", cache_dir=tmp_path)
    assert "cableqa-tests/no-such-model" in caught.value.message
    assert not any(tmp_path.iterdir())
