"""Helpers the reliability tests share: corpus picks, apps over an index folder, a real ``cableqa serve``.

Imported by name (``from reliability_support import ...``): pytest puts this folder on the path.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from suite_support import REPO, cli, corpus_or_skip

from api.app import create_app
from embeddings.encoder import Encoder
from qa.cables.classification import Classification
from qa.cables.corpus import read_cable_file
from qa.cables.records import Cable
from qa.errors import CableParseError
from qa.settings import Settings


def levels_of(cable: Cable) -> set[Classification]:
    """The levels of a cable's paragraphs (portion mark, else the banner)."""
    return {p.classification(cable.classification) for p in cable.paragraphs}


def small_corpus_cables(limit: int, *, max_bytes: int = 6000, min_paragraphs: int = 2,
                        skip: int = 0) -> list[Path]:
    """The ``limit`` smallest whole corpus cables (by size, then name) that parse with enough paragraphs."""
    folder = corpus_or_skip() / "cables"
    files = sorted((p for p in folder.glob("*.txt") if p.stat().st_size <= max_bytes),
                   key=lambda p: (p.stat().st_size, p.name))
    picked: list[Path] = []
    for path in files:
        try:
            cable = read_cable_file(path)
        except CableParseError:
            continue
        if not cable.partial and len(cable.paragraphs) >= min_paragraphs:
            picked.append(path)
        if len(picked) == skip + limit:
            break
    return picked[skip:]


def reliability_settings(index_dir: Path, **overrides: Any) -> Settings:
    """Settings for a test app: no rate limit (the tests send bursts), else the defaults."""
    values: dict[str, Any] = {"index_dir": index_dir, "rate_limit_per_minute": 0}
    values.update(overrides)
    return Settings(**values)


def build_app(index_dir: Path, encoder: Encoder, **settings: Any) -> FastAPI:
    return create_app(reliability_settings(index_dir, **settings), encoder=encoder)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clean_env(**extra: str) -> dict[str, str]:
    """This environment without any ``CABLEQA_*`` setting but the fixture indexes' encoder backend
    (tests/conftest.py), plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CABLEQA_") or k == "CABLEQA_ENCODER_BACKEND"}
    env.update(extra)
    return env


@contextmanager
def serve(index_dir: Path, log: Path, env: dict[str, str] | None = None,
          timeout: float = 180.0, workers: int = 1) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A real ``cableqa serve`` (``workers`` processes) on a free loopback port; yields its base URL and process."""
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            cli("serve", "--index", str(index_dir), "--port", str(port), "--workers", str(workers)), cwd=REPO,
            env=env or clean_env(), stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                pytest.fail(f"cableqa serve exited with {process.returncode}:\n{log.read_text(errors='replace')}")
            try:
                if httpx.get(f"{base}/health", timeout=2.0).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"no /health within {timeout} s:\n{log.read_text(errors='replace')}")
            time.sleep(0.3)
        yield base, process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=30)
