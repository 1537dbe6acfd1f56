"""The benchmark suite: ingest throughput and its split, query latency in-process and over HTTP,
server start-up, memory and index size, on the corpus in ../shared/corpus plus the seed.

    python -m bench.suite [--corpus ../shared/corpus] [--max-cables N] [--backend torch|onnx|onnx-int8]
                          [--baseline torch] [--out bench/results]

Query timings are medians (and p95/p99) over the eval questions asked three times after a warm-up;
an ingest is timed once (it takes minutes). With ``--baseline``, the same cables are ingested again
with that backend in the same run, and both indexes are scored with the seed eval questions (the
seed among the corpus distractors), so speed and accuracy are compared side by side as ratios.
It writes ``suite.json`` and ``suite.md`` to ``--out`` and prints the markdown table.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench.report import write_report
from eval.questions import EvalQuestion, bundled_questions_path, load_questions
from eval.runner import run_eval
from qa.cables.corpus import read_cable_file, seed_cable_path
from qa.service import CableIndex
from qa.settings import Settings

__all__ = ["main"]


def _percentiles(values: Sequence[float]) -> dict[str, float]:
    ordered = sorted(values)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    return {"p50": round(statistics.median(ordered), 2), "p95": round(at(0.95), 2), "p99": round(at(0.99), 2)}


def _folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds a process has used so far (``/proc/PID/stat``, fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss_mb(pid: int, field: str = "VmRSS") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def bench_ingest(index_dir: Path, files: list[Path], settings: Settings) -> tuple[CableIndex, dict[str, Any]]:
    from qa.startup import load_encoder

    cpu_before = _cpu_s(os.getpid())
    started = time.perf_counter()
    cables = [read_cable_file(seed_cable_path())] + [read_cable_file(f) for f in files]
    parse_s = time.perf_counter() - started
    encoder = load_encoder(settings)
    index = CableIndex.open(index_dir, encoder, settings.index_type)
    encoded_at: list[float] = []
    started = time.perf_counter()
    # The path `cableqa ingest` and POST /cables take: chunks encoded two at a time, one generation.
    index.ingest(cables, on_encoded=lambda _: encoded_at.append(time.perf_counter()))
    finished = time.perf_counter()
    cpu_s = _cpu_s(os.getpid()) - cpu_before  # parse, model loading and ingest, all threads
    encode_s = encoded_at[-1] - started
    write_s = finished - encoded_at[-1]
    paragraphs = sum(len(c.paragraphs) for c in cables)
    total = parse_s + encode_s + write_s
    return index, {
        "cables": len(cables), "paragraphs": paragraphs,
        "parse_s": round(parse_s, 2), "encode_s": round(encode_s, 2), "index_and_persist_s": round(write_s, 2),
        "paragraphs_per_s": round(paragraphs / total, 1), "encode_paragraphs_per_s": round(paragraphs / encode_s, 1),
        "cpu_s": round(cpu_s, 1), "paragraphs_per_cpu_s": round(paragraphs / cpu_s, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "index_bytes": _folder_bytes(index_dir),
    }


def bench_accuracy(index: CableIndex, questions: Sequence[EvalQuestion]) -> dict[str, dict[str, float]]:
    """hit@5, MRR@10 and nDCG@10 per mode: what the fast path must not lose against the baseline."""
    keep = ("hit@1", "hit@5", "mrr@10", "ndcg@10")
    return {r.mode: {k: round(r.summary[k], 4) for k in keep}
            for r in run_eval(index, questions, ("hybrid", "dense", "bm25"))}


def bench_queries(index: CableIndex, questions: list[str], repeats: int = 3) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for mode in ("hybrid", "dense", "bm25"):
        for q in questions[:10]:
            index.ask(q, mode=mode)  # warm-up
        latencies = []
        for _ in range(repeats):
            for q in questions:
                started = time.perf_counter()
                index.ask(q, mode=mode)
                latencies.append(1000 * (time.perf_counter() - started))
        out[mode] = _percentiles(latencies)
    return out


def bench_server(index_dir: Path, questions: list[str], backend: str) -> dict[str, Any]:
    port = _free_port()
    env = {**os.environ, "CABLEQA_INDEX_DIR": str(index_dir), "CABLEQA_RATE_LIMIT_PER_MINUTE": "0",
           "CABLEQA_ENCODER_BACKEND": backend}
    started = time.perf_counter()
    server = subprocess.Popen([sys.executable, "-c", "from qa.cli import main; main()", "serve", "--port", str(port)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.perf_counter() - started > 300:
                raise RuntimeError("server did not become healthy in 300 s")
            time.sleep(0.05)
        startup_s = time.perf_counter() - started
        with httpx.Client(base_url=url, timeout=30) as client:
            for q in questions[:10]:
                client.get("/ask", params={"q": q})
            single = []
            for _ in range(2):
                for q in questions:
                    started = time.perf_counter()
                    client.get("/ask", params={"q": q}).raise_for_status()
                    single.append(1000 * (time.perf_counter() - started))
        errors = 0
        latencies: list[float] = []
        lock = threading.Lock()

        def worker(batch: list[str]) -> None:
            nonlocal errors
            with httpx.Client(base_url=url, timeout=30) as client:
                for q in batch:
                    t0 = time.perf_counter()
                    ok = client.get("/ask", params={"q": q}).status_code == 200
                    with lock:
                        latencies.append(1000 * (time.perf_counter() - t0))
                        errors += not ok

        work = [questions * 2 for _ in range(8)]
        # CPU per request, server and load generator apart: less at the mercy of a busy host than
        # requests/s, and it shows what the clients (on the same two cores) take from the server.
        server_cpu, client_cpu = _cpu_s(server.pid), _cpu_s(os.getpid())
        started = time.perf_counter()
        threads = [threading.Thread(target=worker, args=(w,)) for w in work]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
        server_cpu, client_cpu = _cpu_s(server.pid) - server_cpu, _cpu_s(os.getpid()) - client_cpu
        return {
            "startup_to_healthy_s": round(startup_s, 2),
            "http_one_client_ms": _percentiles(single),
            "http_8_clients_ms": _percentiles(latencies),
            "http_8_clients_requests_per_s": round(len(latencies) / elapsed, 1),
            "http_8_clients_errors": errors,
            "server_cpu_ms_per_request": round(1000 * server_cpu / len(latencies), 2),
            "client_cpu_ms_per_request": round(1000 * client_cpu / len(latencies), 2),
            "server_rss_mb": _rss_mb(server.pid), "server_peak_rss_mb": _rss_mb(server.pid, "VmHWM"),
        }
    finally:
        server.terminate()
        server.wait(timeout=30)


def to_markdown(result: dict[str, Any]) -> str:
    i, q, s = result["ingest"], result["query_in_process_ms"], result["server"]
    rows = [
        ("machine", f"{result['cores']} cores, {result['platform']}; encoder {result['backend']}"),
        ("corpus", f"{i['cables']} cables, {i['paragraphs']} paragraphs"),
        ("ingest", f"{i['paragraphs_per_s']} paragraphs/s overall; encode {i['encode_paragraphs_per_s']} paragraphs/s"),
        ("ingest split",
         f"parse {i['parse_s']} s, encode {i['encode_s']} s, index + persist {i['index_and_persist_s']} s"),
        ("ingest CPU", f"{i.get('cpu_s')} core-seconds, {i.get('paragraphs_per_cpu_s')} paragraphs per core-second"),
        ("ingest peak RSS", f"{i['peak_rss_mb']} MB"),
        ("index on disk", f"{i['index_bytes'] / 1e6:.1f} MB"),
        *((f"in-process {m}", f"p50 {v['p50']} ms, p95 {v['p95']} ms, p99 {v['p99']} ms") for m, v in q.items()),
        ("server start to healthy", f"{s['startup_to_healthy_s']} s"),
        ("HTTP, one client", "p50 {p50} ms, p95 {p95} ms, p99 {p99} ms".format(**s["http_one_client_ms"])),
        ("HTTP, 8 clients", "p50 {p50} ms, p99 {p99} ms".format(**s["http_8_clients_ms"])
         + f", {s['http_8_clients_requests_per_s']} requests/s, {s['http_8_clients_errors']} errors"),
        ("CPU per request at 8 clients", f"server {s.get('server_cpu_ms_per_request')} ms, "
         f"load generator {s.get('client_cpu_ms_per_request')} ms"),
        ("server RSS", f"{s['server_rss_mb']} MB (peak {s['server_peak_rss_mb']} MB)"),
    ]
    for mode, metrics in result["accuracy"].items():
        rows.append((f"eval {mode} (seed among distractors)", ", ".join(f"{k} {v:.3f}" for k, v in metrics.items())))
    if "baseline" in result:
        b = result["baseline"]
        rows.append((f"baseline {b['backend']} ingest",
                     f"{b['ingest']['paragraphs_per_s']} paragraphs/s overall, encode "
                     f"{b['ingest']['encode_paragraphs_per_s']} paragraphs/s; {result['backend']} is "
                     f"{b['speedup_overall']}x overall, {b['speedup_encode']}x encoding"))
        for mode, metrics in b["accuracy"].items():
            delta = ", ".join(f"{k} {v:.3f} ({result['accuracy'][mode][k] - v:+.3f})" for k, v in metrics.items())
            rows.append((f"baseline {b['backend']} eval {mode}", delta))
    header = (f"Measured {result['date']}, load average at start {result['load_average']}; "
              f"index type {result['index_type']}")
    return "\n".join([header, "", "| what | result |", "|---|---|", *(f"| {a} | {b} |" for a, b in rows)])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "corpus")
    parser.add_argument("--max-cables", type=int, default=0, help="0 = all")
    parser.add_argument("--backend", default="torch", choices=["torch", "onnx", "onnx-int8"])
    parser.add_argument("--baseline", choices=["torch", "onnx", "onnx-int8"],
                        help="ingest and score the same cables with this backend too, side by side")
    parser.add_argument("--out", type=Path, default=Path("bench/results"))
    args = parser.parse_args(argv)
    files = sorted((args.corpus / "cables").glob("*.txt"))
    if args.max_cables:
        files = files[: args.max_cables]
    judged = load_questions(bundled_questions_path())
    questions = [q.question for q in judged]
    load_average = round(os.getloadavg()[0], 2)
    with tempfile.TemporaryDirectory() as tmp:
        index_dir = Path(tmp) / "index"
        settings = Settings(index_dir=index_dir, encoder_backend=args.backend)
        index, ingest = bench_ingest(index_dir, files, settings)
        result: dict[str, Any] = {
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "cores": os.cpu_count(),
            "load_average": load_average, "platform": platform.platform(terse=True), "backend": args.backend,
            "index_type": index.snapshot.manifest.index_type, "ingest": ingest,
            "accuracy": bench_accuracy(index, judged),
            "query_in_process_ms": bench_queries(index, questions),
            "server": bench_server(index_dir, questions, args.backend),
        }
        if args.baseline:
            base_dir = Path(tmp) / "baseline"
            base_index, base_ingest = bench_ingest(base_dir, files, Settings(index_dir=base_dir,
                                                                             encoder_backend=args.baseline))
            result["baseline"] = {
                "backend": args.baseline, "ingest": base_ingest, "accuracy": bench_accuracy(base_index, judged),
                "speedup_overall": round(ingest["paragraphs_per_s"] / base_ingest["paragraphs_per_s"], 2),
                "speedup_encode": round(ingest["encode_paragraphs_per_s"] / base_ingest["encode_paragraphs_per_s"], 2),
            }
    write_report(args.out, "suite", result, to_markdown(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
