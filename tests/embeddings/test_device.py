"""``CABLEQA_DEVICE``: cpu encodes as before, cuda runs on a GPU or fails at load saying what is missing.

This machine's CI has no GPU: there, every backend asked for cuda must fail with the core's
:class:`~qa.errors.EncoderUnavailableError` (never a silent CPU run), through ``load_encoder`` and
through a real ``cableqa ask``. The tests marked for a GPU run only where one is present.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnxruntime
import pytest
import torch
from pydantic import ValidationError

from bench.encoders import main as bench_main
from embeddings.encoder import Encoder, SentenceTransformerEncoder
from embeddings.errors import ModelUnavailableError
from embeddings.onnx_encoder import OnnxEncoder, execution_providers
from qa.errors import EncoderUnavailableError
from qa.settings import Settings
from qa.startup import check_device, load_encoder

REPO = Path(__file__).resolve().parents[2]
TORCH_CUDA = torch.cuda.is_available()
ORT_CUDA = "CUDAExecutionProvider" in onnxruntime.get_available_providers()
TEXTS = ["Lavrov and the Japanese Foreign Minister discussed the northern territories.",
         "The Embassy has no comment on the election."]

# backend -> whether this machine can run it on cuda, and what the error must name as missing
BACKENDS = {"onnx-int8": (ORT_CUDA, "onnxruntime-gpu"), "onnx": (ORT_CUDA, "onnxruntime-gpu"),
            "torch": (TORCH_CUDA, "torch sees no CUDA device")}


def _no_cuda_for(backend: str) -> None:
    if BACKENDS[backend][0]:
        pytest.skip(f"this machine has CUDA for {backend}: the no-GPU error cannot happen here")


def _assert_says_what_is_missing(message: str, backend: str) -> None:
    assert "CABLEQA_DEVICE=cuda" in message
    assert BACKENDS[backend][1] in message
    assert "CABLEQA_DEVICE=cpu" in message  # the other way out


def test_device_defaults_to_cpu_and_reads_cableqa_device(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().device == "cpu"
    monkeypatch.setenv("CABLEQA_DEVICE", "cuda")
    assert Settings().device == "cuda"
    monkeypatch.setenv("CABLEQA_DEVICE", "gpu")
    with pytest.raises(ValidationError, match="device"):
        Settings()


@pytest.mark.parametrize("backend", list(BACKENDS))
def test_cuda_without_a_gpu_fails_at_load_naming_what_is_missing(backend: str, tmp_path: Path) -> None:
    _no_cuda_for(backend)
    settings = Settings(device="cuda", encoder_backend=backend, onnx_cache_dir=tmp_path / "onnx")  # type: ignore[arg-type]
    with pytest.raises(EncoderUnavailableError) as raised:
        check_device(settings)
    _assert_says_what_is_missing(raised.value.message, backend)
    with pytest.raises(EncoderUnavailableError) as raised:
        load_encoder(settings)
    _assert_says_what_is_missing(raised.value.message, backend)
    assert not (tmp_path / "onnx").exists()  # refused before exporting anything


@pytest.mark.parametrize("command", [["ask", "Who met Lavrov?"], ["serve", "--workers", "2"]])
@pytest.mark.parametrize("backend", list(BACKENDS))
def test_cableqa_ask_and_serve_on_cuda_without_a_gpu_print_the_error_and_exit_2(
        backend: str, command: list[str], tmp_path: Path) -> None:
    _no_cuda_for(backend)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CABLEQA_")}
    env |= {"CABLEQA_DEVICE": "cuda", "CABLEQA_ENCODER_BACKEND": backend, "CABLEQA_INDEX_DIR": str(tmp_path / "index"),
            "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", "from qa.cli import main; main()", *command],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("error: CABLEQA_DEVICE=cuda")
    _assert_says_what_is_missing(done.stderr, backend)
    assert not (tmp_path / "index").exists()  # nothing built on the way to the error


def test_bench_encoders_on_cuda_without_a_gpu_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    _no_cuda_for("onnx")
    with pytest.raises(SystemExit) as exited:
        bench_main(["--device", "cuda", "--backends", "onnx", "--paragraphs", "1"])
    assert exited.value.code == 2
    _assert_says_what_is_missing(capsys.readouterr().err, "onnx")


def test_cpu_runs_the_cpu_provider_only() -> None:
    assert execution_providers("cpu", "int8", "int8") == ["CPUExecutionProvider"]
    assert execution_providers("cpu", "fp32", "int8") == ["CPUExecutionProvider"]


def test_default_cpu_encoder_gives_the_int8_vectors_of_an_encoder_built_without_a_device(encoder: Encoder) -> None:
    """The served default (``device="cpu"``) is the int8 encoder as it was built before the setting existed."""
    assert isinstance(encoder, OnnxEncoder)
    assert (encoder.variant, encoder.query_variant, encoder.model_name) == (
        "int8", "int8", "sentence-transformers/all-MiniLM-L6-v2+onnx-int8")
    before = OnnxEncoder("", "int8", cache_dir=Settings().onnx_cache_dir, query_variant="int8")
    assert np.array_equal(encoder.encode_documents(TEXTS), before.encode_documents(TEXTS))
    assert np.array_equal(encoder.encode_queries(TEXTS[:1]), before.encode_queries(TEXTS[:1]))


@pytest.mark.skipif(not ORT_CUDA, reason="no CUDAExecutionProvider here (onnxruntime CPU wheel): needs onnxruntime-gpu")
@pytest.mark.parametrize(("variant", "query_variant"), [("int8", "int8"), ("fp32", "int8")])
def test_cuda_refuses_the_int8_graph_rather_than_swap_in_fp32(variant: str, query_variant: str) -> None:
    with pytest.raises(ModelUnavailableError, match="CABLEQA_ENCODER_BACKEND=onnx"):
        execution_providers("cuda", variant, query_variant)  # type: ignore[arg-type]


@pytest.mark.skipif(not ORT_CUDA, reason="no CUDAExecutionProvider here (onnxruntime CPU wheel): needs onnxruntime-gpu")
def test_onnx_on_cuda_matches_cpu_and_keeps_the_model_name(tmp_path: Path) -> None:
    settings = Settings(encoder_backend="onnx", onnx_cache_dir=tmp_path)
    cpu, gpu = load_encoder(settings), load_encoder(settings.model_copy(update={"device": "cuda"}))
    assert gpu.model_name == cpu.model_name == "sentence-transformers/all-MiniLM-L6-v2"
    assert isinstance(gpu, OnnxEncoder) and gpu.query_variant == "fp32"  # quantized_queries is CPU-only
    cosines = np.sum(cpu.encode_documents(TEXTS) * gpu.encode_documents(TEXTS), axis=1)
    assert cosines.min() >= 1 - 1e-3


@pytest.mark.skipif(not TORCH_CUDA, reason="torch sees no CUDA device here")
def test_torch_on_cuda_matches_cpu_and_keeps_the_model_name(torch_encoder: SentenceTransformerEncoder) -> None:
    gpu = SentenceTransformerEncoder(device="cuda")
    assert gpu.model_name == torch_encoder.model_name
    cosines = np.sum(torch_encoder.encode_documents(TEXTS) * gpu.encode_documents(TEXTS), axis=1)
    assert cosines.min() >= 1 - 1e-3
    passages, spans = gpu.encode_passages(TEXTS[:1], [[(0, 6)]])
    cpu_passages, cpu_spans = torch_encoder.encode_passages(TEXTS[:1], [[(0, 6)]])
    assert float(passages[0] @ cpu_passages[0]) >= 1 - 1e-3
    assert float(spans[0][0] @ cpu_spans[0][0]) >= 1 - 1e-3
