"""The :class:`~embeddings.encoder.Encoder` protocol on ONNX Runtime: the same model, no torch at run time.

The graph (exported once by :mod:`embeddings.onnx_export`) returns token embeddings; mean pooling
and normalisation happen here in numpy, as sentence-transformers does them, so vectors match the
torch backend (cosine >= 0.9999 in fp32) and an index built by either backend serves the other:
:attr:`OnnxEncoder.model_name` is the same. ``int8`` trades a little of that agreement (about 0.994
mean cosine to fp32 on corpus paragraphs) for speed; numbers in ``bench/encoders.py``. Its vectors
are not fp32's, so an int8 encoder has its own :attr:`~OnnxEncoder.model_name` (``...+onnx-int8``)
and an index records which of the two built it.

int8 is deterministic: the graph quantises each matrix product's input with one scale computed from
the whole input tensor, so the int8 graph runs one text at a time and that scale comes from the text
alone. A text then gets the same bytes whatever else is encoded with it, on any number of workers
(each run is single-threaded), and re-ingesting a cable reproduces its vectors exactly on the same
onnxruntime build and CPU. Running one text at a time costs no speed: short rows keep the
quantised products busy (see ``docs/models.md``).

Speed, on 2 cores: each text is tokenised by the Rust ``tokenizers`` package (the ids feed the
model, the offsets pool the spans). Texts are batched by exact token count, so no batch holds
padding and the graph needs no attention mask: against length-sorted batches of 32 padded to their
longest text, this nearly doubled int8 throughput on ingest-sized calls (300 corpus paragraphs, 50
at a time: 28 to 50 paragraphs per CPU-second), and dropping the mask from the graph added about
10%. A batch of one 170-token text still keeps the matrix multiplications busy, and small batches
are faster per token than large ones (at most 2,048 word pieces a batch: encoding the whole corpus
at once went from 86 to 111 paragraphs/s, int8). Each batch runs on one thread, as many batches at
once as there are usable cores: 12% more paragraphs per second on ingest than one session splitting
every matrix product over both cores (500 corpus paragraphs, int8), and a question (one tiny batch)
pays no hand-off between cores. Worker threads do not spin waiting for work: on two cores a spinning
worker takes the core FAISS or another request needs (see ``threads.py``), and measured here
spinning bought no throughput.

Once the export is cached, loading imports onnxruntime and tokenizers only (about 0.3 s with the
session), never torch, transformers or sentence-transformers.

On ``device="cuda"`` the fp32 graph runs on onnxruntime's CUDA execution provider (the
``onnxruntime-gpu`` package). The int8 graph is refused there: it is dynamically quantised for the
CPU (``DynamicQuantizeLinear`` and ``MatMulInteger`` nodes), which the CUDA provider does not run as
a whole, and its vectors differ from fp32's, so running fp32 in its place would put other vectors
under an int8 index's name (``docs/gpu.md``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from embeddings.encoder import Device
from embeddings.errors import InvalidInputError, ModelUnavailableError
from embeddings.model_files import model_identity
from embeddings.onnx_export import Variant, cached_export, default_cache_dir, read_model_folder
from embeddings.pooling import normalised, span_vectors
from embeddings.windows import token_windows

if TYPE_CHECKING:
    from onnxruntime import InferenceSession
    from tokenizers import Encoding, Tokenizer

__all__ = ["OnnxEncoder"]

FloatArray = npt.NDArray[np.float32]


def _to_stderr(message: str) -> None:
    print(message, file=sys.stderr)


class OnnxEncoder:
    """A sentence-transformers model on ONNX Runtime, fp32 or quantised int8.

    ``model`` is a model folder or a hub name in the local cache; ``""`` means the bundled
    all-MiniLM-L6-v2. The first use exports the model into ``cache_dir`` (default
    ``$XDG_CACHE_HOME/cableqa/onnx``), announcing it through ``say``; later loads reuse the file,
    whose path is :attr:`model_path`. ``batch_size`` caps the texts of one token count run together;
    ``threads`` (default: one per usable core) batches run at once, each on one thread. The int8
    graph takes one text per run, so its vectors never depend on the other texts of a call.
    ``device="cuda"`` runs the fp32 graph on the GPU; it refuses int8 (for documents or questions)
    and a machine without onnxruntime's CUDA execution provider, rather than run on the CPU.
    """

    def __init__(self, model: str = "", variant: Variant = "fp32", cache_dir: Path | None = None,
                 batch_size: int = 32, threads: int | None = None, say: Callable[[str], None] = _to_stderr,
                 query_variant: Variant | None = None, device: Device = "cpu") -> None:
        if batch_size < 1:
            raise InvalidInputError("batch_size", f"must be at least 1, got {batch_size}")
        for field, value in (("variant", variant), ("query_variant", query_variant or variant)):
            if value not in ("fp32", "int8"):
                raise InvalidInputError(field, f"must be 'fp32' or 'int8', got {value!r}")
        if device not in ("cpu", "cuda"):
            raise InvalidInputError("device", f"must be 'cpu' or 'cuda', got {device!r}")
        # Checked before the export, so a wrong setting fails in a fraction of a second.
        self._providers = execution_providers(device, variant, query_variant or variant)
        self._model_name = model_identity(model) + _IDENTITY_SUFFIX[variant]
        self._batch_size = batch_size
        self._variant: Variant = variant
        self._query_variant: Variant = query_variant or variant
        folder = read_model_folder(model)
        self._dimension = folder.dimension
        self._max_tokens = folder.max_tokens
        cache = cache_dir or default_cache_dir()
        self.model_path = cached_export(folder, variant, cache, say)
        self._workers = threads or _usable_cores()
        # One pool for the encoder's life: ingest may encode two chunks at once, and their batches
        # then share these workers instead of starting more threads than cores.
        self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix="onnx-batch")
        self._graph = _Graph(_session(self.model_path, variant, self._providers), variant)
        self._inputs = [i.name for i in self._graph.session.get_inputs()]
        self._query_graph = self._graph
        if self._query_variant != variant:
            # One question is a tiny batch: the model's fixed costs dominate, so a single thread
            # (no hand-off between cores) serves it fastest and leaves the other core to another request.
            try:
                query_path = cached_export(folder, self._query_variant, cache, say)
            except ModelUnavailableError as error:  # an int8 graph refused as unfaithful to the model
                say(f"{error.message}. Questions use the {variant} graph.")
                self._query_variant = variant
            else:
                self._query_graph = _Graph(_session(query_path, self._query_variant, self._providers),
                                           self._query_variant)
        self._tokenizer = _tokenizer(folder.path / "tokenizer.json", self._max_tokens)
        self._window_tokenizer = _tokenizer(folder.path / "tokenizer.json", None)

    @property
    def model_name(self) -> str:
        """What an index built with this encoder records: fp32 gives the torch backend's identifier for
        the same weights (their indexes are shared), int8 that identifier plus ``+onnx-int8``."""
        return self._model_name

    @property
    def variant(self) -> Variant:
        return self._variant

    @property
    def dimension(self) -> int:
        return self._dimension

    @property
    def max_tokens(self) -> int:
        """Word pieces the model reads, special tokens included; the rest is truncated."""
        return self._max_tokens

    @property
    def query_variant(self) -> Variant:
        """The graph questions run through; documents always go through :attr:`variant`."""
        return self._query_variant

    def encode_queries(self, texts: Sequence[str], show_progress: bool = False) -> FloatArray:
        """Questions to unit vectors (the model declares no prompts: the ONNX path refuses those that do)."""
        return self._pooled(texts, show_progress, self._query_graph)

    def encode_documents(self, texts: Sequence[str], show_progress: bool = False) -> FloatArray:
        return self._pooled(texts, show_progress)

    def encode_passages(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]], show_progress: bool = False
    ) -> tuple[FloatArray, list[FloatArray]]:
        """Passage vectors and span vectors from one forward pass, exactly as the torch backend pools them.

        A span's vector is the normalised mean of the passage's token embeddings inside it; a span
        past the token limit, or covering no token, gets the passage vector.
        """
        if len(texts) != len(spans):
            raise InvalidInputError("spans", f"{len(spans)} span lists for {len(texts)} texts")
        encodings = self._encode_all(texts)
        passages = np.zeros((len(texts), self._dimension), dtype=np.float32)
        per_text: list[FloatArray] = [np.zeros((0, self._dimension), dtype=np.float32)] * len(texts)
        for rows, tokens in self._batches(encodings, show_progress):
            passages[rows] = normalised(tokens.mean(axis=1))
            for row, i in enumerate(rows):
                per_text[i] = span_vectors(tokens[row], encodings[i].offsets, spans[i], passages[i])
        return passages, per_text

    def windows(self, text: str, overlap_tokens: int = 32) -> list[tuple[int, int]]:
        """Character spans of overlapping windows that each fit the model; see ``windows.py``."""
        encoding = self._window_tokenizer.encode(text, add_special_tokens=False)
        limit = self._max_tokens - self._window_tokenizer.num_special_tokens_to_add(False)
        return token_windows(encoding.offsets, encoding.word_ids, len(text), limit, overlap_tokens)

    def _pooled(self, texts: Sequence[str], show_progress: bool, graph: _Graph | None = None) -> FloatArray:
        encodings = self._encode_all(texts)
        vectors = np.zeros((len(texts), self._dimension), dtype=np.float32)
        for rows, tokens in self._batches(encodings, show_progress, graph):
            vectors[rows] = normalised(tokens.mean(axis=1))
        return vectors

    def _encode_all(self, texts: Sequence[str]) -> list[Encoding]:
        if isinstance(texts, str):
            raise InvalidInputError("texts", "expected a sequence of strings, got one string")
        if len(texts) == 1:  # encode_batch's thread pool costs more than it saves on one short text
            return [self._tokenizer.encode(texts[0])]
        return self._tokenizer.encode_batch(list(texts))

    def _batches(self, encodings: Sequence[Encoding], show_progress: bool,
                 graph: _Graph | None = None) -> Iterator[tuple[list[int], FloatArray]]:
        """``(rows, token_embeddings)`` per batch of texts with exactly the same number of tokens
        (one text per batch through the int8 graph)."""
        graph = graph or self._graph
        cap = 1 if graph.variant == "int8" else self._batch_size
        session = graph.session
        by_length: dict[int, list[int]] = {}
        for i, encoding in enumerate(encodings):
            by_length.setdefault(len(encoding.ids), []).append(i)
        batches = []
        for length, rows in sorted(by_length.items()):
            size = max(1, min(cap, _BATCH_TOKENS // length))
            batches += [rows[start:start + size] for start in range(0, len(rows), size)]
        steps: Iterable[list[int]] = batches
        if show_progress:
            from rich.progress import track

            steps = track(batches, description="Encoding")

        def run(rows: list[int]) -> FloatArray:
            ids = np.array([encodings[i].ids for i in rows], dtype=np.int64)
            feed = {"input_ids": ids, "token_type_ids": np.zeros_like(ids)}
            (tokens,) = session.run(["token_embeddings"], {name: feed[name] for name in self._inputs})
            return np.asarray(tokens, dtype=np.float32)

        if self._workers == 1 or len(batches) == 1:
            for rows in steps:
                yield rows, run(rows)
            return
        # Batches run side by side, one single-threaded run per core (onnxruntime releases the GIL
        # and a session may be run from several threads): no hand-off inside a matrix product.
        yield from zip(steps, self._pool.map(run, batches), strict=True)


@dataclass(frozen=True, slots=True)
class _Graph:
    """A loaded graph and its variant, which decides how many texts one run of it takes."""

    session: InferenceSession
    variant: Variant


# What an index records beside the model's name: int8 vectors differ from fp32 ones (cosine ~0.994),
# so an index of one is never extended or searched with the other's document vectors.
_IDENTITY_SUFFIX: dict[Variant, str] = {"fp32": "", "int8": "+onnx-int8"}


def _usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# A batch holds at most this many word pieces (and at most ``batch_size`` texts): its activations
# then stay in the core's cache. Measured on one thread, int8: 254-token texts ran at 13,300 tokens/s
# in batches of 1 to 8 and 10,300 in batches of 32; 60-token texts ran alike in batches of 1 to 32.
_BATCH_TOKENS = 2048

# onnxruntime 1.32 fuses each residual Add + LayerNormalization of the int8 graph into one
# SkipLayerNormalization whose CPU kernel is the slowest node in it: 12 ms each on a batch of 32
# texts of 160 word pieces, 28% of the batch, where the unfused pair takes under 2 ms. Without
# that fusion the int8 graph runs 1.6x faster (519 -> 326 ms a batch, one thread) and its vectors
# are as close to fp32 (mean cosine 0.9948 on 400 corpus passages, either way). The fp32 graph
# is unaffected (1,034 vs 1,070 ms) and keeps every fusion.
_SLOW_FUSIONS: dict[Variant, list[str]] = {"fp32": [], "int8": ["SkipLayerNormFusion"]}


_CUDA = "CUDAExecutionProvider"


def execution_providers(device: Device, variant: Variant, query_variant: Variant) -> list[str]:
    """The onnxruntime execution providers for ``device``, or ModelUnavailableError naming the fix.

    cuda lists the CPU provider second only for the few shape nodes onnxruntime itself places there;
    a session that did not get the CUDA provider is refused in :func:`_session`.
    """
    if device == "cpu":
        return ["CPUExecutionProvider"]
    ort = _onnxruntime()
    if _CUDA not in ort.get_available_providers():
        raise ModelUnavailableError(
            f"CABLEQA_DEVICE=cuda, but onnxruntime {ort.__version__} has no {_CUDA} (providers: "
            f"{', '.join(ort.get_available_providers())}): pip uninstall onnxruntime && pip install "
            "onnxruntime-gpu on a machine with an NVIDIA GPU, or set CABLEQA_DEVICE=cpu"
        )
    if "int8" in (variant, query_variant):
        backend = "CABLEQA_ENCODER_BACKEND=onnx-int8" if variant == "int8" else "CABLEQA_QUANTIZED_QUERIES=1"
        raise ModelUnavailableError(
            f"CABLEQA_DEVICE=cuda cannot run the int8 graph ({backend}): it is quantised for the CPU, "
            "and the fp32 graph in its place would give other vectors than an int8 index holds. "
            "Set CABLEQA_ENCODER_BACKEND=onnx (fp32; an index built by onnx-int8 must be rebuilt) "
            "or torch, or CABLEQA_DEVICE=cpu"
        )
    return [_CUDA, "CPUExecutionProvider"]


def _onnxruntime() -> ModuleType:
    try:
        import onnxruntime
    except ImportError as error:
        raise ModelUnavailableError(
            "the ONNX encoder backend needs onnxruntime: pip install onnxruntime, "
            "or set CABLEQA_ENCODER_BACKEND=torch"
        ) from error
    module: ModuleType = onnxruntime
    return module


def _session(path: Path, variant: Variant, providers: Sequence[str] = ("CPUExecutionProvider",)) -> InferenceSession:
    """One single-threaded session: batches, not matrix products, are spread over the cores."""
    ort = _onnxruntime()
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    try:
        session = ort.InferenceSession(str(path), options, providers=list(providers),
                                       disabled_optimizers=_SLOW_FUSIONS[variant])
    except Exception as error:  # onnxruntime raises its own unexported exception types
        fix = ("Check the CUDA install onnxruntime-gpu needs, or set CABLEQA_DEVICE=cpu" if _CUDA in providers
               else "Delete it to export again")
        raise ModelUnavailableError(
            f"onnxruntime cannot load {path} ({error.__class__.__name__}: {str(error).splitlines()[0]}). {fix}"
        ) from error
    # onnxruntime-gpu without a usable CUDA runtime or driver logs a warning and runs on the CPU.
    if _CUDA in providers and _CUDA not in session.get_providers():
        raise ModelUnavailableError(
            f"CABLEQA_DEVICE=cuda, but onnxruntime could not start its {_CUDA} (no NVIDIA driver, or a "
            "CUDA/cuDNN runtime that does not match onnxruntime-gpu; its log above says which): fix the "
            "CUDA install, or set CABLEQA_DEVICE=cpu"
        )
    return session


def _tokenizer(path: Path, max_tokens: int | None) -> Tokenizer:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.no_padding()  # tokenizer.json may pad every text to a fixed length; batches pad here
    if max_tokens is None:
        tokenizer.no_truncation()
    else:
        tokenizer.enable_truncation(max_length=max_tokens)
    return tokenizer
