"""Liveness and readiness: is the process up, and can it reach Redis."""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from redis.exceptions import RedisError

from server.deps import ServicesDep

router = APIRouter(tags=["health"])


@router.get("/health")
async def health(services: ServicesDep, response: Response) -> dict[str, str]:
    """200 when Redis answers, 503 otherwise (so a load balancer stops sending traffic)."""
    try:
        await services.redis.ping()
    except (RedisError, OSError):
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return {"status": "degraded", "redis": "unreachable"}
    return {"status": "ok", "redis": "ok"}
