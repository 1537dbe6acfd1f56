"""Every backend, real FAISS: add, search, filter, remove, save and load, bad files."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from embeddings.errors import InvalidInputError, VectorIndexCorruptError, VectorIndexNotFoundError
from embeddings.faiss_base import copied_ranges
from embeddings.faiss_ivfpq import IVFPQIndex
from embeddings.index import AUTO_HNSW_FROM, EXACT_FILTER_LIMIT, VectorIndex, choose_kind, create_index, load_index
from embeddings.index_file import IndexHeader

UnitVectors = Callable[[int], npt.NDArray[np.float32]]  # the unit_vectors fixture

COUNT = 3000  # above EXACT_FILTER_LIMIT, so a large filter goes through the FAISS selector
IDS = np.arange(COUNT, dtype=np.int64) * 10 + 5  # ids are not positions

# ivfpq with nbits=4 trains on 39 * 16 = 624 vectors, so a small index exercises IVF-PQ itself;
# with the default nbits=8 it holds 3,000 vectors exactly, untrained.
BACKENDS = {
    "flat": ("flat", {}),
    "hnsw": ("hnsw", {}),
    "ivfpq": ("ivfpq", {"nbits": 4}),
    "ivfpq-untrained": ("ivfpq", {}),
}


Built = tuple[VectorIndex, npt.NDArray[np.float32], Path]  # index, its vectors, its saved file
Filled = tuple[VectorIndex, npt.NDArray[np.float32]]


@pytest.fixture(scope="module", params=list(BACKENDS))
def built(request: pytest.FixtureRequest, unit_vectors: UnitVectors, tmp_path_factory: pytest.TempPathFactory) -> Built:
    """Each backend built once per module and saved; tests must not change it."""
    kind, params = BACKENDS[request.param]
    vectors = unit_vectors(COUNT)
    index = create_index(kind, 384, **params)
    index.add(IDS, vectors)
    path = tmp_path_factory.mktemp(request.param) / "vectors.index"
    index.save(path)
    return index, vectors, path


@pytest.fixture
def filled(built: Built) -> Filled:
    """The built index as saved, loaded afresh for a test to change."""
    _, vectors, path = built
    return load_index(path), vectors


def test_a_stored_vector_finds_its_own_id_first(built: Built) -> None:
    index, vectors, _ = built
    scores, ids = index.search(vectors[[0, 1234, 2999]], k=5)
    assert ids[:, 0].tolist() == [IDS[0], IDS[1234], IDS[2999]]
    np.testing.assert_allclose(scores[:, 0], 1.0, atol=1e-4)
    assert (np.diff(scores, axis=1) <= 1e-6).all()  # best first


def test_removed_ids_are_gone_and_the_rest_are_still_found(
    filled: Filled,
) -> None:
    index, vectors = filled
    assert index.remove([IDS[0], IDS[1], 999_999]) == 2
    assert len(index) == COUNT - 2
    _, ids = index.search(vectors[[0, 1, 2]], k=10)
    assert not np.isin(ids, IDS[:2]).any()
    assert ids[2, 0] == IDS[2]


@pytest.mark.parametrize("allowed_count", [50, EXACT_FILTER_LIMIT + 500])
def test_allowed_ids_restrict_results_to_those_ids(built: Built, allowed_count: int) -> None:
    index, vectors, _ = built
    allowed = IDS[-allowed_count:]
    scores, ids = index.search(vectors[[0, COUNT - 1]], k=10, allowed_ids=allowed)
    assert np.isin(ids, allowed).all()
    assert ids[1, 0] == IDS[-1]  # an allowed stored vector still finds itself
    assert np.isfinite(scores).all()


def test_saved_and_loaded_index_gives_identical_results(built: Built, filled: Filled) -> None:
    index, vectors, _ = built
    loaded, _ = filled

    assert (loaded.kind, loaded.dimension, len(loaded)) == (index.kind, 384, COUNT)
    assert loaded.params == index.params
    queries = vectors[:20] + 0.05
    for allowed in (None, IDS[:100], IDS[:2600]):
        expected, got = index.search(queries, 10, allowed), loaded.search(queries, 10, allowed)
        np.testing.assert_array_equal(got.ids, expected.ids)
        np.testing.assert_allclose(got.scores, expected.scores, rtol=1e-6)


def test_a_mapped_index_gives_identical_results_and_refuses_to_change(built: Built) -> None:
    index, vectors, path = built
    mapped = load_index(path, mapped=True)
    assert (mapped.kind, mapped.params, len(mapped)) == (index.kind, index.params, COUNT)
    queries = vectors[:20] + 0.05
    for allowed in (None, IDS[:100], IDS[:2600]):
        expected, got = index.search(queries, 10, allowed), mapped.search(queries, 10, allowed)
        np.testing.assert_array_equal(got.ids, expected.ids)
        np.testing.assert_allclose(got.scores, expected.scores, rtol=1e-6)
    for change in (lambda: mapped.add([1], vectors[:1]), lambda: mapped.remove(IDS[:1])):
        with pytest.raises(InvalidInputError, match="memory-mapped"):
            change()
    twin = mapped.copy()  # a copy is the caller's own, in memory
    assert not twin.read_only and twin.remove(IDS[:1]) == 1 and len(mapped) == COUNT


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
def test_the_read_ahead_before_a_mapped_load_reads_what_faiss_copies_and_leaves_the_vectors(
        kind: str, unit_vectors: UnitVectors, tmp_path: Path) -> None:
    """The ranges read ahead follow FAISS's layout: the graph before the flat vectors, the id map after them."""
    index = create_index(kind, 384)
    index.add(IDS, unit_vectors(COUNT))
    path = tmp_path / "vectors.index"
    index.save(path)
    saved = path.read_bytes()
    vectors_start = saved.index(b"IxFI")  # the flat storage's header, then its vectors
    vectors_end = vectors_start + 64 + COUNT * 384 * 4
    ranges = copied_ranges(len(saved), IndexHeader(kind, 384, COUNT, dict(index.params)))
    read = np.zeros(len(saved), dtype=bool)
    for start, end in ranges:
        read[start:end] = True
    assert not read[vectors_start + 64 + (1 << 16):vectors_end - (1 << 16)].any()  # the vectors stay on disk
    outside = np.ones(len(saved), dtype=bool)
    outside[vectors_start:vectors_end] = False
    assert (outside & ~read).sum() <= 1 << 16  # all else is read but for the margin before the vectors
    mapped = load_index(path, mapped=True)
    assert np.array_equal(mapped.ids(), IDS)


def test_a_file_of_the_first_format_still_loads(built: Built, tmp_path: Path) -> None:
    """Version 1 put the header before the FAISS payload; such files are read into memory."""
    index, vectors, path = built
    saved = path.read_bytes()
    length = int(saved[-len(b"cableqa-vector-index 2\n") - 11:-len(b"cableqa-vector-index 2\n")])
    trailer = len(b"cableqa-vector-index 2\n") + 11 + length + 1
    header = saved[-trailer + 1:-trailer + 1 + length]
    old = tmp_path / "v1.index"
    old.write_bytes(b"cableqa-vector-index 1\n" + header + saved[:-trailer])
    for mapped in (False, True):
        loaded = load_index(old, mapped=mapped)
        assert (loaded.kind, loaded.params, len(loaded)) == (index.kind, index.params, COUNT)
        np.testing.assert_array_equal(loaded.search(vectors[:5], 3).ids, index.search(vectors[:5], 3).ids)


@pytest.mark.parametrize("cut", ["the trailer", "the payload"])
def test_a_damaged_file_is_corrupt_mapped_or_not(built: Built, tmp_path: Path, cut: str) -> None:
    saved = built[2].read_bytes()
    path = tmp_path / "vectors.index"
    path.write_bytes(saved[:-10] if cut == "the trailer" else saved[len(saved) // 2:])
    for mapped in (False, True):
        with pytest.raises(VectorIndexCorruptError, match=r"vectors\.index"):
            load_index(path, mapped=mapped)


def test_truncated_file_is_corrupt_and_the_error_names_it_and_the_fix(built: Built, tmp_path: Path) -> None:
    saved = built[2].read_bytes()
    path = tmp_path / "vectors.index"
    path.write_bytes(saved[: len(saved) // 2])

    with pytest.raises(VectorIndexCorruptError) as caught:
        load_index(path)
    assert str(path) in caught.value.message
    assert "cableqa ingest" in caught.value.message


def test_k_beyond_the_index_size_pads_with_minus_one_ids_and_minus_inf_scores() -> None:
    index = create_index("flat", 4)
    index.add([7, 8], np.eye(4, dtype=np.float32)[:2])
    scores, ids = index.search(np.eye(4, dtype=np.float32)[:1], k=4)
    assert ids.tolist() == [[7, 8, -1, -1]]
    assert scores[0, :2].tolist() == [1.0, 0.0]
    assert np.isneginf(scores[0, 2:]).all()


@pytest.mark.parametrize("kind", ["flat", "hnsw", "ivfpq"])
def test_empty_index_returns_only_empty_slots(kind: str) -> None:
    scores, ids = create_index(kind, 384).search(np.ones((2, 384), np.float32) / 384**0.5, k=3)
    assert (ids == -1).all()
    assert np.isneginf(scores).all()


def test_ivfpq_searches_exactly_until_it_can_train_then_trains_on_everything_held(
    unit_vectors: UnitVectors,
) -> None:
    index = create_index("ivfpq", 384, nbits=4)
    assert isinstance(index, IVFPQIndex)
    vectors = unit_vectors(700)
    index.add(np.arange(500), vectors[:500])
    assert not index.trained  # 500 < 39 * 2**4

    index.add(np.arange(500, 700), vectors[500:])

    assert index.trained
    assert len(index) == 700
    assert index.search(vectors[[3, 650]], k=1).ids[:, 0].tolist() == [3, 650]


def test_unknown_index_type_is_an_invalid_query_naming_the_setting() -> None:
    with pytest.raises(InvalidInputError) as caught:
        create_index("annoy", 384)
    assert caught.value.field == "index_type"


def test_ivfpq_sub_quantizers_must_divide_the_dimension() -> None:
    with pytest.raises(InvalidInputError) as caught:
        create_index("ivfpq", 100, m=48)
    assert caught.value.field == "m"


def test_adding_an_id_that_is_already_there_is_refused() -> None:
    index = create_index("flat", 4)
    index.add([1, 2], np.eye(4, dtype=np.float32)[:2])
    with pytest.raises(InvalidInputError) as caught:
        index.add([2, 3], np.eye(4, dtype=np.float32)[2:])
    assert caught.value.field == "ids"
    assert len(index) == 2


def test_vectors_of_the_wrong_width_are_refused() -> None:
    with pytest.raises(InvalidInputError) as caught:
        create_index("flat", 384).search(np.zeros((1, 383), np.float32), k=1)
    assert caught.value.field == "queries"


def test_a_file_that_is_not_an_index_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("SUBJECT: RUSSIAN FM LAVROV SAYS AIM AND INTENT OF JAPAN\n")
    with pytest.raises(VectorIndexCorruptError, match=r"notes\.txt"):
        load_index(path)


def test_a_missing_file_is_index_not_found(tmp_path: Path) -> None:
    with pytest.raises(VectorIndexNotFoundError, match="cableqa ingest"):
        load_index(tmp_path / "nowhere.index")


def test_importing_the_package_loads_neither_faiss_nor_torch() -> None:
    # The API and CLI import these modules at start-up; the heavy libraries load on first use.
    code = "import sys, embeddings; print(sorted({'faiss', 'torch', 'sentence_transformers'} & set(sys.modules)))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"


@pytest.mark.parametrize(("preset", "expected"), [(None, "PASSIVE"), ("ACTIVE", "ACTIVE")])
def test_loading_faiss_makes_idle_openmp_workers_sleep_unless_the_user_chose(preset: str | None, expected: str) -> None:
    env = {key: value for key, value in os.environ.items() if key != "OMP_WAIT_POLICY"}
    if preset:
        env["OMP_WAIT_POLICY"] = preset
    code = "import os, embeddings.faiss_flat; print(os.environ['OMP_WAIT_POLICY'])"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert loaded.stdout.strip() == expected


def test_a_copy_is_independent_and_answers_as_the_original(filled: Filled) -> None:
    index, vectors = filled
    twin = index.copy()
    before = index.search(vectors[:20], k=5)

    twin.remove(IDS[:10])
    twin.add(np.array([7], dtype=np.int64), vectors[:1])

    assert (twin.kind, dict(twin.params)) == (index.kind, dict(index.params))
    np.testing.assert_array_equal(index.search(vectors[:20], k=5).ids, before.ids)
    assert len(index) == COUNT and len(twin) == COUNT - 9
    assert twin.search(vectors[:1], k=1).ids[0, 0] == 7


@pytest.mark.parametrize(("vectors", "expected"), [(0, "flat"), (AUTO_HNSW_FROM - 1, "flat"), (AUTO_HNSW_FROM, "hnsw")])
def test_auto_is_exact_while_flat_is_fast_and_hnsw_beyond(vectors: int, expected: str) -> None:
    assert choose_kind("auto", vectors) == expected
    assert choose_kind("ivfpq", vectors) == "ivfpq"


def test_hnsw_walks_at_least_k_candidates_when_asked_for_more_than_ef_search(unit_vectors: UnitVectors) -> None:
    vectors = unit_vectors(COUNT)
    exact, graph = create_index("flat", 384), create_index("hnsw", 384, ef_search=16)
    exact.add(IDS, vectors)
    graph.add(IDS, vectors)
    queries = vectors[:20] + 0.05
    want = exact.search(queries, k=100).ids
    got = graph.search(queries, k=100).ids
    recall = np.mean([len(set(a) & set(b)) / 100 for a, b in zip(want, got, strict=True)])
    assert recall >= 0.95, recall


def test_searches_and_adds_from_any_thread_run_on_one_openmp_thread(built: Built) -> None:
    """OpenMP counts threads per calling thread; the server searches from its worker threads."""
    from concurrent.futures import ThreadPoolExecutor

    from embeddings.faiss_base import faiss

    index, vectors, _ = built

    def threads_after(call: Callable[[], object]) -> int:
        call()
        return int(faiss.omp_get_max_threads())

    copy = index.copy()
    with ThreadPoolExecutor(1) as pool:  # a fresh thread, as a server's worker is
        assert pool.submit(threads_after, lambda: index.search(vectors[:1], k=5)).result() == 1
    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(threads_after, lambda: copy.add(IDS[:2] + 1, vectors[:2])).result() == 1
