"""Faults of the index folder answered by name, with nothing already stored lost.

A damaged file is caught by the manifest's checksums on load (never served, never copied into the
next generation); a ``CURRENT`` that is a folder or not text is a named error; a read-only folder or
a full disk refuses writes with 503 / 507 and leaves the live generation as it was. The read-only and
full-disk cases mount a real tmpfs (root only; skipped elsewhere).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from suite_support import copy_index, corpus_or_skip, live_segment

from embeddings.encoder import Encoder
from qa.errors import IndexCorruptError
from qa.service import CableIndex
from qa.store.generations import CURRENT

AppFactory = Callable[..., AbstractContextManager[TestClient]]


def _live(root: Path) -> Path:
    return live_segment(root)


def test_a_zeroed_page_of_the_store_is_refused_on_load(seed_index_dir: Path, encoder: Encoder,
                                                       tmp_path: Path) -> None:
    root = copy_index(seed_index_dir, tmp_path / "index")
    store = _live(root) / "store.sqlite"
    data = bytearray(store.read_bytes())
    data[4096:8192] = bytes(4096)  # one zeroed 4 KiB page, as a bad disk sector leaves it
    store.write_bytes(bytes(data))
    with pytest.raises(IndexCorruptError, match=r"store\.sqlite does not match the SHA-256"):
        CableIndex.open(root, encoder)


def test_a_reversed_vector_id_file_is_refused_on_load(seed_index_dir: Path, encoder: Encoder,
                                                      tmp_path: Path) -> None:
    root = copy_index(seed_index_dir, tmp_path / "index")
    pids = _live(root) / "window_pids.npy"
    np.save(pids, np.load(pids)[::-1].copy())
    with pytest.raises(IndexCorruptError, match=r"window_pids\.npy does not match"):
        CableIndex.open(root, encoder)


def test_a_file_missing_from_a_generation_is_named(seed_index_dir: Path, encoder: Encoder,
                                                   tmp_path: Path) -> None:
    root = copy_index(seed_index_dir, tmp_path / "index")
    (_live(root) / "sentences.npy").unlink()
    with pytest.raises(IndexCorruptError, match=r"missing sentences\.npy"):
        CableIndex.open(root, encoder)


@pytest.mark.parametrize("damage", ["not utf-8", "a folder", "a stray name"])
def test_a_damaged_current_is_a_named_error_not_a_traceback(damage: str, seed_index_dir: Path,
                                                            encoder: Encoder,
                                                            tmp_path: Path) -> None:
    root = copy_index(seed_index_dir, tmp_path / "index")
    pointer = root / CURRENT
    pointer.unlink()
    if damage == "not utf-8":
        pointer.write_bytes(b"gen-\xff\xfe0001\n")
    elif damage == "a folder":
        pointer.mkdir()
    else:
        pointer.write_text("../../etc\n")
    with pytest.raises(IndexCorruptError, match=r"CURRENT.*gen-000001"):
        CableIndex.open(root, encoder)


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A 4 MiB tmpfs of its own (mounting needs root: skipped elsewhere)."""
    mount = tmp_path / "mnt"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True,
                          check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _upload_first_cable(client: TestClient) -> tuple[int, dict[str, object]]:
    files = sorted((corpus_or_skip() / "cables").glob("*.txt"))
    response = client.post("/cables", content=files[0].read_bytes(), headers={"Content-Type": "text/plain"})
    return response.status_code, response.json()


def test_a_read_only_folder_answers_503_naming_it_and_keeps_serving(tmpfs: Path, seed_index_dir: Path,
                                                                    make_client: AppFactory) -> None:
    root = copy_index(seed_index_dir, tmpfs / "index")
    subprocess.run(["mount", "-o", "remount,ro", str(tmpfs)], check=True)
    with make_client(root) as client:
        status, body = _upload_first_cable(client)
        assert status == 503 and body["error"] == "storage", body
        assert "read-only" in str(body["detail"]) and str(root) in str(body["detail"])
        assert client.delete("/cables/08TOKYO1074").status_code == 503
        assert client.get("/health").json()["cables"] == 1
        assert client.post("/ask", json={"question": "Lavrov missile defense"}).status_code == 200


def test_a_full_disk_answers_507_and_loses_nothing(tmpfs: Path, seed_index_dir: Path, make_client: AppFactory,
                                                   encoder: Encoder) -> None:
    root = copy_index(seed_index_dir, tmpfs / "index")
    live = _live(root)
    filler = tmpfs / "filler"
    free = shutil.disk_usage(tmpfs).free
    filler.write_bytes(bytes(max(free - 64 * 1024, 0)))  # room for the lock file, not for a generation
    with make_client(root) as client:
        status, body = _upload_first_cable(client)
        assert status == 507 and body["error"] == "storage_full", body
        assert "no space left" in str(body["detail"])
    assert _live(root) == live and not list(root.glob(".tmp-gen-*"))
    filler.unlink()
    assert set(CableIndex.open(root, encoder).snapshot.cable_rows) == {"08TOKYO1074"}
