"""``X-Forwarded-For`` against a real ``cableqa serve``: ignored unless ``CABLEQA_TRUSTED_PROXIES`` lists the proxy.

uvicorn on its own believes forwarded headers from 127.0.0.1, so a local client that varied
``X-Forwarded-For`` got a fresh rate-limit bucket with every request. ``cableqa serve`` turns
proxy headers off unless proxies are listed.
"""

from __future__ import annotations

from pathlib import Path

import httpx
from reliability_support import clean_env, serve
from suite_support import copy_index

LIMIT = 5
REQUESTS = 20


def _statuses(base: str) -> list[int]:
    with httpx.Client(timeout=30) as client:
        return [client.get(f"{base}/cables", headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code
                for i in range(REQUESTS)]


def test_a_varying_forwarded_for_does_not_bypass_the_rate_limit(seed_index_dir: Path, tmp_path: Path) -> None:
    root = copy_index(seed_index_dir, tmp_path / "index")
    with serve(root, tmp_path / "serve.log", env=clean_env(CABLEQA_RATE_LIMIT_PER_MINUTE=str(LIMIT))) as (base, _):
        assert _statuses(base) == [200] * LIMIT + [429] * (REQUESTS - LIMIT)


def test_forwarded_for_counts_only_from_a_listed_proxy(seed_index_dir: Path, tmp_path: Path) -> None:
    root = copy_index(seed_index_dir, tmp_path / "index")
    env = clean_env(CABLEQA_RATE_LIMIT_PER_MINUTE=str(LIMIT), CABLEQA_TRUSTED_PROXIES="127.0.0.1")
    with serve(root, tmp_path / "serve.log", env=env) as (base, _):
        # Behind a listed proxy each forwarded address is its own client: all 20 pass.
        assert _statuses(base) == [200] * REQUESTS
        with httpx.Client(timeout=30) as client:
            same = [client.get(f"{base}/cables", headers={"X-Forwarded-For": "198.51.100.7"}).status_code
                    for _ in range(LIMIT + 1)]
        assert same == [200] * LIMIT + [429]
