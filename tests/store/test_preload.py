"""Reading an index ahead: the graphs and postings of every segment, in that order, up to a budget of the
memory the page cache can take (mincore(2) on real files; a real seed index)."""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

import pytest
from suite_support import copy_index, resident_share, uncached_file

from embeddings.encoder import Encoder
from qa.service import CableIndex
from qa.store.preload import page_cache_room, preload_files, read_ahead

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="page-cache residency is read with Linux's mincore")

_PAGES = 1024  # 4 MB each


def test_files_are_read_into_the_page_cache_in_order_up_to_the_budget(tmp_path: Path) -> None:
    first, second, third = (tmp_path / name for name in ("a.faiss", "b.npz", "c.npz"))
    for path in (first, second, third):
        uncached_file(path, _PAGES)
    size = first.stat().st_size
    assert read_ahead([first, tmp_path / "pruned.faiss", second, third], budget=size + size // 2) == size + size // 2
    assert resident_share(first) > 0.95  # read whole
    assert resident_share(second) > 0.4  # up to the budget (the kernel's readahead may bring the rest)
    assert resident_share(third) < 0.05  # past it: not read


def test_reading_ahead_stops_when_asked(tmp_path: Path) -> None:
    path = tmp_path / "a.faiss"
    uncached_file(path, _PAGES)
    stop = threading.Event()
    stop.set()
    assert read_ahead([path], budget=1 << 40, stop=stop) == 0


def test_a_seed_index_lists_its_graph_then_its_postings(seed_index_dir: Path, encoder: Encoder,
                                                        tmp_path: Path) -> None:
    index = CableIndex.open(copy_index(seed_index_dir, tmp_path / "index"), encoder)
    files = preload_files(index.snapshot.segments)
    assert [p.name for p in files] == ["dense.faiss", "postings.npz", "cable_postings.npz"]
    assert all(p.is_file() for p in files)


def test_the_room_is_the_available_memory_or_the_cgroup_limit_left_whichever_is_less(tmp_path: Path) -> None:
    available = page_cache_room()
    assert 0 < available <= os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")

    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:       24000000 kB\nMemAvailable:   20000000 kB\n")
    own = [line.split(":", 2) for line in Path("/proc/self/cgroup").read_text().splitlines()]
    root = tmp_path / "cgroup"
    for _, controllers, path in own:  # this process's own cgroup folders, under a stand-in root
        folder = root / path.lstrip("/") if controllers == "" else root / "memory" / path.lstrip("/")
        if controllers == "" or "memory" in controllers.split(","):
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "memory.max").write_text(f"{9 << 30}\n")
            (folder / "memory.current").write_text(f"{1 << 30}\n")
            (folder / "memory.limit_in_bytes").write_text(f"{9 << 30}\n")
            (folder / "memory.usage_in_bytes").write_text(f"{1 << 30}\n")
    assert page_cache_room(meminfo, root) == 8 << 30  # the container's 9 GB less the 1 GB it holds
    assert page_cache_room(meminfo, tmp_path / "no-cgroups") == 20_000_000 * 1024
    for folder in (p for p in (root, *root.rglob("*")) if p.is_dir()):
        (folder / "memory.max").write_text("max\n")
        (folder / "memory.limit_in_bytes").write_text("max\n")
    assert page_cache_room(meminfo, root) == 20_000_000 * 1024
