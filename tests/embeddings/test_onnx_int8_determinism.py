"""The int8 graph gives a text the same bytes whatever it is encoded with, and stays close to fp32.

Real model, real exports (a cache of this module's own), real cable text, a real index on disk.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from suite_support import CORPUS

from embeddings.onnx_encoder import OnnxEncoder
from qa.cables.corpus import read_cable_file, seed_cable_path
from qa.cables.records import Cable
from qa.errors import CableParseError, IndexMismatchError
from qa.ingest.passages import passage_text
from qa.ingest.vectors import encode_cables
from qa.service import CableIndex
from qa.store.snapshot import Snapshot

CABLES_DIR = CORPUS / "cables"
FloatArray = npt.NDArray[np.float32]


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("onnx-int8-cache")


@pytest.fixture(scope="module")
def int8(cache: Path) -> OnnxEncoder:
    return OnnxEncoder(variant="int8", cache_dir=cache, say=lambda _: None)


@pytest.fixture(scope="module")
def fp32(cache: Path) -> OnnxEncoder:
    return OnnxEncoder(variant="fp32", cache_dir=cache, say=lambda _: None)


@pytest.fixture(scope="module")
def seed() -> Cable:
    return read_cable_file(seed_cable_path())


@pytest.fixture(scope="module")
def others() -> list[Cable]:
    """Eight corpus cables by file name, some with paragraphs past the model's 256 word pieces."""
    if not CABLES_DIR.is_dir():
        pytest.skip(f"the shared corpus is not at {CORPUS}")
    cables = []
    for path in sorted(CABLES_DIR.glob("*.txt"))[:10]:
        try:
            cables.append(read_cable_file(path))
        except CableParseError:
            continue
    return cables[:8]


def _passages(cables: list[Cable]) -> list[str]:
    return [passage_text(c, p, "context") for c in cables for p in c.paragraphs]


def _same_length_twin(text: str) -> str:
    """Another text of the same word-piece count: ' the ' and ' a ' are one word piece each, so the two
    would share a batch of exactly one length (and, with per-batch scales, move each other's vectors)."""
    return text.replace(" the ", " a ")


def test_int8_text_vectors_are_the_same_bytes_alone_and_among_any_other_texts(
    int8: OnnxEncoder, seed: Cable, others: list[Cable]
) -> None:
    targets = _passages([seed])
    long_texts = [t for t in _passages(others) if len(int8.windows(t)) > 1]
    short_texts = ["Sakhalin II", "Lavrov replied.", "(C) Summary:", "Japan", "END SUMMARY."]
    twins = [_same_length_twin(t) for t in targets]
    alone = np.stack([int8.encode_documents([t])[0] for t in targets])
    mixed = [*short_texts, *targets, *long_texts, *twins]
    shuffled = list(range(len(mixed)))
    random.Random(5).shuffle(shuffled)

    compositions = {
        "one call": int8.encode_documents(targets),
        "with short texts": int8.encode_documents([*short_texts, *targets])[len(short_texts):],
        "with long texts": int8.encode_documents([*long_texts, *targets])[len(long_texts):],
        "with same-length twins": int8.encode_documents([*twins, *targets])[len(twins):],
        "shuffled among all": int8.encode_documents([mixed[i] for i in shuffled])[
            [shuffled.index(len(short_texts) + i) for i in range(len(targets))]],
    }

    assert len(long_texts) >= 3 and all(t != s for t, s in zip(twins, targets, strict=True))
    for name, vectors in compositions.items():
        assert vectors.tobytes() == alone.tobytes(), name


def test_int8_vectors_do_not_depend_on_workers_or_batch_size(
    cache: Path, int8: OnnxEncoder, seed: Cable, others: list[Cable]
) -> None:
    """Each run is single-threaded, so the worker count only decides which core runs a text."""
    texts = _passages([seed, *others[:3]])
    reference = int8.encode_documents(texts)
    for threads, batch_size in ((1, 1), (1, 64), (3, 32)):
        encoder = OnnxEncoder(variant="int8", cache_dir=cache, threads=threads, batch_size=batch_size,
                              say=lambda _: None)
        assert encoder.encode_documents(texts).tobytes() == reference.tobytes(), (threads, batch_size)


def test_int8_questions_are_the_same_bytes_asked_alone_or_together(int8: OnnxEncoder) -> None:
    questions = ["What did Lavrov say about missile defense?", "Sakhalin II", "When is the summit?",
                 "What did the minister say about wheat exports in the first quarter of the year?"]
    together = int8.encode_queries(questions)
    alone = np.stack([int8.encode_queries([q])[0] for q in questions])
    assert together.tobytes() == alone.tobytes()


def _cable_rows(snapshot: Snapshot, cable_id: str) -> tuple[FloatArray, FloatArray]:
    """The window and sentence vectors an index holds for one cable, in paragraph order."""
    position = [c.id for c in snapshot.cables].index(cable_id)
    rows = np.flatnonzero(snapshot.para_cable == position)
    windows = [snapshot.window_vectors[snapshot.window_starts[r]:snapshot.window_ends[r]] for r in rows]
    sentences = [snapshot.sentence_vectors[snapshot.sentence_starts[r]:snapshot.sentence_ends[r]]
                 for r in rows]
    return np.concatenate(windows), np.concatenate(sentences)


def test_reingesting_a_cable_reproduces_its_stored_vectors_bit_for_bit(
    int8: OnnxEncoder, seed: Cable, others: list[Cable], tmp_path: Path
) -> None:
    index = CableIndex.open(tmp_path / "index", int8, "flat")
    first = _cable_rows(index.ingest([seed]), seed.id)

    # Again, now in the same chunks as other cables, then read back from disk by a new process's path.
    index.ingest([others[0], seed, *others[1:]])
    reopened = CableIndex.open(tmp_path / "index", int8, "flat")
    again = _cable_rows(reopened.snapshot, seed.id)

    assert reopened.snapshot.manifest.model == int8.model_name
    assert (len(seed.paragraphs), len(first[0]), len(first[1])) == (9, 10, 35)  # ¶1 has two windows
    for stored, reproduced in zip(first, again, strict=True):
        # Windows are float32, sentences float16 as stored.
        assert stored.dtype == reproduced.dtype and stored.tobytes() == reproduced.tobytes()


def test_an_index_built_by_one_precision_refuses_the_other_naming_the_backend_setting(
    int8: OnnxEncoder, fp32: OnnxEncoder, seed: Cable, tmp_path: Path
) -> None:
    CableIndex.open(tmp_path / "index", fp32, "flat").ingest([seed])

    with pytest.raises(IndexMismatchError) as caught:
        CableIndex.open(tmp_path / "index", int8, "flat")

    assert "CABLEQA_ENCODER_BACKEND" in caught.value.message and int8.model_name in caught.value.message


def test_int8_ingest_vectors_stay_close_to_fp32(
    int8: OnnxEncoder, fp32: OnnxEncoder, seed: Cable, others: list[Cable]
) -> None:
    # Measured on these 9 cables (87 windows, 376 sentences): windows min 0.9801, mean 0.9921;
    # sentences min 0.9799, mean 0.9912. Over 1,000 corpus paragraphs: docs/models.md.
    cables = [seed, *others]
    exact, quantised = encode_cables(cables, fp32, "context"), encode_cables(cables, int8, "context")

    windows = np.sum(exact.window_vectors * quantised.window_vectors, axis=1)
    sentences = np.sum(exact.sentence_vectors * quantised.sentence_vectors, axis=1)
    assert (len(windows), len(sentences)) == (87, 376)
    assert windows.min() >= 0.975 and windows.mean() >= 0.99
    assert sentences.min() >= 0.97 and sentences.mean() >= 0.99
