"""A damaged or foreign index is refused at load with a named error that says how to rebuild."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from suite_support import live_segment

from embeddings.encoder import Encoder
from qa.errors import IndexCorruptError, IndexMismatchError
from qa.service import CableIndex
from qa.store.generations import current_generation


@pytest.fixture()
def index_copy(seed_copy: Callable[[], Path]) -> Path:
    return seed_copy()


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 3])


DAMAGE: dict[str, Callable[[Path], None]] = {
    "truncated FAISS file": lambda root: _truncate(live_segment(root) / "dense.faiss"),
    "missing manifest": lambda root: (current_generation(root) / "manifest.json").unlink(),
    "manifest that is not JSON": lambda root: (current_generation(root) / "manifest.json").write_text("{not json"),
    "store that is not SQLite": lambda root: (live_segment(root) / "store.sqlite").write_bytes(
        b"this is not a database" * 100),
    "truncated vectors": lambda root: _truncate(live_segment(root) / "windows.npy"),
    "missing BM25 postings": lambda root: (live_segment(root) / "postings.npz").unlink(),
    "missing segment": lambda root: shutil.rmtree(live_segment(root)),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damaged_index_is_refused_with_a_rebuild_hint(index_copy: Path, encoder: Encoder,
                                                      damage: str) -> None:
    DAMAGE[damage](index_copy)
    with pytest.raises(IndexCorruptError) as error:
        CableIndex.open(index_copy, encoder)
    assert "rebuild" in str(error.value)


def test_manifest_counts_that_disagree_with_the_store_are_refused(index_copy: Path,
                                                                  encoder: Encoder) -> None:
    manifest = current_generation(index_copy) / "manifest.json"
    data = json.loads(manifest.read_text())
    data["paragraphs"] += 1
    manifest.write_text(json.dumps(data))
    with pytest.raises(IndexCorruptError, match="inconsistent"):
        CableIndex.open(index_copy, encoder)


def test_index_built_by_another_model_is_refused_and_names_both(index_copy: Path,
                                                                encoder: Encoder) -> None:
    manifest = current_generation(index_copy) / "manifest.json"
    data = json.loads(manifest.read_text())
    data["model"] = "intfloat/e5-small-v2"
    manifest.write_text(json.dumps(data))
    with pytest.raises(IndexMismatchError) as error:
        CableIndex.open(index_copy, encoder)
    assert "intfloat/e5-small-v2" in str(error.value) and encoder.model_name in str(error.value)
    assert "CABLEQA_MODEL" in str(error.value)


def test_current_pointer_to_a_missing_generation_is_refused(index_copy: Path,
                                                            encoder: Encoder) -> None:
    (index_copy / "CURRENT").write_text("gen-000099\n")
    with pytest.raises(IndexCorruptError, match="gen-000099"):
        CableIndex.open(index_copy, encoder)


def test_a_half_written_staging_folder_is_ignored_and_cleared_by_the_next_save(
        index_copy: Path, encoder: Encoder) -> None:
    stale = index_copy / ".tmp-gen-000042"
    stale.mkdir()
    (stale / "dense.faiss").write_bytes(b"half")
    index = CableIndex.open(index_copy, encoder)
    assert index.ask("Baluyevsky", k=1).hits[0].citation == "08TOKYO1074 ¶4"
    index.delete("08TOKYO1074")
    assert not stale.exists()
