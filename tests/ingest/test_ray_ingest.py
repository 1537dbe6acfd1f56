"""``cableqa ingest --ray`` builds the index a plain ``cableqa ingest`` builds, and says how to get Ray without it.

Both ingests are real processes running this checkout: the plain one, and one that starts a local Ray
cluster on 127.0.0.1 whose two actors parse and encode (each with the encoder the settings load, the
served default), while the command itself publishes.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from suite_support import CORPUS, REPO

from qa.settings import Settings
from qa.startup import load_encoder
from qa.store.reader import load_current
from qa.store.snapshot import Snapshot

ROOT = REPO
CABLES_DIR = CORPUS / "cables"
CABLES = 50

# Blocks `import ray` in the child, as on a machine without the extra, before the command runs.
_WITHOUT_RAY = """
import sys
class _NoRay:
    def find_spec(self, name, path=None, target=None):
        if name == "ray" or name.startswith("ray."):
            raise ModuleNotFoundError("No module named 'ray'", name="ray")
        return None
sys.meta_path.insert(0, _NoRay())
from qa.cli import main
main()
"""


def _cableqa(*args: str, program: str = "from qa.cli import main; main()") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", program, *args], capture_output=True, text=True, timeout=600,
                          env=env, cwd=ROOT)


def _cosines(a: npt.NDArray[np.float32], b: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    return np.sum(a64 * b64, axis=1) / (np.linalg.norm(a64, axis=1) * np.linalg.norm(b64, axis=1))


def _joined(snapshot: Snapshot, name: str) -> npt.NDArray[np.int64]:
    """One of the segments' vector tables (pids or spans), every segment's in order."""
    return np.concatenate([getattr(s.vectors, name) for s in snapshot.segments])


def _paragraph_rows(snapshot: Snapshot) -> list[tuple[int, str, int, int, str]]:
    return [(int(pid), snapshot.cables[int(c)].id, int(n), int(o), text) for pid, c, n, o, text in
            zip(snapshot.pids, snapshot.para_cable, snapshot.numbers, snapshot.occurrences,
                snapshot.texts.many(range(snapshot.size)), strict=True)]


@pytest.mark.corpus
@pytest.mark.slow
def test_ray_ingest_of_50_corpus_cables_gives_the_index_a_plain_ingest_gives(tmp_path: Path) -> None:
    pytest.importorskip("ray")
    if not CABLES_DIR.is_dir():
        pytest.skip("../shared/corpus is absent")
    files = tmp_path / "cables"
    files.mkdir()
    for source in sorted(CABLES_DIR.glob("*.txt"))[:CABLES]:
        (files / source.name).write_bytes(source.read_bytes())
    # Commits of 20 cables: three generations each way, so pids run on across commits.
    plain = _cableqa("ingest", str(files), "--index", str(tmp_path / "plain"), "--commit-every", "20")
    assert plain.returncode == 0, plain.stderr
    on_ray = _cableqa("ingest", str(files), "--index", str(tmp_path / "ray"), "--commit-every", "20",
                      "--ray", "--ray-workers", "2")
    assert on_ray.returncode == 0, on_ray.stderr

    # The actors ran this checkout's code, not another installed copy.
    assert f"Ray: 2 workers running {ROOT / 'qa' / '__init__.py'}" in on_ray.stderr
    model = load_encoder(Settings()).model_name
    a, b = load_current(tmp_path / "plain", model), load_current(tmp_path / "ray", model)
    assert a.manifest.generation == b.manifest.generation == 3
    assert [c.id for c in a.cables] == [c.id for c in b.cables] and len(a.cables) == CABLES
    assert _paragraph_rows(a) == _paragraph_rows(b) and a.size > 5 * CABLES
    for vectors, pids in (("window_vectors", "window_pids"), ("sentence_vectors", "sentence_pids")):
        assert np.array_equal(_joined(a, pids), _joined(b, pids)), pids
        assert getattr(a, vectors).shape == getattr(b, vectors).shape, vectors
        every = np.arange(len(_joined(a, pids)))  # a gather reads every segment's rows in order
        assert _cosines(getattr(a, vectors)[every], getattr(b, vectors)[every]).min() >= 1 - 1e-5, vectors
    assert np.array_equal(_joined(a, "sentence_spans"), _joined(b, "sentence_spans"))


def test_ray_ingest_without_ray_installed_names_the_extra_to_install(tmp_path: Path) -> None:
    seed = ROOT / "qa" / "data" / "08TOKYO1074.txt"

    result = _cableqa("ingest", str(seed), "--index", str(tmp_path / "index"), "--ray", program=_WITHOUT_RAY)

    assert result.returncode == 2
    assert "pip install 'cableqa[ray]'" in result.stderr
    assert not (tmp_path / "index").exists()  # refused before anything was loaded or written
