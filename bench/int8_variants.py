"""Two int8 recipes the package does not ship, built for ``bench.encoders`` to measure against the one it does.

- ``onnx-int8-batched``: the shipped int8 graph run on batches of up to ``batch_size`` texts of one
  token count. The graph's activation scale then comes from the whole batch, so a text's vector
  depends on its batch-mates; this is the speed that running one text at a time is compared with.
- ``onnx-int8-static``: onnxruntime's static quantisation (QDQ, per-channel int8 weights, uint8
  activations with MinMax scales calibrated on corpus paragraphs that the bench does not encode).
  Its scales are fixed, so it is deterministic too.

Both reach into :class:`~embeddings.onnx_encoder.OnnxEncoder`'s loaded graph on purpose: they exist
to be measured, not used.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from embeddings.onnx_encoder import OnnxEncoder, _Graph, _session

__all__ = ["batched_int8", "static_int8"]


def batched_int8(encoder: OnnxEncoder) -> OnnxEncoder:
    """``encoder`` (int8) switched to batches of many texts: its graph, labelled fp32 so it batches."""
    encoder._graph = replace(encoder._graph, variant="fp32")
    return encoder


def static_int8(encoder: OnnxEncoder, calibration: Sequence[str], folder: Path) -> OnnxEncoder:
    """``encoder`` (fp32) running a statically quantised copy of its graph, calibrated on ``calibration``."""
    from onnxruntime.quantization import (
        CalibrationDataReader,
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_static,
    )

    tokenizer = encoder._tokenizer

    class Reader(CalibrationDataReader):  # type: ignore[misc]  # onnxruntime ships no types
        def __init__(self) -> None:
            self.texts = iter(calibration)

        def get_next(self) -> dict[str, np.ndarray] | None:
            text = next(self.texts, None)
            if text is None:
                return None
            ids = np.array([tokenizer.encode(text).ids], dtype=np.int64)
            return {"input_ids": ids, "token_type_ids": np.zeros_like(ids)}

    target = folder / "static-int8.onnx"
    quantize_static(str(encoder.model_path), str(target), Reader(), quant_format=QuantFormat.QDQ,
                    op_types_to_quantize=["MatMul"], per_channel=True, activation_type=QuantType.QUInt8,
                    weight_type=QuantType.QInt8, calibrate_method=CalibrationMethod.MinMax,
                    extra_options={"MatMulConstBOnly": True})
    # Fixed scales: batching cannot move a vector, so this graph keeps fp32's batches.
    encoder._graph = _Graph(_session(target, "int8"), "fp32")
    return encoder
