"""Operations endpoints for orchestrators and Prometheus: liveness, readiness, metrics.

`/healthz` does no I/O, so a slow Redis never gets a healthy process restarted; `/readyz`
checks Redis, so a load balancer stops sending webhooks to a process that could not store
them. `/metrics` reads the queue gauges from Redis at scrape time and still answers (without
them) when Redis is down.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status
from redis.exceptions import RedisError

from server.deps import DeploymentDep
from server.metrics import METRICS
from server.services import Services

logger = logging.getLogger(__name__)
router = APIRouter(tags=["ops"])

QueueNames = dict[str, tuple[str, str]]
"""Label -> (stream, consumer group)."""

REDIS_TIMEOUT_SECONDS = 2.0
"""Well under a probe's or a scrape's own timeout, so they get our answer, not theirs."""


def service_queues(services: Services, store: str = "") -> QueueNames:
    """The queues whose depth and lag `/metrics` reports: label -> (stream, group).

    `store` (a store's slug, in a deployment of many) starts each of its labels.
    """
    head = f"{store.replace('-', '_')}_" if store else ""
    queues = {f"{head}store_events": (services.store_events.stream, services.store_events.group)}
    for name, sharded in (("inbound", services.inbound_queue), ("outbox", services.outbox_queue)):
        streams = sharded.streams
        for index, stream in enumerate(streams):
            label = name if len(streams) == 1 else f"{name}_{index}"
            queues[f"{head}{label}"] = (stream, sharded.group)
    return queues


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """200 while the process can answer at all."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(deployment: DeploymentDep, response: Response) -> dict[str, str]:
    """200 when Redis answers PING in time and every store's loops run; 503 with why."""
    down = [
        f"{slug}/{name}" if slug else name
        for slug, services in deployment.items()
        for name in services.loops.down()
    ]
    redis = next(iter(deployment.values())).redis
    if down:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return {"status": "unavailable", "reason": f"loops down: {', '.join(down)}"}
    try:
        await asyncio.wait_for(redis.ping(), REDIS_TIMEOUT_SECONDS)
    except (RedisError, OSError, TimeoutError) as error:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return {"status": "unavailable", "reason": f"redis unreachable ({type(error).__name__})"}
    return {"status": "ready"}


async def get_queues(deployment: DeploymentDep) -> QueueNames:
    """The queues `/metrics` reports on: every store's."""
    queues: QueueNames = {}
    for slug, services in deployment.items():
        queues.update(service_queues(services, slug))
    return queues


QueuesDep = Annotated[QueueNames, Depends(get_queues)]


@router.get("/metrics")
async def metrics(deployment: DeploymentDep, queues: QueuesDep, request: Request) -> Response:
    """Prometheus exposition, in the format the scraper's Accept header asks for."""
    redis = next(iter(deployment.values())).redis
    try:
        await asyncio.wait_for(
            METRICS.refresh_queue_gauges(redis, queues),
            REDIS_TIMEOUT_SECONDS,
        )
    except (RedisError, OSError, TimeoutError) as error:
        logger.warning("queue gauges skipped: redis unreachable (%s)", type(error).__name__)
    body, content_type = METRICS.render(request.headers.get("accept"))
    return Response(content=body, media_type=content_type)
