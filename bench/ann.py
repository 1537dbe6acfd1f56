"""Scale benchmark for the vector index backends: exact vs approximate search on synthetic vectors.

    python -m bench.ann [--n 1000000] [--dim 384] [--queries 1000] [--out bench/results]
                        [--kinds flat,hnsw,ivfpq] [--ef-search 16,32,64,128,256] [--nprobe 8,16,32,64]

Why synthetic, and which. Uniform random 384-d vectors are a known worst case for ANN and unlike
sentence embeddings, so the data is grown from real ones: each point is a real MiniLM window
vector (the windows of the cableqa index folder ``--real``; by default ``CABLEQA_INDEX_DIR``, which
after ``cableqa ingest`` of the corpus holds 17,724 of them) plus Gaussian noise shaped by the real
vectors' covariance (so it stays in their ~80 effective dimensions), scaled by ``--spread`` and
renormalised. Queries are held-out points drawn the same way, never members of the index. The
spread 0.7 puts a query's top-1 cosine to 1M points near 0.8, and to 17,724 points near 0.7
(the real windows' own leave-one-out top-1 is 0.79 at the median). Without the real file (or
with another ``--dim``), the bases are seeded clusters with a decaying spectrum ("clusters").
Its limit: at 1M each real window has ~56 noisy copies, so a query's top 10 tend to be one tight
clump (top-10 cosine 0.76 against top-1 0.80), which flatters IVF (the clump shares a cell) more
than HNSW; IVF recall rose from 50k to 1M while HNSW's fell.

What is measured, per index setting, with the service's parameters (``embeddings/faiss_*.py``):
build s (train + add, on ``--build-threads`` OpenMP threads); index bytes, the size of
``faiss.serialize_index`` (for IVF-PQ also without the refine vectors); single-query latency
p50/p99, one query at a time on one OpenMP thread as the service searches; recall@10, the share
of the exact top 10 (flat search on the same queries) that the setting returns. Flat latency is
timed on the first ``--flat-queries`` queries only: it is long and steady.

Where it departs from the service, to finish in about 12 minutes on 2 loaded cores at 1M: HNSW is built
with efConstruction 64, not 200 (measured on the loaded 2-core machine: 100,000 vectors took
108 s at 200 and 24 s at 64; 200 at 1M would take over 20 minutes), so its recall is a lower
bound for the service's graph; IVF-PQ trains on ``--train-size`` sampled vectors (16 per cell at
1M), where the service trains on all it holds (k-means on 1M points into 4,000 cells: an
estimated 25-60 minutes on 2 cores). The load average is recorded: another job may share the CPUs.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bench.report import write_report
from embeddings.faiss_base import faiss
from qa.settings import Settings
from qa.store.generations import CURRENT, SEGMENTS, current_generation
from qa.store.manifest import read_manifest

__all__ = ["main"]

Floats = npt.NDArray[np.float32]
K = 10


@dataclass(frozen=True, slots=True)
class Row:
    """One searched setting: how it was built, how it was searched, what it cost and found."""

    kind: str
    build: str
    search: str
    build_s: float
    index_mb: float
    p50_ms: float
    p99_ms: float
    recall_at_10: float


def normalise(vectors: Floats) -> Floats:
    unit: Floats = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
    return unit


def real_bases(index_dir: Path) -> Floats:
    """The window vectors of the live generation's segments in a cableqa index folder."""
    manifest = read_manifest(current_generation(index_dir))
    windows = [np.load(index_dir / SEGMENTS / s["name"] / "windows.npy", allow_pickle=False) for s in manifest.segments]
    return np.concatenate(windows).astype(np.float32)


def cluster_bases(rng: np.random.Generator, dim: int, count: int = 20_000) -> Floats:
    """Seeded stand-in bases: a decaying spectrum and a shared mean, as sentence embeddings have."""
    spectrum = 1.0 / (np.arange(dim) + 10.0)
    basis = np.linalg.qr(rng.standard_normal((dim, dim)))[0]
    points = 0.45 * basis[:, 0] + rng.standard_normal((count, dim)) @ (basis * np.sqrt(spectrum)).T
    return normalise(points.astype(np.float32))


def noisy_points(rng: np.random.Generator, bases: Floats, count: int, spread: float) -> Floats:
    """``count`` unit vectors: random bases plus noise with the bases' covariance, times ``spread``."""
    eigenvalues, eigenvectors = np.linalg.eigh(np.cov(bases.T))
    shape = (eigenvectors * np.sqrt(np.clip(eigenvalues, 0.0, None))).T.astype(np.float32)
    points = np.empty((count, bases.shape[1]), dtype=np.float32)
    for start in range(0, count, 100_000):  # chunks bound the temporary arrays
        stop = min(count, start + 100_000)
        noise = rng.standard_normal((stop - start, bases.shape[1]), dtype=np.float32) @ shape
        points[start:stop] = normalise(bases[rng.integers(0, len(bases), stop - start)] + spread * noise)
    return points


def serialized_mb(index: Any) -> float:
    return round(len(faiss.serialize_index(index)) / 2**20, 1)


def timed_search(index: Any, queries: Floats) -> tuple[list[float], npt.NDArray[np.int64]]:
    """Per-query latency in ms and the ids found, searching one query at a time on one thread."""
    faiss.omp_set_num_threads(1)
    for query in queries[:10]:  # warm-up: caches and lazily built tables
        index.search(query[None], K)
    latencies, found = [], np.empty((len(queries), K), dtype=np.int64)
    for row, query in enumerate(queries):
        started = time.perf_counter()
        found[row] = index.search(query[None], K)[1][0]
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies, found


def recall(found: npt.NDArray[np.int64], truth: npt.NDArray[np.int64]) -> float:
    return float((found[:, :, None] == truth[:, None, :]).any(axis=2).mean())


# A sweep yields (search label, index ready to search) for each search setting of one built index.
Sweep = Iterator[tuple[str, Any]]


def hnsw_sweep(index: Any, ef_search: Sequence[int]) -> Sweep:
    for ef in ef_search:
        index.hnsw.efSearch = ef
        yield f"efSearch={ef}", index


def ivfpq_sweep(index: Any, nprobe: Sequence[int]) -> Sweep:
    for probes in nprobe:
        faiss.downcast_index(index.base_index).nprobe = probes
        yield f"nprobe={probes}", index


def build(kind: str, vectors: Floats, args: argparse.Namespace, rng: np.random.Generator) -> tuple[str, Any, Sweep]:
    """The built index of ``kind``, a label of its build settings, and its search sweep."""
    dim = vectors.shape[1]
    if kind == "flat":
        index = faiss.IndexFlatIP(dim)
        index.add(vectors)
        return "exact", index, iter([("exhaustive", index)])
    if kind == "hnsw":
        index = faiss.IndexHNSWFlat(dim, args.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = args.ef_construction
        index.add(vectors)
        return f"m={args.hnsw_m} efC={args.ef_construction}", index, hnsw_sweep(index, args.ef_search)
    if kind == "ivfpq":
        nlist = max(1, min(int(4 * math.sqrt(len(vectors))), len(vectors) // 39))  # as embeddings/faiss_ivfpq.py
        ivfpq = faiss.IndexIVFPQ(faiss.IndexFlatIP(dim), dim, nlist, 48, 8, faiss.METRIC_INNER_PRODUCT)
        index = faiss.IndexRefineFlat(ivfpq)
        index.k_factor = 8.0
        sample = rng.choice(len(vectors), min(len(vectors), args.train_size), replace=False)
        index.train(vectors[np.sort(sample)])
        index.add(vectors)
        label = f"nlist={nlist} m=48 nbits=8 refine=8 trained on {len(sample):,}; {serialized_mb(ivfpq)} MB w/o refine"
        return label, index, ivfpq_sweep(index, args.nprobe)
    raise SystemExit(f"unknown kind {kind!r}: use flat, hnsw or ivfpq")


def measure(
    kind: str,
    vectors: Floats,
    queries: Floats,
    truth: npt.NDArray[np.int64],
    args: argparse.Namespace,
    rng: np.random.Generator,
) -> list[Row]:
    """Build one index of ``kind`` and time and score each of its search settings."""
    faiss.omp_set_num_threads(args.build_threads)
    started = time.perf_counter()
    label, index, sweep = build(kind, vectors, args, rng)
    build_s = round(time.perf_counter() - started, 1)
    size_mb = serialized_mb(index)
    measured = queries[: args.flat_queries] if kind == "flat" else queries
    rows = []
    for search, ready in sweep:
        latencies, found = timed_search(ready, measured)
        p50, p99 = (round(float(ms), 3) for ms in np.percentile(latencies, [50, 99]))
        score = round(recall(found, truth[: len(measured)]), 4)
        rows.append(Row(kind, label, search, build_s, size_mb, p50, p99, score))
        print(f"  {rows[-1]}", flush=True)
    return rows


def run(args: argparse.Namespace) -> dict[str, Any]:
    rng = np.random.default_rng(args.seed)
    use_real = args.dim == 384 and (args.real / CURRENT).exists()
    bases = real_bases(args.real) if use_real else cluster_bases(rng, args.dim)
    started = time.perf_counter()
    vectors = noisy_points(rng, bases, args.n, args.spread)
    queries = noisy_points(rng, bases, args.queries, args.spread)
    generate_s = time.perf_counter() - started
    loads: dict[str, list[float]] = {"start": list(os.getloadavg())}

    faiss.omp_set_num_threads(args.build_threads)
    exact = faiss.IndexFlatIP(args.dim)
    exact.add(vectors)
    top_scores, truth = exact.search(queries, K)  # batched, so the truth is quick at 1M
    del exact
    rows: list[Row] = []
    for kind in args.kinds:
        rows += measure(kind, vectors, queries, truth, args, rng)
        loads[f"after {kind}"] = list(os.getloadavg())

    percentiles = [10, 50, 90]
    return {
        "config": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "generator": f"real MiniLM windows ({len(bases):,}) + covariance-shaped noise" if use_real else "clusters",
        "generate_s": round(generate_s, 1),
        "query_top1_cosine_p10_p50_p90": np.percentile(top_scores[:, 0], percentiles).round(3).tolist(),
        "query_top10_cosine_p10_p50_p90": np.percentile(top_scores[:, K - 1], percentiles).round(3).tolist(),
        "threads": {"build": args.build_threads, "search": 1},
        "index_bytes": "len(faiss.serialize_index(index))",
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "faiss": faiss.__version__},
        "load_average_1_5_15": loads,
        "rows": [asdict(row) for row in rows],
    }


def markdown(result: dict[str, Any]) -> str:
    config = result["config"]
    lines = [
        f"ANN benchmark: n={config['n']:,}, dim={config['dim']}, {config['queries']} queries "
        f"(flat timed on {config['flat_queries']}), k={K}, seed {config['seed']}; {result['generator']}, "
        f"spread {config['spread']}; query top-1 cosine p10/p50/p90 {result['query_top1_cosine_p10_p50_p90']}. "
        f"Builds on {config['build_threads']} threads, searches one query at a time on 1 thread. "
        f"Load average at start {[round(x, 2) for x in result['load_average_1_5_15']['start']]}.",
        "",
        "| kind | build | search | build s | index MB | p50 ms | p99 ms | recall@10 |",
        "|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for row in result["rows"]:
        lines.append(
            f"| {row['kind']} | {row['build']} | {row['search']} | {row['build_s']} | {row['index_mb']} "
            f"| {row['p50_ms']} | {row['p99_ms']} | {row['recall_at_10']} |"
        )
    return "\n".join(lines) + "\n"


def _ints(text: str) -> list[int]:
    return [int(part) for part in text.split(",")]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--flat-queries", type=int, default=100)
    parser.add_argument("--out", type=Path, default=Path("bench/results"))
    parser.add_argument("--kinds", type=lambda text: text.split(","), default=["flat", "hnsw", "ivfpq"])
    parser.add_argument("--hnsw-m", type=int, default=32)
    parser.add_argument("--ef-construction", type=int, default=64, help="the service uses 200; see above")
    parser.add_argument("--ef-search", type=_ints, default=[16, 32, 64, 128, 256])
    parser.add_argument("--nprobe", type=_ints, default=[8, 16, 32, 64])
    parser.add_argument("--train-size", type=int, default=64_000)
    parser.add_argument("--build-threads", type=int, default=2)
    parser.add_argument("--spread", type=float, default=0.7)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--real", type=Path, default=None,
                        help="cableqa index folder whose window vectors seed the data (default: CABLEQA_INDEX_DIR)")
    args = parser.parse_args(argv)
    args.real = args.real or Settings().index_dir
    started = time.perf_counter()
    result = run(args)
    result["total_s"] = round(time.perf_counter() - started, 1)
    write_report(args.out, "ann", result, markdown(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
