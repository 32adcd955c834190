"""FastAPI dependencies: the service container, typed once for every route."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from server.services import Services


def get_services(request: Request) -> Services:
    """The services opened by the app's lifespan."""
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]
