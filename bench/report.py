"""Where every benchmark leaves its numbers: ``NAME.json`` and ``NAME.md`` in one folder, the table printed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

__all__ = ["write_report"]


def write_report(out: Path, name: str, result: dict[str, Any], markdown: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n")
    (out / f"{name}.md").write_text(markdown.rstrip("\n") + "\n")
    print(markdown)
