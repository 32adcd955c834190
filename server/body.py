"""Reading request bodies with a size cap and a deadline, so no POST can exhaust the server.

A huge body gets 413; a body that trickles in slower than `BODY_SECONDS` gets 408 instead
of holding a connection open for ever; a client that hangs up mid-body gets a logged 400
instead of an ERROR traceback.
"""

from __future__ import annotations

import asyncio
import logging

from fastapi import HTTPException, Request, status
from starlette.requests import ClientDisconnect

logger = logging.getLogger(__name__)

BODY_SECONDS = 10.0
"""The longest a webhook body may take to arrive; Meta and Nuvemshop send theirs at once."""


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body (needed for signatures), or 413, 408 or 400 as above."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isascii() and declared.isdigit():
        if int(declared) > limit:
            raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, "body too large")
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(BODY_SECONDS):
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, "body too large")
                chunks.append(chunk)
    except TimeoutError:
        logger.warning("request body not received within %.0f s", BODY_SECONDS)
        raise HTTPException(status.HTTP_408_REQUEST_TIMEOUT, "body too slow") from None
    except ClientDisconnect:
        logger.info("client disconnected before its body arrived")
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "client disconnected") from None
    return b"".join(chunks)
