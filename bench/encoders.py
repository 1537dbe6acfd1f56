"""Encoder backends side by side: ingest throughput, query latency, agreement and ranking, in one process.

    python -m bench.encoders --paragraphs 1000

Reads corpus cables (file-name order) until ``--paragraphs`` paragraphs, after the bundled seed cable,
and runs them through :func:`qa.ingest.vectors.encode_cables` (what ingest does: windows, sentence spans,
``encode_passages``) on every backend. The work is cut into chunks of 16 cables (as
``CableIndex.ingest`` encodes them) and the backends take turns on each chunk, first place rotating,
so a machine shared with other jobs slows them alike: compare the ratios, not the absolute numbers,
across runs. CPU seconds are reported too: where other jobs hold a core, a backend's two threads
get one, and paragraphs per CPU-second say what a dedicated core would do. Query latency is one
question at a time (the eval set's), backends again taking turns. Agreement is the cosine of each
window and sentence vector to the torch backend's; ranking is dense retrieval of whole paragraphs
(best window) for the seed questions, with the corpus paragraphs as distractors.

Besides the backends a user can choose, two int8 recipes the package does not ship can run for
comparison (``bench/int8_variants.py``): ``onnx-int8-batched`` (the int8 graph on batches of many
texts, whose vectors depend on their batch-mates) and ``onnx-int8-static`` (onnxruntime static
quantisation calibrated on ``--calibration`` corpus paragraphs the bench does not encode).

On a GPU machine, the entry is

    python -m bench.encoders --device cuda --paragraphs 5000

which runs torch and onnx (fp32) on the GPU (the int8 graphs are CPU-only and refused there); it
needs a CUDA build of torch and onnxruntime-gpu (``docs/gpu.md``). Without a GPU it stops at once
with the message ``CABLEQA_DEVICE=cuda`` gives, saying what is missing, and exits 2.

Prints a markdown table. ``api/`` never imports this package.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bench.int8_variants import batched_int8, static_int8
from embeddings.encoder import Device, Encoder, FloatArray, SentenceTransformerEncoder
from embeddings.errors import EmbeddingsError
from embeddings.onnx_encoder import OnnxEncoder
from eval.metrics import evaluate
from eval.questions import bundled_questions_path, load_questions, to_qrels
from qa.cables.corpus import read_cable_file, seed_cable_path
from qa.cables.records import Cable
from qa.errors import CableParseError
from qa.ingest.passages import passage_text
from qa.ingest.vectors import encode_cables
from qa.store.batch import EncodedBatch, merge_batches

__all__ = ["main"]

BACKENDS = ("torch", "onnx", "onnx-int8", "onnx-int8-batched", "onnx-int8-static")
GPU_BACKENDS = ("torch", "onnx")  # what --device cuda runs unless --backends says otherwise
DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "cables"


class _Timed:
    """An encoder that adds up the seconds spent in ``encode_passages`` (the model's share of ingest)."""

    def __init__(self, inner: Encoder) -> None:
        self.inner = inner
        self.seconds = 0.0
        self.cpu_seconds = 0.0
        self.model_name, self.dimension, self.max_tokens = inner.model_name, inner.dimension, inner.max_tokens

    def encode_queries(self, texts: Sequence[str], show_progress: bool = False) -> FloatArray:
        return self.inner.encode_queries(texts, show_progress)

    def encode_documents(self, texts: Sequence[str], show_progress: bool = False) -> FloatArray:
        return self.inner.encode_documents(texts, show_progress)

    def windows(self, text: str, overlap_tokens: int = 32) -> list[tuple[int, int]]:
        return self.inner.windows(text, overlap_tokens)

    def encode_passages(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]], show_progress: bool = False
    ) -> tuple[FloatArray, list[FloatArray]]:
        started, cpu_started = time.perf_counter(), time.process_time()
        try:
            return self.inner.encode_passages(texts, spans, show_progress)
        finally:
            self.seconds += time.perf_counter() - started
            self.cpu_seconds += time.process_time() - cpu_started


@dataclass
class _Run:
    name: str
    encoder: _Timed
    load_seconds: float
    ingest_seconds: float = 0.0
    batches: list[EncodedBatch] = field(default_factory=list)
    query_ms: list[float] = field(default_factory=list)


def _load(name: str, batch_size: int, cache_dir: Path | None, calibration: list[str], scratch: Path,
          device: Device = "cpu") -> _Run:
    started = time.perf_counter()
    if name == "torch":
        encoder: Encoder = SentenceTransformerEncoder(batch_size=batch_size, device=device)
    elif name == "onnx-int8-static":
        encoder = static_int8(OnnxEncoder(cache_dir=cache_dir, batch_size=batch_size), calibration, scratch)
    else:
        onnx = OnnxEncoder(variant="fp32" if name == "onnx" else "int8", cache_dir=cache_dir, batch_size=batch_size,
                           device=device)
        encoder = batched_int8(onnx) if name == "onnx-int8-batched" else onnx
    return _Run(name, _Timed(encoder), time.perf_counter() - started)


def _calibration(corpus: Path, paragraphs: int) -> list[str]:
    """Passages of the last corpus files by name: the bench encodes the first ones."""
    texts: list[str] = []
    for path in sorted(corpus.glob("*.txt"), reverse=True):
        if len(texts) >= paragraphs:
            break
        try:
            cable = read_cable_file(path)
        except CableParseError:
            continue
        texts += [passage_text(cable, p, "context") for p in cable.paragraphs]
    return texts[:paragraphs]


def _cables(corpus: Path, paragraphs: int) -> list[Cable]:
    cables = [read_cable_file(seed_cable_path())]
    count = len(cables[0].paragraphs)
    for path in sorted(corpus.glob("*.txt")):
        if count >= paragraphs:
            break
        try:
            cable = read_cable_file(path)
        except CableParseError:
            continue
        if cable.id != cables[0].id:
            cables.append(cable)
            count += len(cable.paragraphs)
    return cables


def _ranking(batch: EncodedBatch, queries: FloatArray, ids: list[str]) -> dict[str, dict[str, float]]:
    """Top 10 paragraphs per question, a paragraph scoring its best window."""
    citations = [f"{c.id} ¶{p.number}" for c in batch.cables for p in c.paragraphs]
    run: dict[str, dict[str, float]] = {}
    for qid, scores in zip(ids, queries @ batch.window_vectors.T, strict=True):
        best = np.full(len(citations), -np.inf, dtype=np.float32)
        np.maximum.at(best, batch.window_para, scores)
        top = np.argsort(-best)[:10]
        run[qid] = {citations[i]: float(best[i]) for i in top}
    return run


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.encoders", description=__doc__.split("\n\n")[0])
    parser.add_argument("--paragraphs", type=int, default=1000, help="corpus paragraphs to encode (default 1000)")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="folder of cable .txt files")
    parser.add_argument("--backends", default=None,
                        help=f"comma-separated, torch first (default: all on cpu, {','.join(GPU_BACKENDS)} on cuda)")
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu",
                        help="where the backends run (default cpu); cuda is the entry for a GPU machine")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--chunk", type=int, default=16, help="cables per turn (default 16, as ingest)")
    parser.add_argument("--cache-dir", type=Path, default=None, help="ONNX export cache (default: the user cache)")
    parser.add_argument("--calibration", type=int, default=80,
                        help="corpus paragraphs that calibrate onnx-int8-static (default 80)")
    args = parser.parse_args(argv)
    default_backends = GPU_BACKENDS if args.device == "cuda" else BACKENDS
    names = [n.strip() for n in (args.backends or ",".join(default_backends)).split(",") if n.strip()]
    if unknown := sorted(set(names) - set(BACKENDS)):
        parser.error(f"unknown backends {unknown}; choose from {', '.join(BACKENDS)}")
    if args.device == "cuda" and (cpu_only := sorted(set(names) - set(GPU_BACKENDS))):
        parser.error(f"--device cuda runs {', '.join(GPU_BACKENDS)}; {cpu_only} are int8 graphs for the CPU")

    cables = _cables(args.corpus, args.paragraphs)
    chunks = [cables[start:start + args.chunk] for start in range(0, len(cables), args.chunk)]
    paragraphs = sum(len(c.paragraphs) for c in cables)
    calibration = _calibration(args.corpus, args.calibration) if "onnx-int8-static" in names else []
    scratch = tempfile.TemporaryDirectory(prefix="bench-encoders-")
    try:
        runs = [_load(name, args.batch_size, args.cache_dir, calibration, Path(scratch.name), args.device)
                for name in names]
    except EmbeddingsError as error:
        parser.exit(2, f"error: {error.message}\n")
    questions = load_questions(bundled_questions_path())
    for run in runs:  # warm-up: first calls allocate and tune
        encode_cables(chunks[0][:1], run.encoder, "context")
        run.encoder.encode_queries([questions[0].question])
        run.encoder.seconds = run.encoder.cpu_seconds = 0.0

    for turn, chunk in enumerate(chunks):
        for run in runs[turn % len(runs):] + runs[: turn % len(runs)]:
            started = time.perf_counter()
            run.batches.append(encode_cables(chunk, run.encoder, "context"))
            run.ingest_seconds += time.perf_counter() - started
    for turn, question in enumerate(questions):
        for run in runs[turn % len(runs):] + runs[: turn % len(runs)]:
            started = time.perf_counter()
            run.encoder.encode_queries([question.question])
            run.query_ms.append((time.perf_counter() - started) * 1000)

    merged = {run.name: merge_batches(run.batches) for run in runs}
    reference = merged[runs[0].name]
    qrels = to_qrels(questions)
    answerable = [q for q in questions if q.answerable]
    base = runs[0]
    print(f"{paragraphs} paragraphs from {len(cables)} cables ({reference.window_vectors.shape[0]} windows, "
          f"{reference.sentence_vectors.shape[0]} sentences); {len(questions)} queries; "
          f"{len(chunks)} interleaved turns; cosines and ratios against {base.name}\n")
    print("| backend | load s | encode_passages para/s | x | para/CPU-s | x | ingest para/s | query p50 ms "
          "| query p95 ms | window cos min / mean | sentence cos min | hit@1 | mrr@10 |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for run in runs:
        batch = merged[run.name]
        windows = np.sum(batch.window_vectors * reference.window_vectors, axis=1)
        sentences = np.sum(batch.sentence_vectors * reference.sentence_vectors, axis=1)
        queries = run.encoder.encode_queries([q.question for q in answerable])
        scores = evaluate(qrels, _ranking(batch, queries, [q.id for q in answerable]), ["hit@1", "mrr@10"])
        p50, p95 = statistics.median(run.query_ms), statistics.quantiles(run.query_ms, n=20)[-1]
        timed = run.encoder
        print(f"| {run.name} | {run.load_seconds:.2f} | {paragraphs / timed.seconds:.1f} "
              f"| {base.encoder.seconds / timed.seconds:.2f} | {paragraphs / timed.cpu_seconds:.1f} "
              f"| {base.encoder.cpu_seconds / timed.cpu_seconds:.2f} | {paragraphs / run.ingest_seconds:.1f} "
              f"| {p50:.2f} | {p95:.2f} | {windows.min():.4f} / {windows.mean():.4f} | {sentences.min():.4f} "
              f"| {scores['hit@1']:.3f} | {scores['mrr@10']:.3f} |")


if __name__ == "__main__":
    main()
