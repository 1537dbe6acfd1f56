"""The per-client token bucket: worked by hand with a fake clock, then over HTTP."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

import pytest
from fastapi.testclient import TestClient

from api.ratelimit import RateLimiter

AppFactory = Callable[..., AbstractContextManager[TestClient]]  # the make_client fixture


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_bucket_holds_a_minute_and_refills_one_token_a_second_at_60_per_minute() -> None:
    clock = Clock()
    limiter = RateLimiter(60, clock=clock)
    assert [limiter.take("10.0.0.1") for _ in range(60)] == [0] * 60  # a full bucket: 60 at once
    assert limiter.take("10.0.0.1") == 1  # empty: one token comes back in 1 s
    assert limiter.take("10.0.0.2") == 0  # another client has its own bucket
    clock.now += 0.5  # half a token back
    assert limiter.take("10.0.0.1") == 1  # ceil((1 - 0.5) / 1) = 1
    clock.now += 0.5
    assert limiter.take("10.0.0.1") == 0  # one whole token: used
    assert limiter.take("10.0.0.1") == 1
    clock.now += 3600  # refills, but never past a minute's worth
    assert [limiter.take("10.0.0.1") for _ in range(61)] == [0] * 60 + [1]


def test_retry_after_at_a_slow_rate() -> None:
    clock = Clock()
    limiter = RateLimiter(2, clock=clock)  # one token every 30 s
    assert [limiter.take("c"), limiter.take("c"), limiter.take("c")] == [0, 0, 30]
    clock.now += 20
    assert limiter.take("c") == 10  # 2/3 of a token back: 10 s to go


def test_least_recent_clients_are_forgotten_past_the_cap() -> None:
    clock = Clock()
    limiter = RateLimiter(1, max_clients=2, clock=clock)
    assert [limiter.take(c) for c in ("a", "b", "a")] == [0, 0, 60]
    assert limiter.take("c") == 0  # "b" (least recent) is dropped
    assert limiter.take("a") == 60  # "a" is still remembered
    assert limiter.take("b") == 0  # "b" comes back with a full bucket


def test_zero_per_minute_is_not_a_limiter() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        RateLimiter(0)


def test_over_the_limit_is_429_with_retry_after(make_client: AppFactory) -> None:
    with make_client(rate_limit_per_minute=2) as client:
        assert client.get("/cables").status_code == 200
        assert client.get("/ask", params={"q": "Lavrov", "k": 1}).status_code == 200
        response = client.get("/cables")
        assert response.status_code == 429
        assert response.headers["Retry-After"] == "30"
        assert response.json() == {"detail": "over 2 requests a minute from this client; retry in 30 s",
                                   "error": "rate_limited"}
        assert client.post("/ask", json={"question": "Lavrov"}).status_code == 429
        assert client.get("/health").status_code == 200  # health checks are never limited
    with make_client(rate_limit_per_minute=0) as client:
        assert all(client.get("/cables").status_code == 200 for _ in range(20))
