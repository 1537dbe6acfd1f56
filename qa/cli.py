"""The ``cableqa`` command: parse, ingest, ask, serve and eval.

Heavy imports (the model, FAISS, the web server, the eval library) happen inside the
command that needs them, so ``cableqa parse`` starts in a fraction of a second.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from qa.corpus import iter_cable_files, read_cable_file, seed_cable_path
from qa.errors import CableParseError, CableqaError
from qa.serialize import cable_to_dict

__all__ = ["app"]

app = typer.Typer(help="Semantic question answering over US diplomatic cables, with exact citations.",
                  no_args_is_help=True, add_completion=False)


@app.callback()
def _root() -> None:
    """Semantic question answering over US diplomatic cables, with exact citations."""


def fail(message: str, code: int = 2) -> typer.Exit:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(code)


@app.command()
def parse(
    paths: Annotated[list[Path] | None, typer.Argument(help="Cable files or folders; default: the bundled seed")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per cable")] = False,
) -> None:
    """Parse cables and print their fields and paragraphs."""
    targets = paths or [seed_cable_path()]
    for path in targets:
        if not path.exists():
            raise fail(f"{path}: no such file or folder")
    parsed = partial = 0
    failures: list[CableParseError] = []
    for path in iter_cable_files(targets):
        try:
            cable = read_cable_file(path)
        except CableParseError as error:
            failures.append(error)
            continue
        parsed += 1
        partial += cable.partial
        if as_json:
            sys.stdout.write(json.dumps(cable_to_dict(cable), ensure_ascii=False) + "\n")
        else:
            _print_cable(cable_to_dict(cable))
    summary = f"parsed {parsed} ({partial} partial), failed {len(failures)}"
    typer.echo(summary, err=True)
    for error in failures:
        typer.echo(f"  failed: {error.message}", err=True)
    if failures and not parsed:
        raise typer.Exit(1)


def _print_cable(data: dict[str, object]) -> None:
    fields = ["id", "datetime", "origin", "classification", "caveats", "tags", "subject", "references",
              "classified_by", "reasons", "declassify_on", "signer", "partial", "problems"]
    for key in fields:
        typer.echo(f"{key:>14}: {data[key]}")
    paragraphs = data.get("paragraphs")
    if isinstance(paragraphs, list):
        for p in paragraphs:
            mark = f"({p['marking']}) " if p["marking"] else ""
            under = f"  [{p['section']}]" if p["section"] else ""
            typer.echo(f"\n¶{p['number']} {mark}{under}\n{p['text']}")
    typer.echo("")


def main() -> None:
    try:
        app()
    except CableqaError as error:
        typer.secho(f"error: {error.message}", err=True, fg=typer.colors.RED)
        sys.exit(2)
