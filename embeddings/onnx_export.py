"""A sentence-transformers model folder as an ONNX graph of token embeddings, exported once and cached.

The graph is the model's transformer alone: ``input_ids`` (and ``token_type_ids`` where the model
takes them) in, ``token_embeddings`` (the last hidden state, batch x sequence x dimension) out, with
batch and sequence dynamic. It takes no attention mask: the encoder batches texts of exactly one
token count, so there is nothing to mask, and the graph skips the mask arithmetic over every
attention score (about 10% of int8 time, measured). Pooling and normalisation stay in numpy
(:mod:`embeddings.onnx_encoder`), so sentence spans can be pooled from the same tokens.

Exported with ``torch.onnx.export`` (the TorchScript exporter) from the local weights
(``transformers.AutoModel.from_pretrained(folder, local_files_only=True)``): nothing is downloaded.
The export needs no optimum (``sentence-transformers[onnx]``), whose pins hold back sentence-transformers
and transformers. After export the graph is checked against
torch on two batches of different shapes; a difference over :data:`_TOLERANCE` refuses the export.

``int8`` is onnxruntime's dynamic quantisation of the fp32 graph: weights of the matrix
multiplications with a constant operand become int8, per output channel; activations are quantised
on the fly, with one scale per input tensor (so the encoder runs the int8 graph one text per call).
Per-tensor weights (the default) cost far more: paragraph vectors kept a mean cosine of 0.95 to fp32
(minimum 0.90) against 0.994 (minimum 0.98) per channel, at the same speed.

Recipes are tried in the order of :data:`_INT8_RECIPES` and the first whose vectors agree with fp32
is kept. The first is the one above. The second serves models where it fails (all-mpnet-base-v2:
one quantised up-projection alone takes a sentence vector to cosine 0.19): 7-bit weights
(``reduce_range``), which keeps the integer products of onnxruntime's u8 x s8 kernels from
saturating, and the FFN down-projections left in fp32, since their inputs (after GELU) carry
outliers up to 90 times their 99th percentile that one per-tensor activation scale cannot hold.

Cache: one ``<slug>-<variant>-<key>.onnx`` per model and variant under the cache folder, with a
``.json`` beside it (written last, so it marks a finished export) that records the source folder,
the tool versions and the file's SHA-256. ``key`` hashes the format version, the variant and the
source folder's path and files (name, size, mtime), so new weights make a new entry. A load checks
size and checksum (0.07 s for the 90 MB fp32 file); a mismatch is exported again, with a message.
An export also removes the entries of source folders that no longer exist (a deleted virtual
environment's bundled model), which nothing can load again.
Files are written to a temporary name and renamed into place, under a lock file, so a crash or a
second process never leaves a half-written model where a later load would take it.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import inspect
import json
import logging
import os
import re
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, NoReturn

from embeddings.errors import ModelUnavailableError
from embeddings.model_files import bundled_model_path, prepare_offline

__all__ = ["EXPORT_FORMAT", "ModelFolder", "Variant", "cached_export", "default_cache_dir", "read_model_folder"]

Variant = Literal["fp32", "int8"]

# Bump when the exported graph or the quantisation recipe changes: old cache entries stop matching.
EXPORT_FORMAT = 1
_OPSET = 17
_TOLERANCE = 1e-3  # largest |torch - onnx| token embedding accepted at export (seen: about 1e-6)
_SOURCE_FILES = ("config.json", "model.safetensors", "pytorch_model.bin", "tokenizer.json",
                 "modules.json", "sentence_bert_config.json", "config_sentence_transformers.json")

Say = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class ModelFolder:
    """What the ONNX path needs to know about a sentence-transformers folder, read from its JSON files."""

    path: Path
    max_tokens: int
    dimension: int


def default_cache_dir() -> Path:
    cache_home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache_home) / "cableqa" / "onnx"


def read_model_folder(model: str) -> ModelFolder:
    """The model folder (``""``: the bundled model), checked to be one the ONNX path reproduces exactly.

    Supported: a transformer, then mean pooling, then optionally Normalize; no prompts, no lower-casing
    outside the tokenizer. Anything else raises :class:`ModelUnavailableError` naming the torch backend.
    """
    path = _resolve(model)
    modules = _json(path / "modules.json", default=[])
    kinds = [str(m.get("type", "")).rsplit(".", 1)[-1] for m in modules]
    if kinds and kinds not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
        _unsupported(path, f"its modules are {kinds}; only Transformer, Pooling(mean), Normalize are")
    pooling_dir = next((m.get("path", "") for m in modules if str(m.get("type", "")).endswith("Pooling")), "1_Pooling")
    pooling = _json(path / pooling_dir / "config.json", default={"pooling_mode_mean_tokens": True})
    modes = sorted(k for k, v in pooling.items() if k.startswith("pooling_mode_") and v is True)
    if modes != ["pooling_mode_mean_tokens"] or pooling.get("include_prompt", True) is not True:
        _unsupported(path, f"its pooling is {modes or 'unset'}; only mean pooling is")
    st_config = _json(path / "config_sentence_transformers.json", default={})
    if any(st_config.get("prompts", {}).values()):
        _unsupported(path, "it declares prompts")
    bert_config = _json(path / "sentence_bert_config.json", default={})
    if bert_config.get("do_lower_case"):
        _unsupported(path, "it lower-cases text outside its tokenizer")
    config = _json(path / "config.json", default=None)
    if not (path / "tokenizer.json").is_file():
        _unsupported(path, "it has no tokenizer.json (a fast tokenizer is needed for offsets)")
    max_tokens = bert_config.get("max_seq_length") or config.get("max_position_embeddings")
    dimension = pooling.get("word_embedding_dimension") or config.get("hidden_size")
    if not isinstance(max_tokens, int) or not isinstance(dimension, int):
        _unsupported(path, "it declares no max_seq_length or hidden size")
    return ModelFolder(path, max_tokens, dimension)


def cached_export(folder: ModelFolder, variant: Variant, cache_dir: Path, say: Say) -> Path:
    """The exported graph for ``folder`` and ``variant``: from the cache, or exported now (once)."""
    key = _cache_key(folder.path, variant)
    target = cache_dir / f"{_slug(folder.path)}-{variant}-{key[:16]}.onnx"
    if _verified(target, say):
        return target
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ModelUnavailableError(f"cannot create the ONNX cache folder {cache_dir}: {error}") from error
    with _locked(target.with_suffix(".lock")):
        if _verified(target, say):  # another process finished it while we waited
            return target
        started = time.perf_counter()
        say(f"Exporting {_slug(folder.path)} to ONNX ({variant}) in {cache_dir}; this happens once.")
        if variant == "fp32":
            _write(target, folder, variant, lambda tmp: _export_fp32(folder, tmp))
        else:
            refused = target.with_suffix(".refused")
            if refused.is_file():
                raise ModelUnavailableError(refused.read_text(encoding="utf-8"))
            source = cached_export(folder, "fp32", cache_dir, say)
            _write(target, folder, variant, lambda tmp: _quantize_int8(source, tmp, folder, refused))
        say(f"Exported in {time.perf_counter() - started:.1f} s: {target}")
    _remove_orphans(cache_dir, say)
    return target


def _remove_orphans(cache_dir: Path, say: Say) -> None:
    """Remove the entries whose source folder is gone. A key names its folder's path, so each new
    virtual environment exports its bundled model anew (90 + 59 MB), and nothing could load the
    entries of one deleted since. Runs after an export only; entries of folders still there stay."""
    freed, removed = 0, 0
    for record_path in cache_dir.glob("*.json"):
        try:
            source = json.loads(record_path.read_text(encoding="utf-8"))["source"]
        except (OSError, ValueError, KeyError, TypeError):
            continue  # not one of ours, or being written: leave it
        if not isinstance(source, str) or Path(source).is_dir():
            continue
        removed += 1
        for stale in (record_path.with_suffix(".onnx"), record_path, record_path.with_suffix(".refused"),
                      record_path.with_suffix(".lock")):
            with contextlib.suppress(FileNotFoundError):
                freed += stale.stat().st_size
                stale.unlink()
    if removed:
        say(f"Removed {removed} ONNX export(s), {freed / 1e6:.1f} MB, of model folders that no longer exist "
            f"from {cache_dir}.")


def _resolve(model: str) -> Path:
    if not model:
        return Path(bundled_model_path()).resolve()
    if Path(model).is_dir():
        return Path(model).resolve()
    try:
        # A hub name is only looked up in the local cache: nothing is ever downloaded.
        from huggingface_hub import try_to_load_from_cache

        cached = try_to_load_from_cache(repo_id=model, filename="config.json")
        if not isinstance(cached, str):
            raise FileNotFoundError(model)
        return Path(cached).parent.resolve()
    except Exception as error:  # huggingface_hub raises several unrelated types for "not cached"
        raise ModelUnavailableError(
            f"cannot load embedding model {model!r}: not a folder, and not in the local Hugging Face "
            "cache. Models load offline: set CABLEQA_MODEL to a local sentence-transformers folder, "
            "or leave it empty for the bundled all-MiniLM-L6-v2"
        ) from error


def _json(path: Path, default: Any) -> Any:
    if not path.is_file():
        if default is None:
            raise ModelUnavailableError(f"cannot load embedding model: {path} is missing")
        return default
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ModelUnavailableError(f"cannot load embedding model: {path} is unreadable ({error})") from error


def _unsupported(path: Path, reason: str) -> NoReturn:
    raise ModelUnavailableError(
        f"the ONNX backend cannot reproduce model {str(path)!r}: {reason}. "
        "Set CABLEQA_ENCODER_BACKEND=torch for this model"
    )


def _cache_key(path: Path, variant: Variant) -> str:
    files = []
    for name in (*_SOURCE_FILES, "1_Pooling/config.json"):
        with contextlib.suppress(FileNotFoundError):
            stat = (path / name).stat()
            files.append((name, stat.st_size, stat.st_mtime_ns))
    described: dict[str, object] = {"format": EXPORT_FORMAT, "variant": variant, "source": str(path), "files": files}
    if variant == "int8":  # a new recipe makes a new int8 entry (and retries a refused one); fp32 keeps its key
        described["recipes"] = [r.name for r in _INT8_RECIPES]
    blob = json.dumps(described)
    return hashlib.sha256(blob.encode()).hexdigest()


def _slug(path: Path) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", path.name if path.name != "model" else path.parent.name)[:60]


def _sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _verified(target: Path, say: Say) -> bool:
    """True when ``target`` and its record exist and agree; a damaged entry is reported and removed."""
    record_path = target.with_suffix(".json")
    if not record_path.is_file():
        return False
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
        intact = target.stat().st_size == record["bytes"] and _sha256(target) == str(record["sha256"])
    except (OSError, ValueError, KeyError, TypeError):
        intact = False
    if not intact:
        say(f"The cached ONNX model {target} is damaged (size or checksum mismatch); exporting it again.")
        for stale in (record_path, target):
            with contextlib.suppress(FileNotFoundError):
                stale.unlink()
    return intact


@contextlib.contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write(target: Path, folder: ModelFolder, variant: Variant,
           produce: Callable[[Path], dict[str, object] | None]) -> None:
    """Produce into a temporary file, then rename the model and (last) its record into place; what
    ``produce`` returns (how it quantised) joins the record."""
    descriptor, tmp_name = tempfile.mkstemp(prefix=f".{target.stem}-", suffix=".onnx.tmp", dir=target.parent)
    os.close(descriptor)
    tmp = Path(tmp_name)
    try:
        made = produce(tmp) or {}
        tmp.chmod(0o644)  # mkstemp makes it private; the cache is a cache, readable like any other
        record = {"format": EXPORT_FORMAT, "variant": variant, "source": str(folder.path),
                  "bytes": tmp.stat().st_size, "sha256": _sha256(tmp), "exported_at": time.time(),
                  "versions": _versions(), **made}
        os.replace(tmp, target)
        _replace_text(target.with_suffix(".json"), json.dumps(record, indent=2))
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def _replace_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for package in ("torch", "transformers", "onnxruntime", "onnx"):
        with contextlib.suppress(PackageNotFoundError):
            found[package] = version(package)
    return found


def _export_fp32(folder: ModelFolder, out: Path) -> None:
    """Trace the transformer to ONNX, then check the graph against torch on texts of two lengths."""
    prepare_offline()
    try:
        import numpy as np
        import torch
        from tokenizers import Tokenizer
        from transformers import AutoModel
    except ImportError as error:
        raise ModelUnavailableError(
            f"exporting to ONNX needs torch and transformers ({error}); export once where they are installed"
        ) from error
    # eager attention: a plain matmul-softmax graph that traces for any batch and length.
    model = AutoModel.from_pretrained(str(folder.path), local_files_only=True, attn_implementation="eager").eval()
    takes_types = "token_type_ids" in inspect.signature(model.forward).parameters
    names = ["input_ids", *(["token_type_ids"] if takes_types else [])]

    class TokenEmbeddings(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
            return self.inner(**dict(zip(names, inputs, strict=True))).last_hidden_state  # type: ignore[no-any-return]

    tokenizer = Tokenizer.from_file(str(folder.path / "tokenizer.json"))
    tokenizer.no_padding()
    samples = []
    for texts, length in ((["The embassy met the minister on April 18.", "Lavrov replied at length."], 9),
                          (["Japan and Russia agreed to hold a summit.", "Sakhalin II"], 5)):
        tokenizer.enable_truncation(length)  # rows of one length: the graph takes no padding mask
        encodings = tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        samples.append([ids, np.zeros_like(ids)][: len(names)])
    axes = {name: {0: "batch", 1: "sequence"} for name in [*names, "token_embeddings"]}
    with torch.no_grad(), warnings.catch_warnings():
        # Before the export: tracing leaves the model giving different outputs (seen with transformers 5).
        expected = [model(**{n: torch.from_numpy(a) for n, a in zip(names, arrays, strict=True)})
                    .last_hidden_state.numpy() for arrays in samples]
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation and tracer notes
        torch.onnx.export(TokenEmbeddings(model), tuple(torch.from_numpy(a) for a in samples[0]), str(out),
                          input_names=names, output_names=["token_embeddings"], dynamic_axes=axes,
                          opset_version=_OPSET, do_constant_folding=True, dynamo=False)
    import onnxruntime as ort

    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    for arrays, reference in zip(samples, expected, strict=True):
        got = np.asarray(session.run(None, dict(zip(names, arrays, strict=True)))[0])
        difference = float(np.abs(got - reference).max())
        if difference > _TOLERANCE:
            raise ModelUnavailableError(f"the ONNX export of {folder.path} differs from torch by {difference:.2g}")


@dataclass(frozen=True, slots=True)
class _Int8Recipe:
    """One way to quantise: 7-bit weights or 8, and whether FFN down-projections stay fp32."""

    name: str
    reduce_range: bool
    down_projections_fp32: bool


_INT8_RECIPES = (
    _Int8Recipe("per-channel", reduce_range=False, down_projections_fp32=False),
    _Int8Recipe("per-channel-7bit-fp32-down-projections", reduce_range=True, down_projections_fp32=True),
)


def _quantize_int8(source: Path, out: Path, folder: ModelFolder, refused: Path) -> dict[str, object]:
    """Quantise by the first recipe whose vectors agree with fp32 on sample texts, and say which;
    when none does, the graph is refused, and the refusal is remembered in ``refused`` so later
    loads fail at once instead of quantising again."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    agreements = []
    for recipe in _INT8_RECIPES:
        kept = _down_projections(source) if recipe.down_projections_fp32 else []
        with _quiet_root_logger():  # it warns, on the root logger, that no pre-processing was run
            quantize_dynamic(source, out, weight_type=QuantType.QInt8, per_channel=True,
                             reduce_range=recipe.reduce_range, op_types_to_quantize=["MatMul"],
                             nodes_to_exclude=kept, extra_options={"MatMulConstBOnly": True})
        agreement = _int8_agreement(source, out, folder)
        agreements.append(f"{recipe.name} {agreement:.3f}")
        if agreement >= _INT8_MIN_COSINE:
            return {"recipe": recipe.name, "fp32_nodes": len(kept), "min_cosine_to_fp32": round(agreement, 4)}
    reason = (f"the int8 graph of {folder.path} does not reproduce the model: its text vectors reach a "
              f"cosine of only {', '.join(agreements)} to fp32 by recipe (at least {_INT8_MIN_COSINE} needed). "
              "Use CABLEQA_ENCODER_BACKEND=onnx with CABLEQA_QUANTIZED_QUERIES=false, or the torch backend")
    _replace_text(refused, reason)
    raise ModelUnavailableError(reason)


def _down_projections(graph: Path) -> list[str]:
    """The matrix products whose constant weight narrows its input (``in > out``): the FFN down-projections."""
    import onnx

    model = onnx.load(str(graph), load_external_data=False)
    shapes = {i.name: tuple(i.dims) for i in model.graph.initializer}
    return [node.name for node in model.graph.node
            if node.op_type == "MatMul" and len(shapes.get(node.input[1], ())) == 2
            and shapes[node.input[1]][0] > shapes[node.input[1]][1]]


# Lowest cosine accepted between an int8 and the fp32 vector of one sample text; all-MiniLM-L6-v2
# stays above 0.98 on corpus paragraphs, while a graph that dynamic quantisation breaks (seen with
# all-mpnet-base-v2 on this CPU) falls far below.
_INT8_MIN_COSINE = 0.95
_INT8_SAMPLES = (
    "The embassy met the minister on April 18.",
    "Foreign Minister Lavrov told reporters that Russia saw no threat in Japan's missile defense plans.",
    "Wheat exports rose sharply in the first quarter, the ministry said.",
    "(C) Summary: Sakhalin II talks stalled over pricing; Gazprom wants a larger share.",
)


def _int8_agreement(fp32: Path, int8: Path, folder: ModelFolder) -> float:
    """The lowest cosine between mean-pooled fp32 and int8 vectors of the sample texts."""
    import numpy as np
    import onnxruntime as ort
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(folder.path / "tokenizer.json"))
    tokenizer.no_padding()
    sessions = [ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]) for path in (fp32, int8)]
    lowest = 1.0
    for text in _INT8_SAMPLES:
        ids = np.array([tokenizer.encode(text).ids], dtype=np.int64)
        vectors = []
        for session in sessions:
            feed = {"input_ids": ids, "token_type_ids": np.zeros_like(ids)}
            tokens = session.run(None, {i.name: feed[i.name] for i in session.get_inputs()})[0]
            vectors.append(np.asarray(tokens, dtype=np.float64)[0].mean(axis=0))
        a, b = vectors
        lowest = min(lowest, float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b))))
    return lowest


@contextlib.contextmanager
def _quiet_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        yield
    finally:
        root.setLevel(level)
