"""Build the objects a command or the server needs from the one settings object."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from embeddings.encoder import Encoder, SentenceTransformerEncoder, require_torch_device
from embeddings.model_files import model_identity
from qa.cables.corpus import read_cable_file, seed_cable_path
from qa.cables.records import Cable
from qa.errors import translate_embedding_errors
from qa.search.ranking import weights_for_model
from qa.service import CableIndex
from qa.settings import Settings

if TYPE_CHECKING:
    from embeddings.onnx_export import Variant

__all__ = ["check_device", "load_encoder", "open_index", "seed_unless_held"]


def check_device(settings: Settings) -> None:
    """:class:`~qa.errors.EncoderUnavailableError` where ``settings.device`` cannot run the backend, found
    without loading the model: for a command to fail before it starts a server whose workers would."""
    with translate_embedding_errors():
        if settings.encoder_backend == "torch":
            require_torch_device(settings.device)
            return
        from embeddings.onnx_encoder import execution_providers

        execution_providers(settings.device, *_onnx_variants(settings))


def _onnx_variants(settings: Settings) -> tuple[Variant, Variant]:
    """The graphs of the onnx backends, documents' and questions'. On cuda, questions go through the
    documents' graph: ``quantized_queries`` is a CPU speed-up, and the int8 graph does not run on the GPU."""
    variant: Variant = "int8" if settings.encoder_backend == "onnx-int8" else "fp32"
    quantized_queries = settings.quantized_queries and settings.device == "cpu"
    return variant, "int8" if quantized_queries else variant


def load_encoder(settings: Settings) -> Encoder:
    """The model on the backend ``settings.encoder_backend`` names, on ``settings.device``; torch and onnx
    share a model_name, onnx-int8 has its own (its vectors differ). The device never changes it.

    A model that cannot load, or a device that is not there, is :class:`~qa.errors.EncoderUnavailableError`.
    """
    with translate_embedding_errors():
        if settings.encoder_backend == "torch":
            return SentenceTransformerEncoder(settings.model, batch_size=settings.batch_size, device=settings.device)
        from embeddings.onnx_encoder import OnnxEncoder

        variant, query_variant = _onnx_variants(settings)
        return OnnxEncoder(settings.model, variant, cache_dir=settings.onnx_cache_dir,
                           batch_size=settings.batch_size, query_variant=query_variant, device=settings.device)


def open_index(settings: Settings, encoder: Encoder | None = None, seed_if_missing: bool = True,
               say: Callable[[str], None] = print, write_wait: float | None = None) -> CableIndex:
    """The index at ``settings.index_dir``; where none exists yet, one built from the bundled seed.

    Several processes starting on an empty folder build the seed once: the first to take the write lock
    builds it, the others wait (``cli_write_wait_s``) and load it. ``write_wait`` is how long this
    process's later writes wait for the lock (default ``write_wait_s``, the server's).
    """
    encoder = encoder or load_encoder(settings)
    index = CableIndex.open(settings.index_dir, encoder, settings.index_type,
                            write_wait=settings.cli_write_wait_s, max_question_chars=settings.max_question_chars,
                            weights=weights_for_model(model_identity(settings.model), settings.keyword_trust),
                            hash_up_to=int(settings.hash_at_open_mb * 2**20),
                            search_threads=settings.search_threads)
    if seed_if_missing:
        seed_unless_held(index, say)
    index.write_wait = settings.write_wait_s if write_wait is None else write_wait
    return index


def seed_unless_held(index: CableIndex, say: Callable[[str], None] = print) -> None:
    """Build the bundled seed into ``index`` when the snapshot it holds is the empty one.

    Decided on the held snapshot, not on ``CURRENT`` now: another process may publish the seed
    between this one's open and this call, and :meth:`CableIndex.seed_if_empty` then loads it
    under the write lock instead of serving the empty snapshot until the follower's next look.
    """
    if index.snapshot.folder is not None:
        return

    def seed() -> list[Cable]:
        say(f"No index at {index.root} yet: building one from the bundled seed cable 08TOKYO1074.")
        return [read_cable_file(seed_cable_path())]

    index.seed_if_empty(seed)
