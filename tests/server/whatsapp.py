"""Meta's webhook payloads, as the Cloud API sends them, for the tests."""

from __future__ import annotations

import itertools
import json
import time
from typing import Any

from composition.settings import DEMO_WHATSAPP_SECRET
from server.signatures import hex_signature

PHONE_NUMBER_ID = "109876543210"
_ids = itertools.count(1)


def message(
    wa_id: str,
    text: str | None = None,
    *,
    kind: str = "text",
    body: dict[str, Any] | None = None,
    wamid: str | None = None,
    timestamp: int | None = None,
    name: str = "Cliente",
    number: str = PHONE_NUMBER_ID,
) -> dict[str, Any]:
    """A `messages` webhook with one message from `wa_id` to the business `number`."""
    entry: dict[str, Any] = {
        "from": wa_id,
        "id": wamid or f"wamid.HBgN{next(_ids):08d}",
        "timestamp": str(timestamp or int(time.time())),
        "type": kind,
    }
    if kind == "text":
        entry["text"] = {"body": text or ""}
    else:
        entry[kind] = body or {}
    return envelope(
        {"contacts": [{"profile": {"name": name}, "wa_id": wa_id}], "messages": [entry]}, number
    )


def status(
    recipient: str,
    state: str,
    *,
    errors: list[dict[str, Any]] | None = None,
    callback_data: str | None = None,
) -> dict[str, Any]:
    """A `statuses` webhook about a message we sent."""
    item: dict[str, Any] = {
        "id": "wamid.OUT1",
        "status": state,
        "timestamp": str(int(time.time())),
        "recipient_id": recipient,
    }
    if errors:
        item["errors"] = errors
    if callback_data:
        item["biz_opaque_callback_data"] = callback_data
    return envelope({"statuses": [item]})


def envelope(value: dict[str, Any], number: str = PHONE_NUMBER_ID) -> dict[str, Any]:
    """The outer shape every Cloud API webhook shares, for the business `number`."""
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "WABA_ID",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": "5511999990000",
                                "phone_number_id": number,
                            },
                            **value,
                        },
                    }
                ],
            }
        ],
    }


def signed(
    payload: dict[str, Any] | bytes, secret: str = DEMO_WHATSAPP_SECRET
) -> tuple[bytes, dict[str, str]]:
    """The body and headers Meta would send."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return body, {
        "content-type": "application/json",
        "x-hub-signature-256": "sha256=" + hex_signature(secret, body),
    }
