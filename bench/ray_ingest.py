"""Ingest throughput on a local Ray cluster of one and two actors against the single-process ingest.

    python -m bench.ray_ingest [--cables 100] [--rounds 1] [--out bench/results]

Takes the first ``--cables`` corpus cables (file-name order) and ingests them, from the files to a
published generation, into fresh index folders three ways, one after the other in each round:
``CableIndex.ingest`` in this process (what ``cableqa ingest`` does), and
``CableIndex.ingest_encoded`` fed by :mod:`qa.ingest.ray_encode` with one and with two actors on a
local cluster of two CPUs (what ``cableqa ingest --ray --ray-workers N`` does). Each way uses the
encoder the settings load (the served default unless ``CABLEQA_*`` says otherwise).

Per run: the seconds to read and parse the files, to encode and publish, and the paragraphs per
second over both (the throughput); cluster start and model load are reported apart, since a long
ingest pays them once. Publishing (the one writer) is timed on its own: it is the part no cluster
spreads. The load average is recorded: on a machine shared with other jobs, compare the ways within
a round, not across runs. CPU seconds (this process and its descendants, a local cluster included)
say what dedicated cores would do.

Writes ``ray_ingest.json`` and ``ray_ingest.md`` under ``--out``, with the hours projected for the
whole public release (2.5 million paragraphs) per cluster size from the measured rate per core.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path

import psutil

from qa.cables.corpus import FileOutcome, read_cables
from qa.cables.records import Cable
from qa.ingest.passages import PassageScheme
from qa.ingest.pipeline import Commit, encoded_commits
from qa.ingest.ray_encode import ray_workers
from qa.service import CableIndex
from qa.settings import Settings
from qa.startup import load_encoder

__all__ = ["main"]

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "cables"
RELEASE_PARAGRAPHS = 2_500_000
CLUSTER_CORES = (2, 16, 64, 256)
LOCAL_CPUS = 2


class _Clock:
    """Seconds spent producing commits (parse excluded) and publishing them, apart, and CPU seconds.

    CPU seconds are this process's and its descendants' (a local cluster's raylet, GCS and actors
    run under it), so Ray's own overhead counts.
    """

    def __init__(self) -> None:
        self.encode = 0.0
        self.publish = 0.0
        self.cpu_started = _cpu_seconds()
        self.cpu_used = 0.0

    def cpu(self) -> float:
        return _cpu_seconds() - self.cpu_started

    def timed(self, commits: Iterable[Commit]) -> Iterator[Commit]:
        feed = iter(commits)
        while True:
            started = time.perf_counter()
            commit = next(feed, None)
            self.encode += time.perf_counter() - started
            if commit is None:
                return
            started = time.perf_counter()
            yield commit  # the caller publishes it before asking for the next
            self.publish += time.perf_counter() - started


def _cpu_seconds() -> float:
    me = psutil.Process()
    total = 0.0
    for process in (me, *me.children(recursive=True)):
        try:
            times = process.cpu_times()
        except psutil.Error:  # a process that ended meanwhile
            continue
        total += times.user + times.system
    return total


def _cables(outcomes: Iterable[FileOutcome]) -> list[Cable]:
    return [o.cable for o in outcomes if o.cable is not None]


def _run_single(files: list[Path], settings: Settings, folder: Path) -> _Result:
    started = time.perf_counter()
    encoder = load_encoder(settings)
    load = time.perf_counter() - started
    index = CableIndex.open(folder, encoder)
    started = time.perf_counter()
    clock = _Clock()
    cables = _cables(read_cables(files))
    parse = time.perf_counter() - started

    def encode(unique: Sequence[Cable], scheme: PassageScheme, held: int) -> Iterator[Commit]:
        return clock.timed(encoded_commits(unique, encoder, scheme, held))

    index.ingest_encoded(cables, encode)
    total = time.perf_counter() - started
    clock.cpu_used = clock.cpu()
    return _result("single process", index, cables, load, parse, clock, total)


def _run_ray(files: list[Path], settings: Settings, folder: Path, workers: int) -> _Result:
    started = time.perf_counter()
    index = CableIndex.open(folder, load_encoder(settings))
    with ray_workers(partial(load_encoder, settings), None, workers, local_cpus=LOCAL_CPUS) as cluster:
        load = time.perf_counter() - started
        started = time.perf_counter()
        clock = _Clock()
        cables = _cables(cluster.read_cables(files))
        parse = time.perf_counter() - started

        def encode(unique: Sequence[Cable], scheme: PassageScheme, held: int) -> Iterator[Commit]:
            return clock.timed(cluster.encoded_commits(unique, scheme, held))

        index.ingest_encoded(cables, encode)
        total = time.perf_counter() - started
        clock.cpu_used = clock.cpu()
    return _result(f"Ray, {workers} actor{'s' if workers > 1 else ''}", index, cables, load, parse, clock, total)


@dataclass(frozen=True)
class _Result:
    way: str
    cables: int
    paragraphs: int
    start_s: float  # model load (and, on Ray, cluster start and the actors' model loads)
    parse_s: float
    encode_s: float  # waiting for the next commit's vectors
    publish_s: float  # the one writer
    total_s: float  # parse + encode + publish
    paragraphs_per_s: float
    cpu_s: float  # CPU seconds of the ingest, cluster processes included
    paragraphs_per_cpu_s: float
    load_average: float


def _result(way: str, index: CableIndex, cables: list[Cable], load: float, parse: float, clock: _Clock,
            total: float) -> _Result:
    paragraphs = index.snapshot.manifest.paragraphs
    return _Result(way, len(cables), paragraphs, round(load, 1), round(parse, 1), round(clock.encode, 1),
                   round(clock.publish, 1), round(total, 1), round(paragraphs / total, 1),
                   round(clock.cpu_used, 1), round(paragraphs / clock.cpu_used, 1), round(os.getloadavg()[0], 2))


def _projection(rounds: list[list[_Result]]) -> list[dict[str, float]]:
    """Hours for the release per cluster size: the two-actor paragraphs per CPU-second, times the cores.

    CPU seconds, not wall seconds: on a machine shared with other jobs the actors get part of the
    cores, and a dedicated core gives a CPU-second each second.
    """
    per_core = statistics.median(r.paragraphs_per_cpu_s for run in rounds for r in run if r.way.startswith("Ray, 2"))
    return [{"cores": cores, "paragraphs_per_s": round(per_core * cores),
             "hours": round(RELEASE_PARAGRAPHS / (per_core * cores) / 3600, 1)} for cores in CLUSTER_CORES]


def _markdown(cables: int, machine: str, backend: str, rounds: list[list[_Result]],
              projection: list[dict[str, float]]) -> str:
    lines = [f"# Ray ingest, {cables} corpus cables", "",
             f"{machine}; local Ray cluster of {LOCAL_CPUS} CPUs; encoder backend {backend}. "
             "Throughput = paragraphs / (parse + encode + publish); start (model load, cluster start) apart.", "",
             "| round | way | paragraphs | start s | parse s | encode s | publish s | total s | paragraphs/s "
             "| CPU s | paragraphs/CPU-s | load avg |", "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for n, run in enumerate(rounds, start=1):
        for r in run:
            lines.append(f"| {n} | {r.way} | {r.paragraphs} | {r.start_s} | {r.parse_s} | {r.encode_s} | "
                         f"{r.publish_s} | {r.total_s} | {r.paragraphs_per_s} | {r.cpu_s} | {r.paragraphs_per_cpu_s} | "
                         f"{r.load_average} |")
    lines += ["", f"Projected for {RELEASE_PARAGRAPHS:,} paragraphs: the two-actor paragraphs per CPU-second "
              "times the cluster's dedicated cores (linear; the one writer's publishing excluded):", "",
              "| cores | paragraphs/s | hours |", "|---|---|---|"]
    for p in projection:
        lines.append(f"| {p['cores']} | {p['paragraphs_per_s']} | {p['hours']} |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ray_ingest", description=__doc__.split("\n\n")[0])
    parser.add_argument("--cables", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results")
    args = parser.parse_args(argv)
    files = sorted(args.corpus.glob("*.txt"))[:args.cables]
    settings = Settings()
    rounds: list[list[_Result]] = []
    with tempfile.TemporaryDirectory(prefix="bench-ray-") as tmp:
        for n in range(args.rounds):
            run = [_run_single(files, settings, Path(tmp) / f"single-{n}")]
            for workers in (1, 2):
                run.append(_run_ray(files, settings, Path(tmp) / f"ray{workers}-{n}", workers))
            for r in run:
                print(json.dumps(asdict(r)), flush=True)
            rounds.append(run)
    machine = f"{platform.machine()}, {os.cpu_count()} cores shared with other jobs"
    projection = _projection(rounds)
    report = {"cables": len(files), "encoder_backend": settings.encoder_backend, "machine": machine,
              "rounds": [[asdict(r) for r in run] for run in rounds], "projection": projection}
    markdown = _markdown(len(files), machine, settings.encoder_backend, rounds, projection)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "ray_ingest.json").write_text(json.dumps(report, indent=1) + "\n")
    (args.out / "ray_ingest.md").write_text(markdown)
    print(markdown)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
