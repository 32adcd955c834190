"""LGPD duties from Nuvemshop's privacy webhooks: forget a customer, forget a store, export.

A customer is found by the WhatsApp ids their phone maps to (with and without the ninth
digit, as WhatsApp ids of older Brazilian mobiles lack it); their conversations, queued
messages, tickets, cached orders, dead letters, exports and every key the registry
(`server.key_registry`) names after them are deleted. `store/redact` deletes every key
family the registry marks as personal. An export gathers a customer's data into a JSON
file for the store to hand over.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from langchain_core.messages import BaseMessage

from integrations.redis.client import RedisClient
from integrations.redis.layout import thread_ref
from integrations.redis.protection import PLAIN, Protection, UnsealError
from integrations.redis.saver import RedisSaver
from server.inbound import InboundIntake
from server.key_registry import customer_keys, store_patterns
from server.outbox import Outbox
from tools.automations import whatsapp_id
from tools.ticket_store import RedisTicketStore

logger = logging.getLogger(__name__)

PRIVACY_EVENTS = frozenset({"store/redact", "customers/redact", "customers/data_request"})


def customer_ids(phone: str | None) -> list[str]:
    """Every WhatsApp id a Brazilian phone may appear under."""
    base = whatsapp_id(phone)
    if base is None:
        return []
    ids = [base]
    national = base[2:]
    if len(national) == 11 and national[2] == "9":
        ids.append("55" + national[:2] + national[3:])
    elif len(national) == 10:
        ids.append("55" + national[:2] + "9" + national[2:])
    return ids


def _customer_marks(customer: dict[str, Any]) -> list[str]:
    """Strings whose presence in a record means it is about this customer."""
    marks = list(customer_ids(customer.get("phone")))
    for key in ("email", "identification"):
        value = customer.get(key)
        if isinstance(value, str) and len(value) >= 5:
            marks.append(value.strip().lower())
    return marks


def _flat(record: Any) -> str:
    """A record's text, lower-cased, for looking for a customer's marks in it."""
    if isinstance(record, dict):
        pairs = [(_flat(key), _flat(value)) for key, value in record.items()]
        return " ".join(f"{key} {value}" for key, value in pairs)
    if isinstance(record, bytes):
        return record.decode("utf-8", "replace").lower()
    return str(record).lower()


def _message_view(message: BaseMessage) -> dict[str, str]:
    return {
        "from": "cliente" if message.type == "human" else "atendente",
        "text": str(message.content),
    }


class PrivacyService:
    """Carries out customers/redact, store/redact and customers/data_request."""

    def __init__(
        self,
        client: RedisClient,
        saver: RedisSaver,
        outbox: Outbox,
        *,
        prefix: str,
        exports_dir: Path,
        forget_cached: Callable[[dict[str, Any]], Awaitable[None]] | None = None,
        tickets: RedisTicketStore | None = None,
        intake: InboundIntake | None = None,
        protection: Protection = PLAIN,
    ) -> None:
        """`forget_cached` drops cached store data about a customer, when a cache is used.

        `protection` must name keys as the service does (the same encryption key).
        """
        self._client = client
        self._saver = saver
        self._outbox = outbox
        self._prefix = prefix
        self._intake = intake or InboundIntake(client, prefix, protection)
        self._protection = protection
        self._exports_dir = exports_dir
        self._forget_cached = forget_cached
        self._tickets = tickets

    async def handle(self, event: str, payload: dict[str, Any]) -> None:
        """Dispatch one privacy event."""
        if event == "customers/redact":
            await self.redact_customer(payload.get("customer") or {})
        elif event == "customers/data_request":
            await self.export_customer(payload)
        elif event == "store/redact":
            await self.redact_store()

    async def redact_customer(self, customer: dict[str, Any]) -> int:
        """Delete everything we hold about the customer; returns the threads deleted."""
        deleted = 0
        for wa_id in customer_ids(customer.get("phone")):
            if await self._saver.aget_tuple({"configurable": {"thread_id": wa_id}}):
                deleted += 1
            await self._saver.adelete_thread(wa_id)
            await self._outbox.forget(wa_id)
            await self._intake.forget(wa_id)
            await self._client.delete(*customer_keys(self._prefix, wa_id, self._protection))
            if self._tickets is not None:
                await self._tickets.forget_sender(wa_id)
        if self._forget_cached is not None:
            await self._forget_cached(customer)
        marks = _customer_marks(customer)
        buried = await self._erase_dead_letters(marks)
        exports = self._erase_exports(customer, marks)
        logger.info(
            "customer redacted: %d conversation(s), %d dead letter(s), %d export(s) deleted",
            deleted,
            buried,
            exports,
        )
        return deleted

    async def _erase_dead_letters(self, marks: list[str]) -> int:
        """Delete dead-lettered entries that mention the customer (none is kept for good)."""
        if not marks:
            return 0
        erased = 0
        async for stream in self._client.scan_iter(match=f"{self._prefix}:*:dead"):
            entries: Any = await self._client.xrange(stream)
            doomed = [
                entry_id
                for entry_id, fields in entries
                if any(mark in self._opened(fields) for mark in marks)
            ]
            if doomed:
                erased += await self._client.xdel(stream, *doomed)
        return erased

    def _opened(self, fields: dict[Any, Any]) -> str:
        """A dead letter's text, its sealed fields opened (unreadable ones stay as they are)."""
        opened = {}
        for name, value in fields.items():
            text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
            try:
                opened[name] = self._protection.unseal(text)
            except UnsealError:
                opened[name] = text
        return _flat(opened)

    def _erase_exports(self, customer: dict[str, Any], marks: list[str]) -> int:
        """Delete earlier data-request exports of this customer."""
        if not self._exports_dir.is_dir():
            return 0
        erased = 0
        for path in self._exports_dir.glob("data-request-*.json"):
            try:
                exported = json.loads(path.read_text(encoding="utf-8")).get("customer") or {}
            except (OSError, ValueError):
                continue
            same_id = customer.get("id") is not None and exported.get("id") == customer.get("id")
            if same_id or any(mark in _flat(exported) for mark in marks):
                path.unlink(missing_ok=True)
                erased += 1
        return erased

    async def redact_store(self) -> int:
        """Delete every conversation, window, queued message and cache of the store."""
        patterns = store_patterns(self._prefix)
        deleted = 0
        for pattern in patterns:
            batch = [key async for key in self._client.scan_iter(match=pattern)]
            for start in range(0, len(batch), 500):
                deleted += await self._client.unlink(*batch[start : start + 500])
        if self._exports_dir.is_dir():
            for path in self._exports_dir.glob("data-request-*.json"):
                path.unlink(missing_ok=True)
        logger.info("store redacted: %d key(s) deleted", deleted)
        return deleted

    async def export_customer(self, payload: dict[str, Any]) -> Path:
        """Write what we hold about the customer to a JSON file only the owner can read."""
        customer = payload.get("customer") or {}
        conversations = []
        for wa_id in customer_ids(customer.get("phone")):
            found = await self._saver.aget_tuple({"configurable": {"thread_id": wa_id}})
            if found is None:
                continue
            values = found.checkpoint["channel_values"]
            conversations.append(
                {
                    "whatsapp_id": wa_id,
                    "messages": [
                        _message_view(m)
                        for m in values.get("messages", [])
                        if m.type in ("human", "ai") and m.content
                    ],
                    "identity_given": values.get("identity", {}),
                    "verified_orders": values.get("verified_orders", []),
                    "handoff": values.get("handoff"),
                    "queued_messages": [e.messages for e in await self._outbox.entries(wa_id)],
                }
            )
        request_id = str((payload.get("data_request") or {}).get("id") or "request")
        export = {
            "store_id": payload.get("store_id"),
            "data_request_id": request_id,
            "generated_at": datetime.now(UTC).isoformat(),
            "customer": {k: customer.get(k) for k in ("id", "email", "phone", "identification")},
            "conversations": conversations,
        }
        self._exports_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = self._exports_dir / f"data-request-{payload.get('store_id')}-{request_id}.json"
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            json.dump(export, file, ensure_ascii=False, indent=2, default=str)
        logger.info(
            "data request %s exported (%d conversation(s), customer %s)",
            request_id,
            len(conversations),
            thread_ref(str(customer.get("id"))),
        )
        return path
