"""Hashing an index file reads it without filling the page cache, and without dropping the pages a
process has mapped: checked with mincore(2) on a real file."""

from __future__ import annotations

import hashlib
import mmap
import os
import sys
from pathlib import Path

import pytest
from suite_support import resident_share, uncached_file

from qa.store.manifest import checksums
from qa.store.uncached_read import uncached_chunks

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="page-cache residency is read with Linux's mincore")

_PAGES = 2048  # 8 MB: more than one read chunk


def test_hashing_a_file_leaves_its_pages_out_of_the_page_cache(tmp_path: Path) -> None:
    data = uncached_file(tmp_path / "sentences.npy")
    assert checksums(tmp_path) == {"sentences.npy": hashlib.sha256(data).hexdigest()}
    assert resident_share(tmp_path / "sentences.npy") < 0.05


def test_pages_a_process_has_mapped_stay_cached_while_the_file_is_hashed(tmp_path: Path) -> None:
    path = tmp_path / "windows.npy"
    data = uncached_file(path)
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapping:
        touched = sum(mapping[page * mmap.PAGESIZE] for page in range(0, _PAGES, 2))  # every other page
        assert touched == sum(data[page * mmap.PAGESIZE] for page in range(0, _PAGES, 2))
        digest = hashlib.sha256()
        for chunk in uncached_chunks(path, 1 << 20):
            digest.update(chunk)
        assert digest.hexdigest() == hashlib.sha256(data).hexdigest()
        assert resident_share(path) >= 0.5  # the mapped half at least


def test_chunks_cover_the_file_exactly_in_order(tmp_path: Path) -> None:
    path = tmp_path / "odd.bin"
    data = os.urandom(3 * 65536 + 17)
    path.write_bytes(data)
    assert b"".join(bytes(chunk) for chunk in uncached_chunks(path, 65536)) == data
    (tmp_path / "empty.bin").write_bytes(b"")
    assert list(uncached_chunks(tmp_path / "empty.bin", 65536)) == []
