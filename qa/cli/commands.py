"""The ``cableqa`` command: parse, ingest, ask, serve and eval.

Heavy imports (the model, FAISS, the web server, the eval library) happen inside the
command that needs them, so ``cableqa parse`` starts in a fraction of a second.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import ValidationError

from qa.cables.corpus import FileOutcome, iter_cable_files, read_cable_file, read_cables, seed_cable_path
from qa.cables.records import Cable
from qa.cables.serialize import cable_to_dict, iso_utc
from qa.cli.models import models_app
from qa.errors import CableParseError, CableqaError
from qa.search.serialize import answer_to_dict
from qa.settings import Settings, get_settings, settings_problem

if TYPE_CHECKING:
    from eval.pooled import PoolJudgment
    from eval.questions import EvalQuestion
    from qa.service import CableIndex

__all__ = ["app"]

app = typer.Typer(help="Semantic question answering over US diplomatic cables, with exact citations.",
                  no_args_is_help=True, add_completion=False)
app.add_typer(models_app, name="models")


@app.callback()
def _root() -> None:
    """Semantic question answering over US diplomatic cables, with exact citations."""


def fail(message: str, code: int = 2) -> typer.Exit:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(code)


@app.command()
def parse(
    paths: Annotated[list[Path] | None, typer.Argument(help="Cable files or folders (default: the seed)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per cable")] = False,
) -> None:
    """Parse cables and print their fields and paragraphs."""
    targets = paths or [seed_cable_path()]
    for path in targets:
        if not path.exists():
            raise fail(f"{path}: no such file or folder")
    parsed = partial = 0
    failures: list[CableParseError] = []
    for path in iter_cable_files(targets):
        try:
            cable = read_cable_file(path)
        except CableParseError as problem:
            failures.append(problem)
            continue
        parsed += 1
        partial += cable.partial
        if as_json:
            sys.stdout.write(json.dumps(cable_to_dict(cable), ensure_ascii=False) + "\n")
        else:
            _print_cable(cable_to_dict(cable))
    summary = f"parsed {parsed} ({partial} partial), failed {len(failures)}"
    typer.echo(summary, err=True)
    for failure in failures:
        typer.echo(f"  failed: {failure.message}", err=True)
    if failures and not parsed:
        raise typer.Exit(1)


IndexOption = Annotated[Path | None, typer.Option("--index", help="Index folder (default: CABLEQA_INDEX_DIR)")]


def _settings(index: Path | None) -> Settings:
    settings = get_settings()
    return settings.model_copy(update={"index_dir": index}) if index else settings


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Cable files (.txt) or folders of them")],
    index: IndexOption = None,
    commit_every: Annotated[int | None, typer.Option(
        help="Cables per atomic commit, one segment each (default: 500)", min=1)] = None,
    wait: Annotated[float | None, typer.Option(
        help="Seconds each commit waits for another writer's lock (default: CABLEQA_CLI_WRITE_WAIT_S, 300)",
        min=0)] = None,
    ray: Annotated[bool, typer.Option(
        "--ray", help="Parse and embed on a Ray cluster (the 'ray' extra), started here unless "
        "--ray-address names one")] = False,
    ray_address: Annotated[str | None, typer.Option(
        help="The Ray cluster to join: 'auto' or HOST:PORT (implies --ray); its nodes need this cableqa")] = None,
    ray_workers: Annotated[int | None, typer.Option(
        help="Ray actors, one encoder each (default: one per CPU of the cluster)", min=1)] = None,
) -> None:
    """Parse, embed and index cables. Bad files are skipped and reported; the index stays consistent.

    Other processes may use the index meanwhile: each commit waits its turn for the folder's write lock
    and adds to whatever the index holds by then; a server on the folder answers for it within a second.
    Segment merges the commits make due run in the background; the command waits for them before it exits.
    With --ray, parsing and embedding run on Ray actors; this process alone writes, and the index is
    the one a plain ingest of the same files makes.
    """
    for path in paths:
        if not path.exists():
            raise fail(f"{path}: no such file or folder")
    settings = _settings(index)
    write_wait = settings.cli_write_wait_s if wait is None else wait
    # Each commit adds one segment; the merge policy (qa.store.merges) keeps their number logarithmic.
    def commit_size(held: int) -> int:
        return commit_every or 500

    if ray or ray_address is not None:
        cable_index, cables, skipped = _ingest_on_ray(paths, settings, write_wait, commit_size, ray_address,
                                                      ray_workers)
    else:
        cable_index, cables, skipped = _ingest_here(paths, settings, write_wait, commit_size)
    if not cable_index.wait_for_merges(timeout=0.0):  # a merge its commits made due runs in the background
        typer.echo("waiting for a segment merge to finish (the cables are already searchable)", err=True)
        cable_index.wait_for_merges()
    manifest = cable_index.snapshot.manifest
    paragraphs = sum(len(c.paragraphs) for c in cables)
    typer.echo(f"ingested {len(cables)} cables ({paragraphs} paragraphs); index at {settings.index_dir} now holds "
               f"{manifest.cables} cables, {manifest.paragraphs} paragraphs")
    typer.echo(f"skipped {len(skipped)} files" + (":" if skipped else ""))
    for error in skipped:
        typer.echo(f"  {error.message}")


@app.command()
def optimize(
    index: IndexOption = None,
    max_segments: Annotated[int, typer.Option(
        help="Merge into at most this many segments (Lucene's forceMerge): a few large segments search "
             "faster than many, and each merge holds only its own segments' vectors in memory", min=1)] = 1,
    build_threads: Annotated[int | None, typer.Option(
        help="Threads to build the merged vector indexes on (default: every core; a server's own merges "
             "use one)", min=1)] = None,
    wait: Annotated[float | None, typer.Option(
        help="Seconds to wait for another writer's lock (default: CABLEQA_CLI_WRITE_WAIT_S, 300)", min=0)] = None,
) -> None:
    """Merge the index's segments into one (or at most --max-segments), giving back the space of deleted and
    replaced cables.

    Searches answer alike before and after; a server on the folder moves to each merged generation
    within a second. Writes merge small segments on their own; this is for after large deletions, or
    after a bulk ingest of a large collection (the whole release: --max-segments 3, README "Scale").
    """
    from embeddings import threads as embedding_threads
    from qa.startup import open_index

    settings = _settings(index)
    cable_index = open_index(settings, seed_if_missing=False, write_wait=settings.cli_write_wait_s if wait is None
                             else wait)
    before = cable_index.snapshot.manifest
    if before.generation == 0:
        raise fail(f"no index at {settings.index_dir}: run 'cableqa ingest PATH' to build one")
    with embedding_threads.build_threads(build_threads or os.cpu_count() or 1):
        after = cable_index.optimize(max_segments).manifest
    deleted = sum(len(ids) for ids in before.deleted.values())
    state = "is one segment" if max_segments == 1 else f"has at most {max_segments} segments"
    if after.generation == before.generation:
        typer.echo(f"index at {settings.index_dir} {state} with nothing deleted already")
        return
    into = "one" if len(after.segments) == 1 else str(len(after.segments))
    typer.echo(f"merged {len(before.segments)} segments ({deleted} deleted cables dropped) into {into}: "
               f"{after.cables} cables, {after.paragraphs} paragraphs, generation {after.generation}")


@app.command()
def check(index: IndexOption = None) -> None:
    """Hash every file of the live generation against the SHA-256 its manifest recorded.

    Loading hashes only files up to CABLEQA_HASH_AT_OPEN_MB and checks larger ones by size (a server
    hashes those in the background); this reads every byte. A damaged, missing or extra file is named
    and the command exits 2; nothing is written.
    """
    import time

    from qa.store.generations import check_pointer, current_generation, read_pointer
    from qa.store.manifest import read_manifest
    from qa.store.reader import load_current

    settings = _settings(index)
    root = settings.index_dir
    check_pointer(root)
    if read_pointer(root) is None:
        raise fail(f"no index at {root}: run 'cableqa ingest PATH' to build one")
    started = time.perf_counter()
    # The files are checked whatever model built them: the manifest's own model is the one asked for.
    snapshot = load_current(root, read_manifest(current_generation(root)).model, hash_up_to=None)
    manifest, segments = snapshot.manifest, snapshot.segments
    files = sum(len(s.info.files) for s in segments)
    size = sum((s.folder / name).stat().st_size for s in segments for name in s.info.files)
    typer.echo(f"index at {root} is intact: generation {manifest.generation}, {len(segments)} segments, "
               f"{files} files, {size / 1e6:,.1f} MB hashed in {time.perf_counter() - started:.1f} s")


def _ingest_here(paths: list[Path], settings: Settings, write_wait: float, commit_size: Callable[[int], int],
                 ) -> tuple[CableIndex, list[Cable], list[CableParseError]]:
    from rich.progress import Progress

    from qa.startup import open_index

    cables, skipped = _split(read_cables(paths))
    cable_index = open_index(settings, seed_if_missing=False, write_wait=write_wait)
    with Progress(transient=False) as progress:
        task = progress.add_task("embedding cables", total=len(cables))
        cable_index.ingest(cables, on_encoded=lambda n: progress.advance(task, n), commit_size=commit_size)
    return cable_index, cables, skipped


def _ingest_on_ray(paths: list[Path], settings: Settings, write_wait: float, commit_size: Callable[[int], int],
                   address: str | None, workers: int | None) -> tuple[CableIndex, list[Cable], list[CableParseError]]:
    """Parse and encode on Ray actors, each with the encoder these settings load; publish here."""
    from functools import partial

    from rich.progress import Progress

    from qa.ingest.ray_encode import ray_workers, require_ray
    from qa.startup import load_encoder, open_index

    require_ray()  # before loading anything: the missing extra is the first thing to say
    cable_index = open_index(settings, seed_if_missing=False, write_wait=write_wait)
    with ray_workers(partial(load_encoder, settings), address, workers) as cluster:
        if cluster.model_name != cable_index.encoder.model_name:
            raise fail(f"the Ray workers loaded {cluster.model_name}, this index holds "
                       f"{cable_index.encoder.model_name}")
        typer.echo(f"Ray: {len(cluster.actors)} workers running {', '.join(sorted(set(cluster.code_paths)))}",
                   err=True)
        cables, skipped = _split(cluster.read_cables(paths))
        with Progress(transient=False) as progress:
            task = progress.add_task("embedding cables on Ray", total=len(cables))
            cable_index.ingest_encoded(cables, partial(cluster.encoded_commits, commit_size=commit_size,
                                                       on_encoded=lambda n: progress.advance(task, n)))
    return cable_index, cables, skipped


def _split(outcomes: Iterable[FileOutcome]) -> tuple[list[Cable], list[CableParseError]]:
    """The cables read, and the errors of the files skipped."""
    cables, skipped = [], []
    for outcome in outcomes:
        if outcome.cable is not None:
            cables.append(outcome.cable)
        elif outcome.error is not None:
            skipped.append(outcome.error)
    return cables, skipped


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="A question in plain English")],
    index: IndexOption = None,
    k: Annotated[int, typer.Option("--k", help="Number of hits (1-100)")] = 5,
    mode: Annotated[str, typer.Option(help="hybrid, dense or bm25")] = "hybrid",
    cable: Annotated[list[str] | None, typer.Option(help="Only these cable ids (repeatable)")] = None,
    origin: Annotated[list[str] | None, typer.Option(help="Only cables from this post (repeatable)")] = None,
    tag: Annotated[list[str] | None, typer.Option(help="Only cables with this TAG (repeatable)")] = None,
    date_from: Annotated[str | None, typer.Option(help="Cables on or after YYYY-MM-DD")] = None,
    date_to: Annotated[str | None, typer.Option(help="Cables on or before YYYY-MM-DD")] = None,
    max_classification: Annotated[str | None, typer.Option(help="Ceiling, e.g. CONFIDENTIAL")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as JSON")] = False,
) -> None:
    """Ask a question; get the paragraphs that answer it, each with its citation."""
    from qa.search.filters import make_filters
    from qa.search.query import make_query
    from qa.startup import open_index

    try:
        make_query(question, k, mode)
        filters = make_filters(cable, origin, date_from, date_to, tag, max_classification)
    except CableqaError as error:
        raise fail(error.message) from None
    cable_index = open_index(_settings(index), say=lambda m: typer.echo(m, err=True))
    # Under a ceiling, a hit from a cable classified above it comes without the cable's subject, as over HTTP.
    answer = cable_index.ask(question, k=k, mode=mode, filters=filters).seen_under(filters.max_classification)
    if as_json:
        typer.echo(json.dumps(answer_to_dict(answer), ensure_ascii=False, indent=1))
        return
    if not answer.answered:
        typer.echo("No paragraph answers this confidently (abstained); the nearest are:\n")
    for hit in answer.hits:
        mark = f" ({hit.marking})" if hit.marking else ""
        typer.secho(f"{hit.rank}. {hit.citation}{mark}  score {hit.score:.3f}  {hit.classification.value}", bold=True)
        typer.echo(f"   {hit.subject or ''} — {hit.origin or ''}, {iso_utc(hit.date) or 'undated'}")
        if hit.section:
            typer.echo(f"   [{hit.section}]")
        typer.echo(f"   > {hit.highlight.text}\n")
    if not answer.hits:
        typer.echo("No paragraph matches (check the filters).")


@app.command()
def refs(
    cable_id: Annotated[str, typer.Argument(help="A cable id, e.g. 08TOKYO1074")],
    index: IndexOption = None,
    max_classification: Annotated[str | None, typer.Option(help="Ceiling, e.g. CONFIDENTIAL")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the links as JSON")] = False,
) -> None:
    """A cable's references resolved to cable ids, and the indexed cables citing it."""
    from dataclasses import asdict

    from qa.search.filters import make_filters
    from qa.search.reference_graph import visible_links
    from qa.startup import open_index

    try:
        ceiling = make_filters(max_classification=max_classification).max_classification
    except CableqaError as error:
        raise fail(error.message) from None
    cable_index = open_index(_settings(index), say=lambda m: typer.echo(m, err=True))
    links = visible_links(cable_index.snapshot, cable_id.strip().upper(), ceiling)
    if as_json:
        typer.echo(json.dumps(asdict(links), ensure_ascii=False, indent=1))
        return
    typer.secho(f"{links.cable_id} cites:", bold=True)
    for link in links.references:
        where = "indexed" if link.indexed else "not indexed"
        letter = f"REF {link.letter} " if link.letter else "REF "
        typer.echo(f"  {letter}{link.text}  -> {link.cable_id or '(not a cable)'}  [{where}]"
                   + (f"  {link.subject}" if link.subject else ""))
    if links.references_withheld:
        typer.echo(f"  ... and {links.references_withheld} indexed cable(s) above the ceiling")
    typer.secho(f"cited by {len(links.referenced_by) + links.referenced_by_withheld} indexed cable(s):", bold=True)
    for link in links.referenced_by:
        typer.echo(f"  {link.cable_id}  {link.subject or ''}")
    if links.referenced_by_withheld:
        typer.echo(f"  ... {links.referenced_by_withheld} of them above the ceiling")


@app.command()
def similar(
    paragraph: Annotated[str, typer.Argument(help='A paragraph citation, e.g. "08TOKYO1074 ¶9"')],
    index: IndexOption = None,
    k: Annotated[int, typer.Option("--k", help="Number of hits (1-100)")] = 5,
    mode: Annotated[str, typer.Option(help="hybrid, dense or bm25")] = "hybrid",
    own_cable: Annotated[bool, typer.Option("--own-cable", help="Also other paragraphs of the same cable")] = False,
    origin: Annotated[list[str] | None, typer.Option(help="Only cables from this post (repeatable)")] = None,
    tag: Annotated[list[str] | None, typer.Option(help="Only cables with this TAG (repeatable)")] = None,
    date_from: Annotated[str | None, typer.Option(help="Cables on or after YYYY-MM-DD")] = None,
    date_to: Annotated[str | None, typer.Option(help="Cables on or before YYYY-MM-DD")] = None,
    max_classification: Annotated[str | None, typer.Option(help="Ceiling, e.g. CONFIDENTIAL")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the hits as JSON")] = False,
) -> None:
    """Paragraphs in other cables like this one, by the scoring of 'ask'."""
    from qa.search.filters import make_filters
    from qa.search.similar import parse_paragraph_citation, similar_paragraphs
    from qa.startup import open_index

    try:
        cable_id, number, occurrence = parse_paragraph_citation(paragraph)
        filters = make_filters(None, origin, date_from, date_to, tag, max_classification)
    except CableqaError as error:
        raise fail(error.message) from None
    cable_index = open_index(_settings(index), say=lambda m: typer.echo(m, err=True))
    answer = similar_paragraphs(cable_index.snapshot, cable_id, number, k=k, mode=mode, filters=filters,
                                include_own_cable=own_cable, weights=cable_index.weights,
                                occurrence=occurrence)
    if as_json:
        typer.echo(json.dumps(answer_to_dict(answer), ensure_ascii=False, indent=1))
        return
    typer.echo(f"Paragraphs like {answer.question}:\n")
    for hit in answer.hits:
        typer.secho(f"{hit.rank}. {hit.citation}  score {hit.score:.3f}  {hit.classification.value}", bold=True)
        typer.echo(f"   {hit.subject or ''} — {hit.origin or ''}, {iso_utc(hit.date) or 'undated'}")
        typer.echo(f"   > {hit.highlight.text}\n")
    if not answer.hits:
        typer.echo("No paragraph matches (check the filters).")


@app.command("eval")
def eval_command(
    questions: Annotated[Path | None, typer.Option(help="JSON Lines questions (default: the bundled seed set)")] = None,
    index: IndexOption = None,
    mode: Annotated[str, typer.Option(help="bm25, dense, hybrid or all")] = "all",
    k: Annotated[int, typer.Option("--k", help="Depth of the ranking scored")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print the metrics as JSON")] = False,
    report: Annotated[Path | None, typer.Option(help="Write a markdown report and a chart to this folder")] = None,
    name: Annotated[str, typer.Option(help="File name of the report (NAME.md, NAME.png)")] = "eval",
    compare: Annotated[tuple[str, str] | None, typer.Option(
        help="Compare two runs, each a mode (hybrid, dense, bm25) or a saved TREC run file: per-metric "
        "B - A with a paired t-test's p-value (ranx), overall and per question kind")] = None,
    judgments: Annotated[Path | None, typer.Option(
        help="JSON Lines judgments of other cables' paragraphs for --questions (default with the bundled "
        "seed set: its pooled judgments, eval/questions/seed-pooled.jsonl)")] = None,
) -> None:
    """Measure retrieval accuracy on judged questions, every mode side by side."""
    if compare:
        _eval_compare(compare, questions, judgments, index, k, report, name)
        return
    from eval.pooled import answered_elsewhere, home_cables, judged_among, judged_share
    from eval.report import format_table, write_report
    from eval.runner import run_eval
    from qa.search.query import MODES
    from qa.startup import open_index

    modes = list(MODES) if mode == "all" else [mode]
    if any(m not in MODES for m in modes):
        raise fail(f"mode: unknown mode {mode!r}; use bm25, dense, hybrid or all")
    written, pooled = _judged_questions(questions, judgments)
    cable_index = open_index(_settings(index), say=lambda m: typer.echo(m, err=True))
    judged = judged_among(written, pooled, cable_index.snapshot.cable_rows.__contains__)
    reports = run_eval(cable_index, judged, modes, k=k)
    shares = {r.mode: judged_share(r.results, pooled, home_cables(written), k) for r in reports}
    elsewhere = {q.id: q.relevant for q in answered_elsewhere(judged, written)}
    notes = [f"judged@{k} (share of the top {k} hits anyone judged; the rest count as not relevant): "
             + ", ".join(f"{mode} {share:.3f}" for mode, share in shares.items())]
    notes += [f"{qid} is unanswerable from the cables it was written from, answered here by {', '.join(cited)}"
              for qid, cited in elsewhere.items()]
    if as_json:
        typer.echo(json.dumps({
            "modes": {r.mode: r.summary for r in reports},
            "false_abstention_rate": {r.mode: r.false_abstention_rate for r in reports},
            "latency_ms": {r.mode: {"p50": r.latency_p50_ms, "p95": r.latency_p95_ms} for r in reports},
            f"judged@{k}": shares, "answered_elsewhere": elsewhere,
        }, indent=1, default=str))
    else:
        typer.echo(format_table(reports))
        typer.echo("\n".join(notes))
    if report is not None:
        manifest = cable_index.snapshot.manifest
        title = f"{len(judged)} questions; {manifest.cables} cables, {manifest.paragraphs} paragraphs indexed"
        paths = write_report(reports, report, title=title, name=name, notes=notes)
        typer.echo(f"report written: {', '.join(str(p) for p in paths)}", err=True)


def _judged_questions(questions: Path | None, judgments: Path | None) -> tuple[list[EvalQuestion],
                                                                                tuple[PoolJudgment, ...]]:
    """The question set and its judgments of other cables' paragraphs: ``--judgments``, or with the
    bundled seed set its pooled judgments; a bad file exits 2 naming it."""
    from eval.pooled import bundled_judgments_path, load_judgments
    from eval.questions import bundled_questions_path, load_questions

    try:
        written = load_questions(questions or bundled_questions_path())
        pool = judgments or (None if questions else bundled_judgments_path())
        return written, load_judgments(pool, written) if pool is not None else ()
    except CableqaError as error:
        raise fail(error.message) from None


def _eval_compare(sides: tuple[str, str], questions: Path | None, judgments: Path | None, index: Path | None,
                  k: int, report: Path | None, name: str) -> None:
    """``eval --compare A B``: see :mod:`eval.compare`."""
    from eval.citations import parse_citation
    from eval.compare import compare_runs, format_comparison, run_of, write_comparison
    from eval.pooled import judged_among
    from eval.questions import to_qrels
    from eval.runner import run_eval
    from eval.trec import read_run
    from qa.search.query import MODES
    from qa.startup import open_index

    for side in sides:
        if side not in MODES and not Path(side).is_file():
            raise fail(f"compare: {side!r} is neither a mode ({', '.join(MODES)}) nor a TREC run file")
    judged, pooled = _judged_questions(questions, judgments)
    try:
        files = {side: read_run(side) for side in sides if side not in MODES}
    except CableqaError as error:
        raise fail(error.message) from None
    modes = [side for side in dict.fromkeys(sides) if side in MODES]
    runs = dict(files)
    if modes:
        cable_index = open_index(_settings(index), say=lambda m: typer.echo(m, err=True))
        runs.update({r.mode: run_of(r.results) for r in run_eval(cable_index, judged, modes, k=k)})
    # Another cable's paragraph judged relevant counts where the runs rank that cable: the index held it.
    ranked_cables = {parse_citation(cited)[0] for run in runs.values() for hits in run.values() for cited in hits}
    judged = judged_among(judged, pooled, ranked_cables.__contains__)
    try:
        comparison = compare_runs(to_qrels(judged), runs[sides[0]], runs[sides[1]],
                                  names=(Path(sides[0]).stem, Path(sides[1]).stem),
                                  kinds={q.id: q.kind for q in judged},
                                  metrics=("hit@1", f"mrr@{k}", f"ndcg@{k}", f"recall@{k}"))
    except CableqaError as error:
        raise fail(error.message) from None
    typer.echo(format_comparison(comparison))
    if report is not None:
        written = write_comparison(comparison, report, name=name)
        typer.echo(f"report written: {', '.join(str(p) for p in written)}", err=True)


@app.command()
def serve(
    index: IndexOption = None,
    host: Annotated[str | None, typer.Option(help="Address to bind (default 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8000)")] = None,
    workers: Annotated[int, typer.Option(help="Worker processes", min=1)] = 1,
) -> None:
    """Serve the HTTP API and the web page."""
    import os

    import uvicorn

    settings = _settings(index)
    if index:
        os.environ["CABLEQA_INDEX_DIR"] = str(index)
    if host:
        os.environ["CABLEQA_HOST"] = host
    get_settings.cache_clear()
    from qa.cli.metrics_folder import metrics_folder
    from qa.startup import check_device

    try:
        check_device(settings)  # before any worker starts: a missing GPU is one message and exit 2
    except CableqaError as error:
        raise fail(error.message) from None
    # The workers add up their metrics in a folder of this server's own (api/metrics.py), named before
    # anything imports prometheus_client; an operator's PROMETHEUS_MULTIPROC_DIR is used as given.
    with metrics_folder() as metrics_dir:
        Path(os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(metrics_dir))).mkdir(parents=True, exist_ok=True)
        from qa.cli.serve_logs import log_config

        # X-Forwarded-For is believed only from CABLEQA_TRUSTED_PROXIES (uvicorn's default trusts 127.0.0.1).
        uvicorn.run("api.app:create_app", factory=True, host=host or settings.host, port=port or settings.port,
                    workers=workers, log_config=log_config(), log_level="info",
                    proxy_headers=bool(settings.trusted_proxies), forwarded_allow_ips=settings.trusted_proxies or None)


def _print_cable(data: dict[str, object]) -> None:
    fields = ["id", "datetime", "origin", "classification", "caveats", "tags", "subject", "references",
              "classified_by", "reasons", "declassify_on", "signer", "partial", "problems"]
    for key in fields:
        typer.echo(f"{key:>14}: {data[key]}")
    paragraphs = data.get("paragraphs")
    if isinstance(paragraphs, list):
        for p in paragraphs:
            mark = f"({p['marking']}) " if p["marking"] else ""
            under = f"  [{p['section']}]" if p["section"] else ""
            typer.echo(f"\n¶{p['label']} {mark}{under}\n{p['text']}")
    typer.echo("")


def main() -> None:
    try:
        app()
    except CableqaError as error:
        typer.secho(f"error: {error.message}", err=True, fg=typer.colors.RED)
        sys.exit(2)
    except ValidationError as error:
        if error.title != Settings.__name__:
            raise
        typer.secho(f"error: {settings_problem(error)}", err=True, fg=typer.colors.RED)
        sys.exit(2)
