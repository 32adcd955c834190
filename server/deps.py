"""FastAPI dependencies: the service container, typed once for every route."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from server.services import Services


async def get_services(request: Request) -> Services:
    """The services opened by the app's lifespan.

    A coroutine on purpose: FastAPI runs a plain function dependency in its thread pool,
    which costs every request a thread hand-off for one attribute read.
    """
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]
