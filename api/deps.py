"""Dependency aliases the routes declare: the index, the settings, the caller, its address, write access.

Everything comes from :class:`~api.state.AppState` on ``app.state``; nothing is global.
These run on the event loop (``async def``) because none of them blocks.
"""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from api.http_errors import UnauthorizedError
from api.keys import Caller, is_loopback
from api.limits import client_of
from api.state import AppState
from qa.errors import ForbiddenError
from qa.service import CableIndex
from qa.settings import Settings

__all__ = [
    "CallerDep",
    "ClientDep",
    "IndexDep",
    "SettingsDep",
    "StateDep",
    "WriterDep",
    "get_caller",
    "get_client",
    "get_index",
    "get_settings",
    "get_state",
    "require_writer",
]

_api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False,
                               description="An API key (CABLEQA_API_KEY or one of CABLEQA_API_KEYS)")
_bearer = HTTPBearer(auto_error=False, description="The same key as a bearer token")


async def get_state(request: Request) -> AppState:
    return cast(AppState, request.app.state.cableqa)


StateDep = Annotated[AppState, Depends(get_state)]


async def get_index(state: StateDep) -> CableIndex:
    return state.index


async def get_settings(state: StateDep) -> Settings:
    return state.settings


IndexDep = Annotated[CableIndex, Depends(get_index)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


async def get_caller(
    state: StateDep,
    api_key: Annotated[str | None, Security(_api_key_header)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
) -> Caller:
    """The key presented, if any, and its ceiling; a key that matches none configured is refused."""
    presented = api_key if api_key is not None else (bearer.credentials if bearer is not None else None)
    if presented is None or not state.keys.configured:
        return Caller(None, state.anonymous_ceiling)
    key = state.keys.match(presented)
    if key is None:
        raise UnauthorizedError("the API key is not valid")
    return Caller(key, key.ceiling)


CallerDep = Annotated[Caller, Depends(get_caller)]


async def require_writer(state: StateDep, caller: CallerDep) -> Caller:
    """Writes need a valid key when keys are configured; with none, a server bound to loopback."""
    if state.keys.configured:
        if caller.key is None:
            raise UnauthorizedError("this endpoint needs an API key: send X-API-Key or Authorization: Bearer")
        return caller
    if not is_loopback(state.settings.host):
        raise ForbiddenError(
            f"writes are refused: the server listens on {state.settings.host}, not loopback, and no "
            "CABLEQA_API_KEY is set; set one (or CABLEQA_API_KEYS) to allow writes")
    return caller


WriterDep = Annotated[Caller, Depends(require_writer)]


async def get_client(request: Request) -> str:
    """The client's address, as the rate limiter counts it."""
    return client_of(request.scope)


ClientDep = Annotated[str, Depends(get_client)]
