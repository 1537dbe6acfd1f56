"""A bounded soak of several server processes on one index: questions, uploads and deletes at once.

    python -m bench.soak --minutes 10 --workers 4 --clients 16 [--write-every 1.0] [--out bench/results]

Starts a real ``cableqa serve --workers N`` on a fresh index folder (the seed) on a free loopback
port, then for ``--minutes``: ``--clients`` threads ask the bundled eval questions (each on its own
keep-alive connection, so the clients spread over the workers), while one writer, every
``--write-every`` seconds, uploads a corpus cable or deletes one it uploaded before, each on a new
connection (any worker). Afterwards it checks that every acknowledged write holds: through the
running server (20 new connections) and again after a restart. It reports errors by kind, write
latencies, ask latency percentiles and the workers' resident memory sampled every 30 s.

Bounded by design: loopback only, at most 60 minutes, stops by itself. Needs ``../shared/corpus``.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

from bench import serving
from bench.report import write_report
from eval.questions import bundled_questions_path, load_questions
from qa.cables.corpus import read_cable_file
from qa.errors import CableParseError

__all__ = ["main"]

CORPUS = serving.REPO.parent / "shared" / "corpus" / "cables"
MAX_MINUTES = 60
KEY = "soak-key"


def _start(index: Path, port: int, workers: int, log: Path, clients: int) -> subprocess.Popen[bytes]:
    """``cableqa serve`` with no rate limit and body caps above the soak's own load: its clients all come
    from 127.0.0.1, which the server would otherwise count as one client."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CABLEQA_")}
    env.update(CABLEQA_RATE_LIMIT_PER_MINUTE="0", CABLEQA_API_KEY=KEY,
               CABLEQA_MAX_INFLIGHT_BODIES=str(2 * clients + 2),
               CABLEQA_MAX_INFLIGHT_BODIES_PER_CLIENT=str(2 * clients + 2))
    return serving.serve(["--index", str(index), "--workers", str(workers)], env, log, port)


def _workers_rss_mb(pid: int) -> list[float]:
    import psutil

    try:
        children = psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []
    out = []
    for child in children:
        try:
            out.append(round(child.memory_info().rss / 2**20, 1))
        except psutil.Error:
            continue
    return sorted(out)


def _pool(count: int) -> list[tuple[str, bytes]]:
    """``count`` small corpus cables that parse whole, as (id as read from the file, bytes)."""
    files = sorted(CORPUS.glob("*.txt"), key=lambda p: (p.stat().st_size, p.name))
    picked: list[tuple[str, bytes]] = []
    for path in files:
        try:
            cable = read_cable_file(path)
        except CableParseError:
            continue
        if not cable.partial and cable.id != "08TOKYO1074":
            picked.append((cable.id, path.read_bytes()))
        if len(picked) == count:
            break
    return picked


def _percentile(values: Sequence[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def _check(base: str, present: set[str], absent: set[str], tries: int = 20) -> list[str]:
    """Acknowledged writes that do not hold, read through ``tries`` new connections."""
    lost = []
    for i in range(tries):
        for cable_id in sorted(present):
            if httpx.get(f"{base}/cables/{cable_id}", timeout=30).status_code != 200:
                lost.append(f"{cable_id} missing (try {i})")
        for cable_id in sorted(absent):
            if httpx.get(f"{base}/cables/{cable_id}", timeout=30).status_code != 404:
                lost.append(f"{cable_id} still there after its delete (try {i})")
        if lost:
            break
    return lost


def run_soak(minutes: float, workers: int, clients: int, write_every: float) -> dict[str, Any]:
    questions = [q.question for q in load_questions(bundled_questions_path())]
    pool = _pool(200)
    folder = Path(tempfile.mkdtemp(prefix="cableqa-soak-"))
    index, log = folder / "index", folder / "serve.log"
    port = serving.free_port()
    base = f"http://127.0.0.1:{port}"
    server = _start(index, port, workers, log, clients)
    stop = threading.Event()
    failures: Counter[str] = Counter()
    ask_ms: list[float] = []
    write_ms: list[float] = []
    present: set[str] = set()
    absent: set[str] = set()
    lock = threading.Lock()
    rss: list[dict[str, Any]] = []
    started = time.monotonic()

    def asker(seed: int) -> None:
        rng = random.Random(seed)
        with httpx.Client(base_url=base, timeout=60) as client:
            while not stop.is_set():
                began = time.perf_counter()
                try:
                    response = client.post("/ask", json={"question": rng.choice(questions), "k": 5,
                                                         "mode": rng.choice(["hybrid", "dense", "bm25"])})
                    kind = None if response.status_code == 200 else f"ask HTTP {response.status_code}"
                except httpx.HTTPError as error:
                    kind = f"ask {type(error).__name__}"
                with lock:
                    if kind:
                        failures[kind] += 1
                    else:
                        ask_ms.append((time.perf_counter() - began) * 1000)

    def writer() -> None:
        rng = random.Random(0)
        waiting = list(pool)
        texts = dict(pool)
        uploaded: list[str] = []
        tick = time.monotonic()
        while not stop.wait(max(0.0, (tick := tick + write_every) - time.monotonic())):
            delete = uploaded and (not waiting or rng.random() < 0.4)
            began = time.perf_counter()
            try:
                if delete:
                    cable_id = uploaded.pop(rng.randrange(len(uploaded)))
                    response = httpx.delete(f"{base}/cables/{cable_id}", headers={"X-API-Key": KEY}, timeout=120)
                    ok = response.status_code == 200
                    waiting.append((cable_id, texts[cable_id]))  # comes back later as a new upload
                else:
                    cable_id, text = waiting.pop(0)
                    response = httpx.post(f"{base}/cables", content=text, timeout=120,
                                          headers={"X-API-Key": KEY, "Content-Type": "text/plain"})
                    ok = response.status_code == 201
                    if ok:  # the id the server parsed, which a file's name does not always give
                        texts.pop(cable_id, None)
                        cable_id = response.json()["ingested"][0]
                        texts[cable_id] = text
            except httpx.HTTPError as error:
                with lock:
                    failures[f"write {type(error).__name__}"] += 1
                continue
            with lock:
                if not ok:
                    failures[f"{'delete' if delete else 'upload'} HTTP {response.status_code}"] += 1
                    continue
                write_ms.append((time.perf_counter() - began) * 1000)
                if delete:
                    present.discard(cable_id)
                    absent.add(cable_id)
                else:
                    absent.discard(cable_id)
                    present.add(cable_id)
                    uploaded.append(cable_id)

    threads = [threading.Thread(target=asker, args=(i,), daemon=True) for i in range(clients)]
    threads.append(threading.Thread(target=writer, daemon=True))
    for thread in threads:
        thread.start()
    try:
        while time.monotonic() - started < minutes * 60:
            rss.append({"s": round(time.monotonic() - started), "workers_mb": _workers_rss_mb(server.pid)})
            time.sleep(min(30.0, max(0.0, minutes * 60 - (time.monotonic() - started))))
        rss.append({"s": round(time.monotonic() - started), "workers_mb": _workers_rss_mb(server.pid)})
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=180)
    seconds = time.monotonic() - started
    time.sleep(1.0)  # the bound on readers following a commit
    lost_live = _check(base, present, absent)
    serving.stop(server)
    server = _start(index, port, workers, log, clients)
    try:
        lost_restart = _check(base, present, absent, tries=4)
        health = httpx.get(f"{base}/health", timeout=30).json()
    finally:
        serving.stop(server)
    first, last = rss[1] if len(rss) > 1 else rss[0], rss[-1]
    return {
        "minutes": round(seconds / 60, 2), "workers": workers, "clients": clients, "write_every_s": write_every,
        "asks": len(ask_ms), "asks_per_s": round(len(ask_ms) / seconds, 1),
        "ask_ms": {"p50": round(_percentile(ask_ms, 50), 1), "p99": round(_percentile(ask_ms, 99), 1)},
        "writes_acknowledged": len(write_ms),
        "write_ms": {"p50": round(_percentile(write_ms, 50), 1), "p99": round(_percentile(write_ms, 99), 1)},
        "errors": dict(failures), "error_count": sum(failures.values()),
        "lost_live": lost_live, "lost_after_restart": lost_restart,
        "cables_expected": 1 + len(present), "cables_after_restart": health["cables"],
        "rss": rss, "rss_first_mb": sum(first["workers_mb"]), "rss_last_mb": sum(last["workers_mb"]),
        "folder": str(folder),
    }


def _markdown(r: dict[str, Any]) -> str:
    return "\n".join([
        f"# Soak: {r['minutes']} min, {r['workers']} workers, {r['clients']} ask clients, "
        f"a write every {r['write_every_s']} s",
        "",
        "| measure | value |",
        "|---|---|",
        f"| asks answered | {r['asks']:,} ({r['asks_per_s']}/s), p50 {r['ask_ms']['p50']} ms, p99 "
        f"{r['ask_ms']['p99']} ms |",
        f"| writes acknowledged (uploads + deletes) | {r['writes_acknowledged']}, p50 {r['write_ms']['p50']} ms, "
        f"p99 {r['write_ms']['p99']} ms |",
        f"| errors | {r['error_count']} {r['errors'] or ''} |",
        f"| acknowledged writes lost (live / after restart) | {len(r['lost_live'])} / {len(r['lost_after_restart'])} |",
        f"| cables expected / after restart | {r['cables_expected']} / {r['cables_after_restart']} |",
        f"| workers' RSS, sum (30 s in -> end) | {r['rss_first_mb']:.0f} -> {r['rss_last_mb']:.0f} MB |",
    ])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--write-every", type=float, default=1.0)
    parser.add_argument("--out", type=Path, default=serving.REPO / "bench" / "results")
    parser.add_argument("--name", default="soak")
    args = parser.parse_args(argv)
    if not 0 < args.minutes <= MAX_MINUTES:
        parser.error(f"--minutes must be in (0, {MAX_MINUTES}]")
    if not CORPUS.is_dir():
        parser.error(f"the soak uploads corpus cables from {CORPUS}, which is missing")
    result = run_soak(args.minutes, args.workers, args.clients, args.write_every)
    write_report(args.out, args.name, result, _markdown(result))
    ok = result["error_count"] == 0 and not result["lost_live"] and not result["lost_after_restart"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
