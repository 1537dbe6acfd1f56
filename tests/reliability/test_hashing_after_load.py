"""Files larger than ``hash_at_open_mb`` are checked by size on load and hashed afterwards.

A server over millions of paragraphs starts without reading every gigabyte first; a damaged large
file is still never served for long and never merged: the server's background check stops it
answering (``index_corrupt`` naming the file, on ``/health`` and on questions), a merge hashes its
segments before reading them, and ``cableqa check`` hashes everything. A file of the wrong size is
refused on load whatever its size. These tests set the threshold to 0 so the seed's files stand in
for large ones.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from suite_support import LAVROV, REPO, cli, copy_index, live_segment

from embeddings.encoder import Encoder
from qa.errors import IndexCorruptError
from qa.service import CableIndex
from qa.store.generations import read_pointer


def _flip_a_byte(path: Path) -> None:
    """One bit flipped near the end of ``path``, its size unchanged (bit rot, not truncation)."""
    data = bytearray(path.read_bytes())
    data[-5] ^= 0x01
    path.write_bytes(bytes(data))


def test_a_large_file_is_checked_by_size_on_load_and_hashed_by_verify(seed_index_dir: Path, encoder: Encoder,
                                                                      tmp_path: Path) -> None:
    root = copy_index(seed_index_dir, tmp_path / "index")
    intact = CableIndex.open(root, encoder, hash_up_to=0)
    assert set(intact.snapshot.segments[0].unhashed) >= {"windows.npy", "sentences.npy", "store.sqlite"}
    hashed = len(intact.snapshot.segments[0].unhashed)
    assert intact.verify() == hashed and intact.verify() == 0  # each segment's files hashed once
    assert CableIndex.open(root, encoder).verify() == 0  # nothing was left unhashed on load
    everything = CableIndex.open(root, encoder)
    assert everything.snapshot.segments[0].unhashed == ()

    _flip_a_byte(live_segment(root) / "windows.npy")
    index = CableIndex.open(root, encoder, hash_up_to=0)  # the size is right: loaded
    assert index.ask(LAVROV).hits
    with pytest.raises(IndexCorruptError, match=r"windows\.npy does not match the SHA-256"):
        index.verify()
    with pytest.raises(IndexCorruptError, match=r"windows\.npy does not match the SHA-256"):
        index.ask(LAVROV)  # remembered: nothing more is answered
    with pytest.raises(IndexCorruptError, match=r"windows\.npy does not match the SHA-256"):
        CableIndex.open(root, encoder)  # the default hashes every file on load


def test_a_large_file_of_the_wrong_size_is_refused_on_load(seed_index_dir: Path, encoder: Encoder,
                                                           tmp_path: Path) -> None:
    root = copy_index(seed_index_dir, tmp_path / "index")
    sentences = live_segment(root) / "sentences.npy"
    with sentences.open("ab") as handle:
        handle.write(b"\0" * 128)
    with pytest.raises(IndexCorruptError, match=r"sentences\.npy is [\d,]+ bytes, its manifest recorded"):
        CableIndex.open(root, encoder, hash_up_to=0)


def test_a_merge_hashes_its_segments_first_and_publishes_nothing_from_a_damaged_one(
        seed_index_dir: Path, encoder: Encoder, tmp_path: Path, mixed_cables: list) -> None:
    root = copy_index(seed_index_dir, tmp_path / "index")
    writer = CableIndex.open(root, encoder, merge_factor=100)
    writer.ingest(mixed_cables[:2])
    _flip_a_byte(live_segment(root) / "sentences.npy")
    index = CableIndex.open(root, encoder, hash_up_to=0, merge_factor=100)
    before = read_pointer(root)
    with pytest.raises(IndexCorruptError, match=r"sentences\.npy does not match the SHA-256"):
        index.optimize()
    assert read_pointer(root) == before
    assert not [p for p in (root / "segments").iterdir() if p.name.startswith(".tmp")]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cli(*args), cwd=REPO, capture_output=True, text=True, timeout=300, check=False)


def test_cableqa_check_hashes_every_file_and_names_a_damaged_one(seed_index_dir: Path, tmp_path: Path) -> None:
    root = copy_index(seed_index_dir, tmp_path / "index")
    done = _run("check", "--index", str(root))
    assert done.returncode == 0, done.stderr
    assert f"index at {root} is intact" in done.stdout and "1 segments" in done.stdout

    _flip_a_byte(live_segment(root) / "dense.faiss")
    damaged = _run("check", "--index", str(root))
    assert damaged.returncode == 2
    assert "dense.faiss does not match the SHA-256" in damaged.stderr

    missing = _run("check", "--index", str(tmp_path / "nothing"))
    assert missing.returncode == 2 and "no index at" in missing.stderr


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_server_answers_index_corrupt_once_its_background_check_finds_a_damaged_file(
        seed_index_dir: Path, tmp_path: Path) -> None:
    root = copy_index(seed_index_dir, tmp_path / "index")
    _flip_a_byte(live_segment(root) / "windows.npy")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CABLEQA_") or k == "CABLEQA_ENCODER_BACKEND"}
    env["CABLEQA_HASH_AT_OPEN_MB"] = "0"
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(cli("serve", "--index", str(root), "--port", str(port)), cwd=REPO, env=env,
                                   stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        health = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                health = httpx.get(f"{base}/health", timeout=2.0)
                if health.status_code == 500:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        assert health is not None and health.status_code == 500, log.read_text(errors="replace")
        assert health.json()["error"] == "index_corrupt"
        assert "windows.npy does not match the SHA-256" in health.json()["detail"]
        asked = httpx.post(f"{base}/ask", json={"question": LAVROV}, timeout=10.0)
        assert asked.status_code == 500 and asked.json()["error"] == "index_corrupt"
        assert process.poll() is None  # still up, saying what is wrong
    finally:
        process.kill()
        process.wait(timeout=30)
    said = log.read_text(errors="replace")
    assert "the index is damaged, answering nothing more" in said
    # The cache warmer read the graph and postings first; the hash waited for it.
    assert said.index("of vector graphs and postings into the page cache") < said.index("the index is damaged")
