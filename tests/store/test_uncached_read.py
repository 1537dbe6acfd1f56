"""Hashing an index file reads it without filling the page cache, and without dropping the pages a
process has mapped: checked with mincore(2) on a real file."""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import mmap
import os
import sys
from pathlib import Path

import numpy as np
import pytest

from qa.store.manifest import checksums
from qa.store.uncached_read import uncached_chunks

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="page-cache residency is read with Linux's mincore")

_PAGES = 2048  # 8 MB: more than one read chunk


def _resident_share(path: Path) -> float:
    """The share of ``path``'s pages in the page cache, by mincore(2) over a fresh mapping."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    size = path.stat().st_size
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), size, access=mmap.ACCESS_READ) as mapping:
        pages = (size + mmap.PAGESIZE - 1) // mmap.PAGESIZE
        vector = (ctypes.c_ubyte * pages)()
        view = np.frombuffer(mapping, dtype=np.uint8)  # its data pointer is the mapping's address
        failed = libc.mincore(ctypes.c_void_p(view.ctypes.data), ctypes.c_size_t(size), vector)
        del view
        if failed:
            pytest.skip(f"mincore failed: {os.strerror(ctypes.get_errno())}")
        return sum(v & 1 for v in vector) / pages


def _uncached_file(path: Path) -> bytes:
    data = np.random.default_rng(5).integers(0, 256, _PAGES * mmap.PAGESIZE, dtype=np.uint8).tobytes()
    path.write_bytes(data)
    with path.open("rb") as handle:
        os.fsync(handle.fileno())
        os.posix_fadvise(handle.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
    if _resident_share(path) > 0.05:
        pytest.skip("this filesystem keeps the file cached after POSIX_FADV_DONTNEED (tmpfs?)")
    return data


def test_hashing_a_file_leaves_its_pages_out_of_the_page_cache(tmp_path: Path) -> None:
    data = _uncached_file(tmp_path / "sentences.npy")
    assert checksums(tmp_path) == {"sentences.npy": hashlib.sha256(data).hexdigest()}
    assert _resident_share(tmp_path / "sentences.npy") < 0.05


def test_pages_a_process_has_mapped_stay_cached_while_the_file_is_hashed(tmp_path: Path) -> None:
    path = tmp_path / "windows.npy"
    data = _uncached_file(path)
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapping:
        touched = sum(mapping[page * mmap.PAGESIZE] for page in range(0, _PAGES, 2))  # every other page
        assert touched == sum(data[page * mmap.PAGESIZE] for page in range(0, _PAGES, 2))
        digest = hashlib.sha256()
        for chunk in uncached_chunks(path, 1 << 20):
            digest.update(chunk)
        assert digest.hexdigest() == hashlib.sha256(data).hexdigest()
        assert _resident_share(path) >= 0.5  # the mapped half at least


def test_chunks_cover_the_file_exactly_in_order(tmp_path: Path) -> None:
    path = tmp_path / "odd.bin"
    data = os.urandom(3 * 65536 + 17)
    path.write_bytes(data)
    assert b"".join(bytes(chunk) for chunk in uncached_chunks(path, 65536)) == data
    (tmp_path / "empty.bin").write_bytes(b"")
    assert list(uncached_chunks(tmp_path / "empty.bin", 65536)) == []
