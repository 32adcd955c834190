"""Meta as seen from outside: the Cloud API's messages endpoint and its status webhooks.

An HTTP app (serve it with `tests.server.serving.serving`) that checks each request as the
Cloud API does (`FakeGraphAPI`), and for every message it accepts posts the signed "sent"
status webhook to the service before answering, as Meta does within a second. The status
carries the message's `biz_opaque_callback_data`, so a sender that died after Meta took a
message finds it acknowledged and does not send it again. Like Meta, it delivers the
status again until the service answers 200.
"""

from __future__ import annotations

import asyncio
import json
import queue
import time
from collections.abc import Mapping

import httpx
from fastapi import FastAPI, Request, Response

from integrations.whatsapp.fake_graph import FakeGraphAPI
from tests.server import whatsapp

TOKEN = "meta-access-token-for-tests"
NUMBER = whatsapp.PHONE_NUMBER_ID
APP_SECRET = "meta-app-secret-for-tests"
DELIVERY_SECONDS = 60.0
"""How long a webhook is delivered again before the test fails; never reached when it passes."""


def whatsapp_env(api_url: str) -> dict[str, str]:
    """The variables that point a service process at the Meta served on `api_url`."""
    return {
        "WHATSAPP_ACCESS_TOKEN": TOKEN,
        "WHATSAPP_PHONE_NUMBER_ID": NUMBER,
        "WHATSAPP_APP_SECRET": APP_SECRET,
        "WHATSAPP_API_URL": api_url,
    }


class Meta:
    """The Cloud API's messages endpoint and its status webhooks to `webhook_url`."""

    def __init__(self, webhook_url: str, *, hold_seconds: float = 0.0) -> None:
        self.fake = FakeGraphAPI(access_token=TOKEN, phone_number_id=NUMBER)
        self.webhook_url = webhook_url
        self.hold_seconds = hold_seconds
        """How long the answer to an accepted message is held after its status went out."""
        self.accepted: list[tuple[str, str]] = []
        """(recipient, callback data) of every message Meta took, in order."""
        self.holding: queue.Queue[str] = queue.Queue()
        """The callback data of each accepted message, while its answer is held."""
        self.app = FastAPI()
        self.app.post("/{version}/{number}/messages")(self.messages)

    async def messages(self, version: str, number: str, request: Request) -> Response:
        body = await request.body()
        forwarded = httpx.Request(
            "POST", str(request.url), headers=request.headers.raw, content=body
        )
        answer = await self.fake.handle(forwarded)
        sent = json.loads(body) if answer.status_code == 200 else {}
        reference = sent.get("biz_opaque_callback_data")
        if reference is not None:  # a message, not a read receipt
            self.accepted.append((sent["to"], reference))
            await self.echo(sent["to"], reference)
            self.holding.put(reference)
            await asyncio.sleep(self.hold_seconds)
        return Response(answer.content, answer.status_code, media_type="application/json")

    async def echo(self, recipient: str, reference: str) -> None:
        """The `sent` status webhook, signed with the app secret, delivered until it is taken."""
        status = whatsapp.status(recipient, "sent", callback_data=reference)
        body, headers = whatsapp.signed(status, APP_SECRET)
        async with httpx.AsyncClient() as http:
            await deliver(http, f"{self.webhook_url}/webhooks/whatsapp", body, headers)


async def deliver(
    http: httpx.AsyncClient, url: str, body: bytes, headers: Mapping[str, str]
) -> list[str]:
    """POST a webhook until it is answered 200, as Meta does; what each failed attempt got."""
    failures: list[str] = []
    deadline = time.monotonic() + DELIVERY_SECONDS
    while True:
        try:
            reply = await http.post(url, content=body, headers=headers)
            if reply.status_code == 200:
                return failures
            failures.append(f"HTTP {reply.status_code}")
        except httpx.TransportError as error:
            failures.append(type(error).__name__)
        assert time.monotonic() < deadline, f"webhook never taken: {failures[-3:]}"
        await asyncio.sleep(0.2)
