"""The development playground's view of the running service.

It reads what the offline Graph API recorded for a customer, turned back into the shape
the graph writes, merged in time order with what the customer typed in the playground
(kept beside it, so every tab shows the whole conversation); whether a person owns the
conversation (an open ticket); and the path of the customer's last turn, which the worker
notes in development mode.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from agent.turn import TurnResult
from composition.settings import Settings
from composition.wiring import departments, redis_tickets
from integrations.redis.client import RedisClient
from integrations.whatsapp.fake_graph import recorded_messages

TURN_SECONDS = 24 * 3600
TYPED_KEEP = 200


def _as_message(payload: dict[str, Any]) -> dict[str, Any]:
    """A Graph API send request back into the graph's outbox shape."""
    kind = payload.get("type")
    if kind == "text":
        return {"type": "text", "text": payload.get("text", {}).get("body", "")}
    if kind == "template":
        template = payload.get("template", {})
        parameters = [
            p.get("text", "")
            for component in template.get("components", [])
            for p in component.get("parameters", [])
        ]
        return {
            "type": "template",
            "text": f"[modelo {template.get('name')}] " + " · ".join(parameters),
            "template": template,
        }
    if kind in ("image", "document"):
        media = payload.get(kind, {})
        return {
            "type": kind,
            "text": media.get("caption", ""),
            "filename": media.get("filename") or ("foto" if kind == "image" else "arquivo"),
        }
    interactive = payload.get("interactive", {})
    text = interactive.get("body", {}).get("text", "")
    action = interactive.get("action", {})
    if interactive.get("type") == "button":
        buttons = [b.get("reply", {}) for b in action.get("buttons", [])]
        return {
            "type": "buttons",
            "text": text,
            "buttons": [{"id": b.get("id", ""), "title": b.get("title", "")} for b in buttons],
        }
    rows = [row for section in action.get("sections", []) for row in section.get("rows", [])]
    return {"type": "list", "text": text, "button": action.get("button", ""), "rows": rows}


def _when(message: dict[str, Any]) -> datetime:
    try:
        return datetime.fromisoformat(str(message.get("at")))
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)


def turn_key(prefix: str, wa_id: str) -> str:
    """Where the worker notes a customer's last turn in development mode."""
    return f"{prefix}:dev:last-turn:{{{wa_id}}}"


async def note_turn(redis: RedisClient, prefix: str, wa_id: str, result: TurnResult) -> None:
    """Remember the path, intent and tool calls of the customer's last turn."""
    noted = {"path": result.path, "intent": result.intent, "tools": result.tools}
    await redis.set(turn_key(prefix, wa_id), json.dumps(noted, ensure_ascii=False), ex=TURN_SECONDS)


class DevPlayground:
    """`PlaygroundBackend` for the running service with the offline Graph API."""

    def __init__(self, redis: RedisClient, settings: Settings, phone_number_id: str) -> None:
        """Read the recordings kept under the service's Redis prefix."""
        self._redis = redis
        self._prefix = settings.redis_prefix
        self._tickets = redis_tickets(settings, redis)
        self._departments = departments(settings)
        self.app_secret = settings.whatsapp_secret or ""
        self.phone_number_id = phone_number_id

    def _typed_key(self, wa_id: str) -> str:
        return f"{self._prefix}:dev:typed:{wa_id}"

    async def note_typed(self, wa_id: str, text: str) -> None:
        """Keep what the customer wrote, so a new tab shows their side too."""
        entry = json.dumps({"text": text, "at": datetime.now(UTC).isoformat()}, ensure_ascii=False)
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.rpush(self._typed_key(wa_id), entry)
            pipe.ltrim(self._typed_key(wa_id), -TYPED_KEEP, -1)
            pipe.expire(self._typed_key(wa_id), TURN_SECONDS)
            await pipe.execute()

    async def conversation(self, wa_id: str) -> list[dict[str, Any]]:
        """Both sides of the conversation, oldest first, each with `from`."""
        typed: Any = await self._redis.lrange(self._typed_key(wa_id), 0, -1)
        mine = [{**json.loads(raw), "type": "text", "from": "customer"} for raw in typed]
        theirs = [{**m, "from": "bot"} for m in await self.sent(wa_id)]
        return sorted(mine + theirs, key=_when)

    async def handoff(self, wa_id: str) -> dict[str, Any] | None:
        """The open ticket of a customer a person now talks to, or None."""
        open_tickets = [t for t in await self._tickets.for_sender(wa_id) if not t.closed]
        if not open_tickets:
            return None
        ticket = open_tickets[-1]
        department = self._departments.get(ticket.department)
        return {
            "ticket": ticket.id,
            "department": ticket.department,
            "label": department.label if department else ticket.department,
        }

    async def sent(self, wa_id: str) -> list[dict[str, Any]]:
        """What the bot sent the customer, oldest first."""
        recorded = await recorded_messages(self._redis, f"{self._prefix}:dev", wa_id)
        messages = []
        for entry in recorded:
            payload = entry.get("payload", entry)
            message = _as_message(payload)
            at = entry.get("at")
            message["at"] = (
                datetime.fromtimestamp(at, UTC).isoformat() if isinstance(at, int | float) else ""
            )
            messages.append(message)
        return messages

    async def last_turn(self, wa_id: str) -> dict[str, Any] | None:
        """The customer's last turn, if one ran in the last day."""
        raw = await self._redis.get(turn_key(self._prefix, wa_id))
        return json.loads(raw) if raw else None
