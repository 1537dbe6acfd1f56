"""Several processes on one index folder: one writer at a time, no lost update, readers that follow commits.

Everything here is a real process: ``cableqa serve`` (with ``--workers``), ``cableqa ingest``,
``cableqa ask``, over real folders, FAISS, SQLite and HTTP on 127.0.0.1. Nothing is mocked,
neither the file system nor time.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from reliability_support import clean_env, free_port, serve, small_corpus_cables
from suite_support import REPO, cli, copy_index

from embeddings.encoder import Encoder
from qa.cables.corpus import read_cable_file
from qa.service import CableIndex
from qa.store.generations import CURRENT, generations
from qa.store.writer_lock import LOCK_NAME

FOLLOW_S = 1.0  # the bound: every process sees a publication within a second


def _run(*args: str, timeout: float = 600, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cli(*args), cwd=REPO, env=clean_env(**env), capture_output=True, text=True,
                          timeout=timeout, check=False)


def _cable_ids(root: Path, encoder: Encoder) -> set[str]:
    """What a fresh process-independent open of the folder holds (a restart, as far as the index goes)."""
    return set(CableIndex.open(root, encoder).snapshot.cable_rows)


def _folder_digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
            for p in sorted(root.rglob("*"))}


def _poll(base: str, path: str, until: int, timeout: float) -> float:
    """Seconds until ``GET path`` answers ``until``, each try on a new connection; fails past ``timeout``."""
    start = time.monotonic()
    while True:
        status = httpx.get(f"{base}{path}", timeout=10).status_code
        if status == until:
            return time.monotonic() - start
        if time.monotonic() - start > timeout:
            pytest.fail(f"GET {path} still {status} after {timeout} s")
        time.sleep(0.02)


@pytest.fixture(scope="module")
def cable_files() -> list[Path]:
    return small_corpus_cables(24, min_paragraphs=2)


def _folder_of(files: list[Path], target: Path) -> Path:
    target.mkdir(parents=True)
    for path in files:
        shutil.copy(path, target / path.name)
    return target


def test_a_server_answers_for_a_cli_ingest_within_a_second_and_its_next_upload_keeps_it(
        seed_index_dir: Path, cable_files: list[Path], encoder: Encoder, tmp_path: Path) -> None:
    root = copy_index(seed_index_dir, tmp_path / "index")
    by_cli, by_http = read_cable_file(cable_files[0]), read_cable_file(cable_files[1])
    with serve(root, tmp_path / "serve.log") as (base, _):
        assert httpx.get(f"{base}/cables/{by_cli.id}").status_code == 404
        done = _run("ingest", str(cable_files[0]), "--index", str(root))
        assert done.returncode == 0, done.stderr
        seen_after = _poll(base, f"/cables/{by_cli.id}", 200, timeout=10)
        assert seen_after <= FOLLOW_S, f"the server answered for the CLI's cable {seen_after:.2f} s after"
        assert httpx.get(f"{base}/health").json()["cables"] == 2
        upload = httpx.post(f"{base}/cables", content=cable_files[1].read_bytes(),
                            headers={"Content-Type": "text/plain"}, timeout=120)
        assert upload.status_code == 201, upload.text
        assert upload.json()["index"]["cables"] == 3
    assert _cable_ids(root, encoder) == {"08TOKYO1074", by_cli.id, by_http.id}


def test_b_two_concurrent_cli_ingests_commit_every_two_and_keep_the_union(
        seed_index_dir: Path, cable_files: list[Path], encoder: Encoder, tmp_path: Path) -> None:
    root = copy_index(seed_index_dir, tmp_path / "index")
    first = _folder_of(cable_files[:8], tmp_path / "first")
    second = _folder_of(cable_files[8:16], tmp_path / "second")
    runs = [subprocess.Popen(cli("ingest", str(folder), "--index", str(root), "--commit-every", "2"), cwd=REPO,
                             env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for folder in (first, second)]
    outputs = [run.communicate(timeout=600) for run in runs]
    for run, (out, err) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, f"{out}\n{err}"
    expected = {"08TOKYO1074"} | {read_cable_file(p).id for p in cable_files[:16]}
    assert _cable_ids(root, encoder) == expected
    assert len(generations(root)) <= 2  # pruned as usual; the live one loads (above) and passes its checks
    assert not list(root.glob(".tmp-gen-*"))


def test_c_four_workers_keep_every_acknowledged_upload_and_agree_within_a_second(
        seed_index_dir: Path, cable_files: list[Path], encoder: Encoder, tmp_path: Path) -> None:
    root = copy_index(seed_index_dir, tmp_path / "index")
    texts = [p.read_bytes() for p in cable_files[:20]]
    ids = [read_cable_file(p).id for p in cable_files[:20]]
    uploads = [(ids[i % 20], texts[i % 20]) for i in range(40)]  # each cable twice: replaces race with adds
    with serve(root, tmp_path / "serve.log", workers=4) as (base, _):
        def upload(item: tuple[str, bytes]) -> tuple[str, int]:
            response = httpx.post(f"{base}/cables", content=item[1], headers={"Content-Type": "text/plain"},
                                  timeout=300)
            return item[0], response.status_code

        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(upload, uploads))
        last_upload = time.monotonic()
        acknowledged = {cable_id for cable_id, status in results if status == 201}
        assert {status for _, status in results} == {201}, results
        counts: list[int] = []
        while time.monotonic() - last_upload < FOLLOW_S:
            counts = [httpx.get(f"{base}/health", timeout=10).json()["cables"] for _ in range(12)]
            if set(counts) == {21}:
                break
        assert set(counts) == {21}, f"workers disagree {FOLLOW_S} s after the last upload: {counts}"
    assert _cable_ids(root, encoder) == {"08TOKYO1074", *acknowledged}


def _note_of(root: Path) -> str:
    try:
        return (root / LOCK_NAME).read_text(encoding="utf-8")
    except OSError:
        return ""


def test_d_kill_9_of_a_writer_holding_the_lock_lets_the_next_writer_in_at_once(
        seed_index_dir: Path, cable_files: list[Path], encoder: Encoder, tmp_path: Path) -> None:
    root = copy_index(seed_index_dir, tmp_path / "index")
    folder = _folder_of(cable_files[:12], tmp_path / "cables")
    writer = subprocess.Popen(cli("ingest", str(folder), "--index", str(root), "--commit-every", "1"), cwd=REPO,
                              env=clean_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300
        while f'"pid": {writer.pid}' not in _note_of(root):
            assert writer.poll() is None, "the ingest finished before it was seen holding the lock"
            assert time.monotonic() < deadline, "the ingest never took the write lock"
            time.sleep(0.001)
        os.kill(writer.pid, signal.SIGKILL)
    finally:
        writer.wait(timeout=60)
    start = time.monotonic()
    after = _run("ingest", str(cable_files[12]), "--index", str(root), "--wait", "0")
    assert after.returncode == 0, after.stderr  # --wait 0: it would fail at once if the lock were still held
    assert time.monotonic() - start < 60
    held = _cable_ids(root, encoder)
    assert read_cable_file(cable_files[12]).id in held and "08TOKYO1074" in held
    assert not list(root.glob(".tmp-gen-*"))  # the dead writer's staging folder is gone


def test_a_second_writer_past_its_wait_names_the_holder_cli_exits_nonzero_http_503(
        seed_index_dir: Path, cable_files: list[Path], tmp_path: Path) -> None:
    root = copy_index(seed_index_dir, tmp_path / "index")
    before = _folder_digest(root / (root / CURRENT).read_text().strip())
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path\n"
         "from qa.store.writer_lock import WriterLock\n"
         "with WriterLock(Path(sys.argv[1])).held(wait=5):\n    print('held', flush=True); time.sleep(120)",
         str(root)], cwd=REPO, env=clean_env(), stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        refused = _run("ingest", str(cable_files[0]), "--index", str(root), "--wait", "1")
        assert refused.returncode != 0
        assert f"pid {holder.pid}" in refused.stderr and "waited 1 s" in refused.stderr, refused.stderr
        with serve(root, tmp_path / "serve.log", env=clean_env(CABLEQA_WRITE_WAIT_S="1")) as (base, _):
            response = httpx.post(f"{base}/cables", content=cable_files[0].read_bytes(),
                                  headers={"Content-Type": "text/plain"}, timeout=120)
            assert response.status_code == 503, response.text
            assert response.json()["error"] == "index_busy"
            assert f"pid {holder.pid}" in response.json()["detail"]
            assert int(response.headers["Retry-After"]) >= 1
    finally:
        holder.kill()
        holder.wait(timeout=30)
    assert _folder_digest(root / (root / CURRENT).read_text().strip()) == before


def test_e_ten_cold_starts_of_two_workers_on_empty_folders_build_one_seed_each(tmp_path: Path) -> None:
    for attempt in range(10):
        root = tmp_path / f"index-{attempt}"
        with serve(root, tmp_path / f"serve-{attempt}.log", workers=2) as (base, _):
            health = [httpx.get(f"{base}/health", timeout=10).json() for _ in range(6)]
            assert {(h["cables"], h["generation"]) for h in health} == {(1, 1)}, health
        assert [p.name for p in generations(root)] == ["gen-000001"]
        assert (root / CURRENT).read_text().strip() == "gen-000001"


def test_f_a_folder_with_generations_but_no_current_is_refused_by_every_command_and_left_untouched(
        seed_index_dir: Path, cable_files: list[Path], tmp_path: Path) -> None:
    root = copy_index(seed_index_dir, tmp_path / "index")
    (root / CURRENT).unlink()
    before = _folder_digest(root)
    for args in (["ask", "Lavrov", "--index", str(root)],
                 ["ingest", str(cable_files[0]), "--index", str(root)],
                 ["serve", "--index", str(root), "--port", str(free_port())]):
        done = _run(*args, timeout=300)
        said = done.stdout + done.stderr
        assert done.returncode != 0, said
        assert "no CURRENT" in said and "gen-000001" in said and f"> {root / CURRENT}" in said, said
    assert _folder_digest(root) == before


def test_a_reader_in_another_process_keeps_answering_from_a_generation_pruned_under_it(
        seed_index_dir: Path, cable_files: list[Path], encoder: Encoder, tmp_path: Path) -> None:
    root = copy_index(seed_index_dir, tmp_path / "index")
    reader = CableIndex.open(root, encoder)
    held = reader.snapshot
    expected = [(h.citation, round(h.score, 5)) for h in reader.ask("what did Lavrov say about missile defense").hits]
    for path in cable_files[:3]:  # three generations by another process: the held one is pruned
        assert _run("ingest", str(path), "--index", str(root)).returncode == 0
    assert held.folder is not None and not held.folder.exists()
    assert held.cable_text("08TOKYO1074")
    assert [(h.citation, round(h.score, 5)) for h in reader.ask("what did Lavrov say about missile defense").hits] \
        == expected  # still on its own snapshot until it refreshes
    assert len(reader.refresh().cable_rows) == 4
