"""The first questions a server answers after it starts, with and without reading the index ahead.

    python -m bench.first_questions --index DIR [--shares 0 0.5] [--rounds 2] [--drop-caches] [--out bench/results]

For each ``CABLEQA_PRELOAD_SHARE`` in ``--shares``, in turn: (as root, with ``--drop-caches``) empty the
page cache, start ``cableqa serve`` on ``DIR`` on a free loopback port, and from the moment it is
healthy ask the 114 eval questions one at a time over HTTP (hybrid), ``--rounds`` times. Reports the
start, and per round the p50, p90 and the median of the first twelve questions, side by side. To see an
index larger than the memory it has, run it inside a memory cgroup (the server inherits it).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from bench import serving
from bench.report import write_report
from eval.questions import bundled_questions_path, load_questions


def _serve(index: Path, share: float, log: Path) -> tuple[subprocess.Popen[bytes], str, float]:
    """``cableqa serve`` on ``index``, healthy; returns it, its URL and the seconds it took."""
    port = serving.free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CABLEQA_")}
    env.update(CABLEQA_RATE_LIMIT_PER_MINUTE="0", CABLEQA_PRELOAD_SHARE=str(share),
               CABLEQA_SEARCH_THREADS=os.environ.get("CABLEQA_SEARCH_THREADS", "2"))
    began = time.monotonic()
    process = serving.serve(["--index", str(index)], env, log, port)
    return process, f"http://127.0.0.1:{port}", time.monotonic() - began


def run_share(index: Path, share: float, questions: Sequence[str], rounds: int, drop: bool,
              log: Path) -> dict[str, Any]:
    """One cold start at ``share`` and its first ``rounds`` rounds of questions."""
    if drop:
        subprocess.run(["sync"], check=True)
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
    process, url, start_s = _serve(index, share, log)
    result: dict[str, Any] = {"share": share, "start_s": round(start_s, 2), "rounds": []}
    try:
        with httpx.Client(timeout=120) as client:
            for _ in range(rounds):
                times = []
                for question in questions:
                    began = time.perf_counter()
                    client.post(f"{url}/ask", json={"question": question, "mode": "hybrid"}).raise_for_status()
                    times.append((time.perf_counter() - began) * 1000)
                result["rounds"].append({"p50_ms": statistics.median(times),
                                         "p90_ms": float(np.percentile(times, 90)),
                                         "first_12_median_ms": statistics.median(times[:12]),
                                         "total_s": sum(times) / 1000})
    finally:
        serving.stop(process)
    return result


def markdown(result: dict[str, Any]) -> str:
    lines = [f"First questions after a cold start (hybrid, over HTTP, one at a time; index {result['index']}, "
             f"caches dropped: {result['drop_caches']})", "",
             "| preload share | healthy after | round | first 12, median | p50 | p90 | round total |",
             "|---|---|---|---|---|---|---|"]
    for run in result["runs"]:
        for number, r in enumerate(run["rounds"], 1):
            lines.append(f"| {run['share']} | {run['start_s']:.1f} s | {number} | {r['first_12_median_ms']:.0f} ms "
                         f"| {r['p50_ms']:.1f} ms | {r['p90_ms']:.0f} ms | {r['total_s']:.1f} s |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.first_questions", description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--shares", type=float, nargs="+", default=[0.0, 0.5])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--drop-caches", action="store_true", help="empty the page cache before each start (root)")
    parser.add_argument("--out", type=Path, default=Path("bench/results"))
    parser.add_argument("--name", default="first-questions")
    args = parser.parse_args(argv)
    questions = [q.question for q in load_questions(bundled_questions_path())]
    log = args.out / f"{args.name}.log"
    args.out.mkdir(parents=True, exist_ok=True)
    runs = [run_share(args.index, share, questions, args.rounds, args.drop_caches, log) for share in args.shares]
    result = {"index": str(args.index), "drop_caches": args.drop_caches, "runs": runs}
    print(json.dumps(result))
    write_report(args.out, args.name, result, markdown(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
