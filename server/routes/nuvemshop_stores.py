"""Nuvemshop webhooks of a deployment that serves many stores, at the one URL an app has.

A partner app has one set of webhook URLs for every store that installs it (the LGPD ones
are set once, in the partner portal), so they arrive here and each goes to the store its
body names (`store_id`). It is handed to that store's own route
(`/stores/<slug>/webhooks/nuvemshop...`) unchanged, signature included, through the app
itself: the store's route checks the signature with the store's secret and queues the
event with the store's service, exactly as a webhook sent there directly.
"""

from __future__ import annotations

import json

import httpx
from fastapi import APIRouter, HTTPException, Request, Response, status

from server.body import read_body
from server.deps import StoresDep
from server.routes.store_webhooks import MAX_BODY_BYTES, PRIVACY_ROUTES

router = APIRouter(prefix="/webhooks/nuvemshop", tags=["store webhooks"])
FORWARDED = ("content-type", "x-linkedstore-hmac-sha256")


def _store_id(body: bytes) -> str:
    """The `store_id` the body names; 400 for a body that names none."""
    try:
        payload = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "body is not JSON") from None
    store_id = payload.get("store_id") if isinstance(payload, dict) else None
    if isinstance(store_id, bool) or not isinstance(store_id, int | str) or not str(store_id):
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "expected {store_id, ...}")
    return str(store_id)


async def _hand_over(request: Request, stores: StoresDep, suffix: str) -> Response:
    body = await read_body(request, MAX_BODY_BYTES)
    slug = stores.slug_for_nuvemshop(_store_id(body))
    if slug is None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "unknown store")
    headers = {name: value for name in FORWARDED if (value := request.headers.get(name))}
    transport = httpx.ASGITransport(app=request.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://atendente") as inside:
        answer = await inside.post(
            f"/stores/{slug}/webhooks/nuvemshop{suffix}", content=body, headers=headers
        )
    return Response(
        answer.content,
        status_code=answer.status_code,
        media_type=answer.headers.get("content-type"),
    )


@router.post("")
async def order_event(request: Request, stores: StoresDep) -> Response:
    """An order event (or `app/uninstalled`), for the store it names."""
    return await _hand_over(request, stores, "")


@router.post("/{topic}")
async def privacy_event(topic: str, request: Request, stores: StoresDep) -> Response:
    """An LGPD event, for the store it names."""
    if topic not in PRIVACY_ROUTES:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "unknown privacy topic")
    return await _hand_over(request, stores, f"/{topic}")
