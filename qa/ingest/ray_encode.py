"""Parsing and encoding on a Ray cluster, the results handed back in order to the one writer.

:func:`ray_workers` starts (or joins) a cluster and places ``workers`` Ray actors on it, each
holding one encoder built by the caller's ``factory`` (the same settings, so the same model and
backend as a single-process ingest). :meth:`RayWorkers.read_cables` parses files on the actors
(the driver only reads the bytes, so the nodes need no shared disk);
:meth:`RayWorkers.encoded_commits` encodes whole cables in the chunks and commit groups
:mod:`qa.ingest.pipeline` makes, so a Ray ingest gives the same paragraphs, in the same order, as a
single-process one. Each call goes to the actor with the fewest calls pending, at most
``_CALLS_AHEAD`` per actor, and results are taken in the order they were asked for: the writer
publishes cables in file order and the driver holds a bounded number of results.

Ray is optional (``pip install 'cableqa[ray]'``): it is imported only here, when a cluster is asked
for, and its absence is an :class:`~qa.errors.EncoderUnavailableError` naming the install.
"""

from __future__ import annotations

import importlib
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from embeddings.encoder import Encoder
from qa.cables.corpus import FileOutcome, decode_cable_bytes, iter_cable_files
from qa.cables.parse import parse_cable
from qa.cables.records import Cable
from qa.errors import CableParseError, CableqaError, EncoderUnavailableError, translate_embedding_errors
from qa.ingest.passages import PassageScheme
from qa.ingest.pipeline import Commit, group_commits, plan_chunks
from qa.ingest.vectors import encode_cables
from qa.store.batch import EncodedBatch

__all__ = ["INSTALL_HINT", "EncoderFactory", "RayWorkers", "ray_workers", "require_ray"]

INSTALL_HINT = "pip install 'cableqa[ray]'"
EncoderFactory = Callable[[], Encoder]

_CALLS_AHEAD = 2  # per actor: one running, one queued, so an actor never waits on the driver
_FILES_PER_CALL = 32  # files parsed per actor call: enough to amortise a call, small enough to spread

# (path, cable) or (path, (reason, source)): CableParseError itself does not survive pickling intact.
_Parsed = tuple[str, Cable | None, tuple[str, str] | None]


def require_ray() -> ModuleType:
    """The ``ray`` module, or an error saying how to install it."""
    try:
        return importlib.import_module("ray")
    except ImportError as error:
        raise EncoderUnavailableError(f"ingest on Ray needs the ray package: {INSTALL_HINT}") from error


class _Worker:
    """One Ray actor: one encoder, parsing and encoding whatever the driver sends it."""

    def __init__(self, factory: EncoderFactory) -> None:
        with translate_embedding_errors():
            self._encoder = factory()

    def describe(self) -> tuple[str, int, str]:
        """The model, its dimension, and the file this process imported ``qa`` from."""
        import qa

        return self._encoder.model_name, self._encoder.dimension, str(qa.__file__)

    def parse(self, files: list[tuple[str, bytes | str]]) -> list[_Parsed]:
        """Each file's cable, or why it is skipped; ``data`` is the file's bytes or why it could not be read."""
        parsed: list[_Parsed] = []
        for path, data in files:
            if isinstance(data, str):
                parsed.append((path, None, (f"cannot read: {data}", path)))
                continue
            try:
                # As qa.cables.corpus.read_cable_file: the file's stem is the id where the text has none.
                cable = parse_cable(decode_cable_bytes(data, path), source=path, id_hint=Path(path).stem.upper())
                parsed.append((path, cable, None))
            except CableParseError as error:
                parsed.append((path, None, (error.reason, error.source)))
        return parsed

    def encode(self, cables: Sequence[Cable], scheme: PassageScheme) -> EncodedBatch:
        with translate_embedding_errors():
            return encode_cables(cables, self._encoder, scheme)


@dataclass(slots=True)
class RayWorkers:
    """The actors of one cluster, each with one encoder; see the module docstring."""

    ray: ModuleType
    actors: list[Any]
    model_name: str
    dimension: int
    code_paths: tuple[str, ...]  # where each actor imported ``qa`` from

    def read_cables(self, paths: list[Path]) -> Iterator[FileOutcome]:
        """As :func:`qa.cables.corpus.read_cables`, the parsing done on the actors; in file order."""
        files = list(iter_cable_files(paths))
        groups = [files[i:i + _FILES_PER_CALL] for i in range(0, len(files), _FILES_PER_CALL)]
        calls = (lambda actor, group=group: actor.parse.remote(_read_all(group)) for group in groups)
        for results in self._in_order(calls):
            for path, cable, problem in results:
                error = CableParseError(*problem) if problem is not None else None
                yield FileOutcome(Path(path), cable, error)

    def encoded_commits(self, cables: Sequence[Cable], scheme: PassageScheme, held: int,
                        chunk_paragraphs: int = 1000, commit_size: Callable[[int], int] | None = None,
                        on_encoded: Callable[[int], None] | None = None) -> Iterator[Commit]:
        """As :func:`qa.ingest.pipeline.encoded_commits` (same commits, same cable order), encoded on the actors.

        Chunks are smaller than ``chunk_paragraphs`` where that would leave an actor idle: each actor is
        given at least ``_CALLS_AHEAD`` chunks when there are enough cables.
        """
        total = sum(len(c.paragraphs) for c in cables)
        size = max(1, min(chunk_paragraphs, total // (_CALLS_AHEAD * len(self.actors))))
        chunks = plan_chunks(cables, held, size, commit_size)
        calls = (lambda actor, part=part: actor.encode.remote(list(part), scheme) for _, part in chunks)
        yield from group_commits(chunks, self._in_order(calls), on_encoded)

    def _in_order(self, calls: Iterable[Callable[[Any], Any]]) -> Iterator[Any]:
        """Each call made on the actor with the fewest pending, results taken in call order."""
        pending = [0] * len(self.actors)
        waiting: deque[tuple[int, Any]] = deque()
        feed = iter(calls)
        try:
            while True:
                while len(waiting) < _CALLS_AHEAD * len(self.actors) and (call := next(feed, None)) is not None:
                    actor = min(range(len(self.actors)), key=pending.__getitem__)
                    pending[actor] += 1
                    waiting.append((actor, call(self.actors[actor])))
                if not waiting:
                    return
                actor, ref = waiting.popleft()
                result = _get(self.ray, ref)
                pending[actor] -= 1
                yield result
        finally:
            for _, ref in waiting:
                self.ray.cancel(ref)


def _read_all(paths: Sequence[Path]) -> list[tuple[str, bytes | str]]:
    """The files' bytes, read on the driver, or why one could not be read (as read_cable_file says it)."""
    files: list[tuple[str, bytes | str]] = []
    for path in paths:
        try:
            files.append((str(path), path.read_bytes()))
        except OSError as error:
            files.append((str(path), str(error.strerror or error)))
    return files


def _get(ray: ModuleType, ref: Any) -> Any:
    """``ray.get``, a worker's own error raised as itself and Ray's failures as the core's error."""
    try:
        return ray.get(ref)
    except ray.exceptions.RayTaskError as error:
        if isinstance(error.cause, CableqaError):
            raise error.cause from None
        raise EncoderUnavailableError(f"a Ray worker failed: {error.cause!r}") from error
    except ray.exceptions.RayError as error:
        raise EncoderUnavailableError(f"the Ray cluster failed: {error}") from error


@contextmanager
def ray_workers(factory: EncoderFactory, address: str | None = None, workers: int | None = None,
                local_cpus: int | None = None) -> Iterator[RayWorkers]:
    """Actors on a cluster, shut down (with the cluster, if this call started it) on leaving.

    ``address`` None starts a cluster on this machine (``local_cpus`` CPUs, default all); ``"auto"`` or
    ``host:port`` joins a running one, whose nodes must have this cableqa installed. ``workers``
    (default: one per CPU of the cluster) actors each hold one CPU and one encoder. A local cluster's
    workers inherit this process's environment (``PYTHONPATH`` included), so they run this code.
    """
    ray = require_ray()
    options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                               "configure_logging": False}
    if address is None:
        options["address"] = "local"
        options["num_cpus"] = local_cpus
        if "PYTHONPATH" in os.environ:  # a local cluster runs this checkout, installed or not
            options["runtime_env"] = {"env_vars": {"PYTHONPATH": os.environ["PYTHONPATH"]}}
    else:
        options["address"] = address
    try:
        ray.init(**options)
    except (ConnectionError, RuntimeError, ValueError) as error:
        raise EncoderUnavailableError(f"cannot start or reach a Ray cluster at {address or 'local'}: {error}") \
            from error
    try:
        count = workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
        remote = ray.remote(num_cpus=1)(_Worker)
        actors = [remote.remote(factory) for _ in range(count)]
        described = [_get(ray, actor.describe.remote()) for actor in actors]
        models = {(model, dimension) for model, dimension, _ in described}
        if len(models) != 1:
            raise EncoderUnavailableError(f"the Ray workers loaded different models: {sorted(models)}")
        (model, dimension), = models
        yield RayWorkers(ray, actors, model, dimension, tuple(path for _, _, path in described))
    finally:
        ray.shutdown()
