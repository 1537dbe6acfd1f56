"""The index at growing sizes, built through the real writer: build, size, start, memory, query latency,
and what one upload, one delete and a merge cost.

    python -m bench.scale [--paragraphs 14000 140000 ...] [--commit-cables 2000] [--optimize-up-to N]
                          [--grow] [--workdir DIR | --keep DIR] [--out bench/results] [--name scale]
    python -m bench.scale --probe INDEX     # start, memory and latency of a kept index, as JSON
    python -m bench.scale --publish INDEX   # time uploads and deletes of new cables on a kept index, as JSON

Cables are the corpus's (``../shared/corpus``) under new unique ids (``08TOKYO1074`` copy 3 is
``08TOKYO0031074``), so texts, lengths and BM25 statistics are real. Their vectors are not encoded
(2.5 million paragraphs take hours to encode here): they are grown from seeded stand-in bases as
``bench.ann`` grows its points, one window per paragraph (two past 1,200 characters) and one
sentence per sentence, and handed to the writer as encoded batches (``CableIndex.ingest_encoded``,
the entry Ray ingest uses), so segments, merges, FAISS, SQLite and postings are the service's own.
Questions are the 114 eval questions, encoded by the served model; with stand-in vectors the dense
results mean nothing, their cost is what is measured.

Start, memory and latency are measured in a fresh process per size (``--probe``): the time to open
the index as the server does (files above ``hash_at_open_mb`` checked by size), then the time to read
its graphs and postings ahead and to hash those files (the server's background threads, in the same
order), its resident memory (VmRSS, split into anonymous memory, this
process's own, and file pages: the memory-mapped vectors and graphs it touched, shared with every
process mapping them and given back under pressure) and p50/p99 of ``ask`` per mode from one asking
thread (its segments searched on ``CABLEQA_SEARCH_THREADS``, as the server searches them).
Upload and delete are timed in this process, with the bytes they add to the folder; ``optimize``
merges every segment into one. The load average is recorded: the 2-core machine may be shared.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Container, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from bench.ann import cluster_bases, noisy_points
from bench.report import write_report
from qa.cables.corpus import read_cable_file
from qa.cables.records import Cable
from qa.ingest.pipeline import Commit
from qa.store.batch import EncodedBatch

if TYPE_CHECKING:
    from qa.service import CableIndex

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "cables"
_ID = re.compile(r"^(\d\d)([A-Z]+)(\d+)$")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
MODES = ("hybrid", "dense", "bm25")


def renamed(cable: Cable, copy: int) -> Cable:
    match = _ID.match(cable.id)
    new_id = f"{match.group(1)}{match.group(2)}{copy:03d}{match.group(3)}" if match else f"{cable.id}{copy:03d}"
    return replace(cable, id=new_id)


def synthetic_cables(source: Sequence[Cable], paragraphs: int) -> Iterator[Cable]:
    """Corpus cables under new ids, round after round, until ``paragraphs`` paragraphs are given."""
    given = copy = 0
    while True:
        for cable in source:
            if given >= paragraphs:
                return
            yield renamed(cable, copy)
            given += len(cable.paragraphs)
        copy += 1


def stand_in_batch(cables: Sequence[Cable], rng: np.random.Generator, bases: np.ndarray) -> EncodedBatch:
    """An encoded batch with grown vectors: a window per paragraph (two if long), a vector per sentence."""
    window_para, sentence_para, spans = [], [], []
    for position, paragraph in enumerate(p for c in cables for p in c.paragraphs):
        window_para.extend([position] * (1 + len(paragraph.text) // 1200))
        start = 0
        for match in [*_SENTENCE_END.finditer(paragraph.text), None]:
            end = match.start() if match else len(paragraph.text)
            if end > start:
                sentence_para.append(position)
                spans.append((start, end))
            start = match.end() if match else start
    return EncodedBatch(
        cables=tuple(cables),
        window_vectors=noisy_points(rng, bases, len(window_para), 0.7),
        window_para=np.array(window_para, dtype=np.int64),
        sentence_vectors=noisy_points(rng, bases, len(sentence_para), 0.7),
        sentence_para=np.array(sentence_para, dtype=np.int64),
        sentence_spans=np.array(spans, dtype=np.int32).reshape(-1, 2),
    )


def _folder_bytes(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): p.stat().st_size for p in root.rglob("*") if p.is_file()}


def _live_bytes(root: Path) -> int:
    generation = root / (root / "CURRENT").read_text().strip()
    manifest = json.loads((generation / "manifest.json").read_text())
    return sum(p.stat().st_size for s in manifest["segments"] for p in (root / "segments" / s["name"]).iterdir())


def _live_parts(root: Path) -> dict[str, int]:
    """Bytes of the live segments' files, by file name (every segment's ``windows.npy`` together, ...)."""
    generation = root / (root / "CURRENT").read_text().strip()
    manifest = json.loads((generation / "manifest.json").read_text())
    parts: dict[str, int] = {}
    for segment in manifest["segments"]:
        for path in (root / "segments" / segment["name"]).iterdir():
            parts[path.name] = parts.get(path.name, 0) + path.stat().st_size
    return dict(sorted(parts.items()))


def _written(before: dict[str, int], after: dict[str, int]) -> int:
    return sum(size for name, size in after.items() if before.get(name) != size)


def probe(root: Path) -> dict[str, Any]:
    """In this fresh process: open the index, measure memory, time each mode over the eval questions."""
    from eval.questions import bundled_questions_path, load_questions
    from qa.settings import Settings
    from qa.startup import load_encoder, open_index
    from qa.store.preload import page_cache_room, preload_files, read_ahead

    settings = Settings(index_dir=root)
    encoder = load_encoder(settings)
    questions = [q.question for q in load_questions(bundled_questions_path())]
    started = time.perf_counter()
    index = open_index(settings, encoder, seed_if_missing=False)  # as the server opens it
    start_s = time.perf_counter() - started
    memory_loaded = _memory_mb()
    started = time.perf_counter()  # then what the server does next: graphs and postings read ahead, the hash
    preloaded = read_ahead(preload_files(index.snapshot.segments), int(page_cache_room() * settings.preload_share))
    preload_s = time.perf_counter() - started
    started = time.perf_counter()
    index.verify()
    hash_s = time.perf_counter() - started
    latency: dict[str, dict[str, float]] = {}
    for mode in MODES:
        for question in questions[:5]:
            index.ask(question, mode=mode)  # warm the page cache and the first-call paths
        times = []
        for question in questions:
            began = time.perf_counter()
            index.ask(question, mode=mode)
            times.append((time.perf_counter() - began) * 1000)
        latency[mode] = {"p50_ms": statistics.median(times), "p99_ms": float(np.percentile(times, 99))}
    after = _memory_mb()
    return {"start_s": start_s, "preload_s": preload_s, "preload_mb": preloaded / 1e6, "hash_s": hash_s,
            "rss_loaded_mb": memory_loaded["VmRSS"],
            "rss_after_queries_mb": after["VmRSS"], "anon_loaded_mb": memory_loaded["RssAnon"],
            "anon_after_queries_mb": after["RssAnon"], "file_after_queries_mb": after["RssFile"],
            "latency": latency, "segments": len(index.snapshot.segments), "index_kind": index.snapshot.dense.kind}


def publish(root: Path, writes: int, seed: int) -> dict[str, Any]:
    """In this fresh process: open a kept index, then upload ``writes`` new cables one at a time (stand-in
    vectors made before each clock starts) and delete each again, timing each publish."""
    from qa.service import CableIndex
    from qa.settings import Settings
    from qa.startup import load_encoder

    rng = np.random.default_rng(seed)
    bases = cluster_bases(rng, 384)
    source = [read_cable_file(p) for p in sorted(CORPUS.glob("*.txt"))[:writes]]
    started = time.perf_counter()
    index = CableIndex.open(root, load_encoder(Settings()))
    open_s = time.perf_counter() - started
    copy = 900 + int(rng.integers(0, 99))  # new ids: copies the growth never makes
    uploads, deletes, written = [], [], []
    for cable in source:
        batch = stand_in_batch([renamed(cable, copy)], rng, bases)
        before = _folder_bytes(root)
        began = time.perf_counter()
        index.ingest_encoded(list(batch.cables), _as_commit(batch))
        uploads.append(time.perf_counter() - began)
        written.append(_written(before, _folder_bytes(root)))
        began = time.perf_counter()
        index.delete(batch.cables[0].id)
        deletes.append(time.perf_counter() - began)
    return {"paragraphs": index.snapshot.manifest.paragraphs, "cables": index.snapshot.manifest.cables,
            "segments": len(index.snapshot.manifest.segments), "open_s": open_s, "upload_s": uploads,
            "upload_bytes": written, "delete_s": deletes}


def _as_commit(batch: EncodedBatch) -> Callable[[Sequence[Cable], str, int], Iterator[Commit]]:
    """The encoder ``ingest_encoded`` takes, giving ``batch`` as the one commit."""
    def encode(unique: Sequence[Cable], scheme: str, held: int) -> Iterator[Commit]:
        return iter([Commit((batch,))])
    return encode


def _memory_mb() -> dict[str, float]:
    """VmRSS, RssAnon and RssFile of this process, in MB."""
    found = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "RssAnon", "RssFile"):
            found[name] = int(value.split()[0]) / 1024
    return found


def measure(size: int, source: Sequence[Cable], commit_cables: int, workdir: Path, seed: int,
            optimize: bool) -> dict[str, Any]:
    """A fresh index of ``size`` paragraphs, built and measured."""
    return grow([size], source, commit_cables, workdir / f"index-{size}", seed, optimize)[0]


def already_held(cables: Sequence[Cable], held: Container[str]) -> int:
    """How many of ``cables``, in order, an index grown from them already holds: one past the last held
    (a cable deleted by an earlier measurement in between counts as held)."""
    return next((i + 1 for i in range(len(cables) - 1, -1, -1) if cables[i].id in held), 0)


def grow(sizes: Sequence[int], source: Sequence[Cable], commit_cables: int, root: Path, seed: int,
         optimize: bool = False) -> list[dict[str, Any]]:
    """One index grown through ``sizes`` (ascending), measured at each: its build time is the time to
    grow it from the size before. An index already at ``root`` grows on from the synthetic cables it
    holds; sizes it has passed are skipped. ``optimize`` is timed at the last size only."""
    from qa.service import CableIndex
    from qa.settings import Settings
    from qa.startup import load_encoder

    rng = np.random.default_rng(seed)
    bases = cluster_bases(rng, 384)
    index = CableIndex.open(root, load_encoder(Settings()))
    cables = list(synthetic_cables(source, max(sizes)))
    ends = np.cumsum([len(c.paragraphs) for c in cables])

    def encode(unique: Sequence[Cable], scheme: str, held: int) -> Iterator[Commit]:
        for start in range(0, len(unique), commit_cables):
            yield Commit((stand_in_batch(unique[start:start + commit_cables], rng, bases),))

    results, done = [], already_held(cables, index.snapshot.cable_rows)
    for step, size in enumerate(sorted(sizes)):
        upto = min(int(np.searchsorted(ends, size)) + 1, len(cables))
        if upto <= done:
            continue
        began = time.perf_counter()
        index.ingest_encoded(cables[done:upto], encode)
        index.wait_for_merges()
        results.append(_measured(index, root, time.perf_counter() - began, cables[done // 2:upto], source, rng,
                                 bases, optimize and step == len(sizes) - 1))
        print(json.dumps(results[-1]), flush=True)
        done = upto
    return results


def _measured(index: CableIndex, root: Path, build_s: float, deletable: Sequence[Cable], source: Sequence[Cable],
              rng: np.random.Generator, bases: np.ndarray, optimize: bool) -> dict[str, Any]:
    """The index as built: sizes, a fresh process's start, memory and latency, one upload, one delete."""
    manifest = index.snapshot.manifest
    result: dict[str, Any] = {"paragraphs": manifest.paragraphs, "cables": manifest.cables,
                              "windows": manifest.vectors, "sentences": manifest.sentences,
                              "build_s": build_s, "segments_after_build": len(manifest.segments),
                              "index_bytes": _live_bytes(root), "index_parts": _live_parts(root)}
    probe_out = subprocess.run([sys.executable, "-m", "bench.scale", "--probe", str(root)], capture_output=True,
                               text=True, check=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
    result.update(json.loads(probe_out.stdout.strip().splitlines()[-1]))

    upload = stand_in_batch([renamed(source[0], 999)], rng, bases)  # its vectors made before the clock starts
    before = _folder_bytes(root)
    began = time.perf_counter()
    index.ingest_encoded(list(upload.cables), lambda unique, scheme, held: iter([Commit((upload,))]))
    result["upload"] = {"s": time.perf_counter() - began, "bytes_written": _written(before, _folder_bytes(root))}
    before = _folder_bytes(root)
    began = time.perf_counter()
    index.delete(deletable[len(deletable) // 2].id)
    result["delete"] = {"s": time.perf_counter() - began, "bytes_written": _written(before, _folder_bytes(root))}
    if optimize:
        before = _folder_bytes(root)
        segments = len(index.snapshot.manifest.segments)
        began = time.perf_counter()
        index.optimize()
        result["optimize"] = {"s": time.perf_counter() - began, "segments_before": segments,
                              "bytes_written": _written(before, _folder_bytes(root))}
    return result


def markdown(result: dict[str, Any]) -> str:
    lines = [f"Index scale through the real writer (stand-in vectors; load average {result['load_average']}, "
             f"{result['cpus']} CPUs)", "",
             "| paragraphs | build s | segments | index GB | start s (then hashing s) "
             "| RSS MB (loaded / after queries) | of which anonymous (loaded / after) | file pages after | "
             "hybrid p50 / p99 ms | dense p50 / p99 ms | bm25 p50 / p99 ms | upload s (bytes, share of index) | "
             "delete s (bytes) | optimize s |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in result["sizes"]:
        lat = r["latency"]
        share = r["upload"]["bytes_written"] / r["index_bytes"]
        lines.append(
            f"| {r['paragraphs']:,} | {r['build_s']:.0f} | {r['segments_after_build']} | {r['index_bytes'] / 1e9:.2f} "
            f"| {r['start_s']:.1f} ({r['hash_s']:.0f}) | {r['rss_loaded_mb']:.0f} / {r['rss_after_queries_mb']:.0f} "
            f"| {r['anon_loaded_mb']:.0f} / {r['anon_after_queries_mb']:.0f} | {r['file_after_queries_mb']:.0f} "
            + " ".join(f"| {lat[m]['p50_ms']:.1f} / {lat[m]['p99_ms']:.1f}" for m in MODES)
            + f" | {r['upload']['s']:.2f} ({r['upload']['bytes_written'] / 1e6:.1f} MB, {share:.2%}) "
            f"| {r['delete']['s']:.2f} ({r['delete']['bytes_written'] / 1e3:.0f} kB) "
            + (f"| {r['optimize']['s']:.0f} |" if "optimize" in r else "| not run |"))
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__.split("\n\n")[0])
    parser.add_argument("--paragraphs", type=int, nargs="+", default=[14_000, 140_000])
    parser.add_argument("--commit-cables", type=int, default=2000, help="cables per commit (one segment each)")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--out", type=Path, default=Path("bench/results"))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--optimize-up-to", type=int, default=200_000,
                        help="time cableqa optimize (one HNSW build of every window) only up to this size")
    parser.add_argument("--name", default="scale", help="report name: NAME.json and NAME.md in --out")
    parser.add_argument("--grow", action="store_true",
                        help="grow one index through the sizes, measuring it at each (build s: the growth); "
                             "with --keep, an index kept there grows on from where it stands")
    parser.add_argument("--workdir", type=Path, help="where the indexes are built (default: the system's temp)")
    parser.add_argument("--keep", type=Path,
                        help="build in this folder and keep the indexes there, to probe them again later")
    parser.add_argument("--probe", type=Path,
                        help="only measure this index's start, memory and latency in this process; print JSON")
    parser.add_argument("--publish", type=Path,
                        help="only time --writes uploads and deletes of new cables on this index; print JSON")
    parser.add_argument("--writes", type=int, default=3)
    args = parser.parse_args(argv)
    if args.publish:
        print(json.dumps(publish(args.publish, args.writes, args.seed)))
        return 0
    if args.probe:
        print(json.dumps(probe(args.probe)))
        return 0
    source = [read_cable_file(p) for p in sorted(args.corpus.glob("*.txt"))]
    sizes = []
    folder = (contextlib.nullcontext(str(args.keep)) if args.keep
              else tempfile.TemporaryDirectory(prefix="cableqa-scale-", dir=args.workdir))
    with folder as tmp:
        if args.grow:
            sizes = grow(sorted(args.paragraphs), source, args.commit_cables, Path(tmp) / "index", args.seed,
                         optimize=max(args.paragraphs) <= args.optimize_up_to)
        else:
            for size in args.paragraphs:
                sizes.append(measure(size, source, args.commit_cables, Path(tmp), args.seed,
                                     optimize=size <= args.optimize_up_to))
    result = {"load_average": [round(x, 1) for x in os.getloadavg()], "cpus": os.cpu_count(), "sizes": sizes,
              "commit_cables": args.commit_cables, "grown": args.grow}
    write_report(args.out, args.name, result, markdown(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
