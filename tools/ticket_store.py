"""Handoff tickets in Redis, shared by every server and worker process.

Every key sits under `{prefix}:{tickets}`: one hash tag, so the transactions and scripts
below touch a single slot on Redis Cluster (ticket traffic is small enough for one), and
`{prefix}:{tickets}*` finds them all when a store's data must be deleted.

    {prefix}:{tickets}:seq                  counter behind the ATD-<n> ids
    {prefix}:{tickets}:t:<id>               hash: the ticket's fields, `evidence` as JSON
    {prefix}:{tickets}:t:<id>:in            list: what the customer said since the handoff
    {prefix}:{tickets}:t:<id>:out           list: the department's replies, as JSON
    {prefix}:{tickets}:t:<id>:log           list: the timeline, one `TicketEvent` as JSON each
    {prefix}:{tickets}:open                 sorted set: open tickets by opened time
    {prefix}:{tickets}:open:<department>    sorted set: the same, per department
    {prefix}:{tickets}:activity             sorted set: open tickets by last activity
    {prefix}:{tickets}:sender:<sha256>      set: one customer's ticket ids

Closed tickets expire after `retention`, so they live no longer than the conversations
they belong to; the sender index is refreshed to outlive each of them. With an encryption
key (`Protection`), the customer's id, the evidence, the order number and every message
are sealed, and the sender index is named by a keyed digest instead of a SHA-256.

Each change is also a `TicketEvent`: kept on the ticket's timeline, moving the ticket's
activity score (which the inbox's live updates watch), and handed to the listeners (the
signed outbound webhook). It passes 300 lines because the Lua scripts and the key layout of one
store belong together.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from integrations.clock import utc_now
from integrations.redis.client import RedisClient
from integrations.redis.protection import PLAIN, Protection
from tools.departments import Ticket
from tools.ticket_events import StaffMember, TicketEvent, TicketListener

MAX_MESSAGES = 500
"""Customer messages (and, separately, replies) kept per ticket, newest last."""

MAX_EVENTS = 2000
"""Timeline entries kept per ticket, newest last."""

_RECORD = """
if redis.call('HGET', KEYS[1], 'closed') ~= '0' then return 0 end
if ARGV[1] == 'push' then
  redis.call('RPUSH', KEYS[2], ARGV[2])
  redis.call('LTRIM', KEYS[2], -tonumber(ARGV[3]), -1)
end
if ARGV[7] ~= '' then
  redis.call('RPUSH', KEYS[4], ARGV[7])
  redis.call('LTRIM', KEYS[4], -tonumber(ARGV[8]), -1)
end
for i = 9, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('HSET', KEYS[1], 'last_activity', ARGV[4])
redis.call('ZADD', KEYS[3], ARGV[5], ARGV[6])
return 1
"""

_TRANSFER = """
if redis.call('HGET', KEYS[1], 'closed') ~= '0' then return 0 end
if redis.call('HGET', KEYS[1], 'department') ~= ARGV[1] then return 0 end
local score = redis.call('ZSCORE', KEYS[3], ARGV[3]) or ARGV[6]
redis.call('ZREM', KEYS[3], ARGV[3])
redis.call('ZADD', KEYS[4], score, ARGV[3])
redis.call('HSET', KEYS[1], 'department', ARGV[2], 'assignee', '', 'last_activity', ARGV[7])
redis.call('RPUSH', KEYS[2], ARGV[4])
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[5]), -1)
redis.call('ZADD', KEYS[5], ARGV[6], ARGV[3])
return 1
"""

_CLOSE = """
if redis.call('HGET', KEYS[1], 'closed') ~= '0' then return 0 end
redis.call('HSET', KEYS[1], 'closed', '1', 'closed_at', ARGV[1])
redis.call('ZREM', KEYS[4], ARGV[2])
redis.call('ZREM', KEYS[5], ARGV[2])
redis.call('ZREM', KEYS[6], ARGV[2])
if tonumber(ARGV[3]) > 0 then
  for i = 1, 3 do redis.call('EXPIRE', KEYS[i], ARGV[3]) end
  redis.call('EXPIRE', KEYS[7], ARGV[3])
  redis.call('EXPIRE', KEYS[8], ARGV[3])
end
return 1
"""


@dataclass(frozen=True, slots=True)
class StaffReply:
    """A message a department sent the customer through the admin API."""

    text: str
    at: datetime


@dataclass(frozen=True, slots=True)
class TicketActivity:
    """What happened on a ticket besides the customer's messages."""

    last_activity: datetime
    """The newest customer message or staff reply; the idle sweep reads this."""
    closed_at: datetime | None
    replies: list[StaffReply]


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value)


class RedisTicketStore:
    """A `TicketStore` on plain Redis commands, plus the queries the admin API needs."""

    def __init__(
        self,
        client: RedisClient,
        prefix: str,
        *,
        clock: Callable[[], datetime] = utc_now,
        retention: timedelta | None = timedelta(days=30),
        protection: Protection = PLAIN,
    ) -> None:
        """Keep tickets under `prefix`; closed ones expire after `retention` (None: never)."""
        self._client = client
        self._protection = protection
        self._base = f"{prefix}:{{tickets}}"
        self._clock = clock
        self._retention = int(retention.total_seconds()) if retention else 0
        self._record = client.register_script(_RECORD)
        self._close = client.register_script(_CLOSE)
        self._transfer = client.register_script(_TRANSFER)
        self._listeners: list[TicketListener] = []

    def listen(self, listener: TicketListener) -> None:
        """Hand every stored event to `listener` (the outbound webhook)."""
        self._listeners.append(listener)

    async def _emit(self, ticket: Ticket, event: TicketEvent) -> None:
        """Hand a stored event to the listeners."""
        for listener in self._listeners:
            await listener(ticket, event)

    async def open_activity(self) -> dict[str, float]:
        """Every open ticket id with the time of its last event, in one command.

        Every event moves this score, so a live view that polls it sees each change.
        """
        pairs: Any = await self._client.zrange(self._activity, 0, -1, withscores=True)
        return {_text(ticket_id): float(score) for ticket_id, score in pairs}

    def _sealed(self, event: TicketEvent) -> str:
        return self._protection.seal(json.dumps(event.as_dict(), ensure_ascii=False, default=str))

    @property
    def pattern(self) -> str:
        """A SCAN pattern matching every ticket key, for deleting a whole store's data."""
        return f"{self._base}*"

    def _ticket(self, ticket_id: str) -> str:
        return f"{self._base}:t:{ticket_id}"

    def _open(self, department: str | None = None) -> str:
        return f"{self._base}:open" + (f":{department}" if department else "")

    def _sender(self, sender_id: str) -> str:
        if self._protection.hides:
            return f"{self._base}:sender:{self._protection.name(sender_id)}"
        return f"{self._base}:sender:{hashlib.sha256(sender_id.encode()).hexdigest()}"

    @property
    def _activity(self) -> str:
        return f"{self._base}:activity"

    async def open(
        self,
        *,
        department: str,
        reason: str,
        sender_id: str,
        order_number: str | None,
        evidence: dict[str, Any] | None = None,
    ) -> Ticket:
        """Open a ticket numbered ATD-<n>, unique across every process on this Redis."""
        number = int(await self._client.incr(f"{self._base}:seq"))
        now = self._clock()
        ticket = Ticket(
            id=f"ATD-{number:05d}",
            department=department,
            reason=reason,
            sender_id=sender_id,
            order_number=order_number,
            opened_at=now,
            evidence=dict(evidence or {}),
        )
        seal = self._protection.seal
        fields: dict[Any, str] = {
            "id": ticket.id,
            "department": department,
            "reason": reason,
            "sender_id": seal(sender_id),
            "opened_at": now.isoformat(),
            "last_activity": now.isoformat(),
            "evidence": seal(json.dumps(ticket.evidence, ensure_ascii=False, default=str)),
            "closed": "0",
        }
        if order_number is not None:
            fields["order_number"] = seal(order_number)
        score = now.timestamp()
        sender = self._sender(sender_id)
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.hset(self._ticket(ticket.id), mapping=fields)
            pipe.zadd(self._open(), {ticket.id: score})
            pipe.zadd(self._open(department), {ticket.id: score})
            pipe.zadd(self._activity, {ticket.id: score})
            pipe.sadd(sender, ticket.id)
            if self._retention:
                pipe.expire(sender, self._retention)
            opened = TicketEvent("opened", now, details={"reason": reason})
            pipe.rpush(f"{self._ticket(ticket.id)}:log", self._sealed(opened))
            await pipe.execute()
        await self._emit(ticket, opened)
        return ticket

    async def _record_activity(
        self,
        ticket_id: str,
        list_key: str | None,
        value: str,
        event: TicketEvent | None = None,
        fields: dict[str, str] | None = None,
    ) -> bool:
        """Push `value` to `list_key` and `event` to the timeline of an open ticket, at once."""
        now = self._clock()
        key = self._ticket(ticket_id)
        done: Any = await self._record(
            keys=[key, list_key or f"{key}:in", self._activity, f"{key}:log"],
            args=[
                "push" if list_key else "touch",
                value,
                MAX_MESSAGES,
                now.isoformat(),
                now.timestamp(),
                ticket_id,
                self._sealed(event) if event else "",
                MAX_EVENTS,
                *(item for pair in (fields or {}).items() for item in pair),
            ],
        )
        if done and event is not None:
            ticket = await self._head(ticket_id)
            if ticket is not None:
                await self._emit(ticket, event)
        return bool(done)

    async def append(self, ticket_id: str, text: str) -> None:
        """Record a customer message on an open ticket; it also counts as activity."""
        event = TicketEvent("customer_message", self._clock(), text=text)
        await self._record_activity(
            ticket_id, f"{self._ticket(ticket_id)}:in", self._protection.seal(text), event
        )

    async def record_reply(
        self,
        ticket_id: str,
        text: str,
        *,
        by: StaffMember | None = None,
        details: dict[str, Any] | None = None,
    ) -> bool:
        """Record a department's reply; False when the ticket is unknown or closed.

        `details` says what else went out with the text (a photo, a template).
        """
        now = self._clock()
        reply = json.dumps({"text": text, "at": now.isoformat()}, ensure_ascii=False)
        event = TicketEvent("agent_reply", now, text=text, by=by, details=dict(details or {}))
        return await self._record_activity(
            ticket_id, f"{self._ticket(ticket_id)}:out", self._protection.seal(reply), event
        )

    async def note(self, ticket_id: str, text: str, *, by: StaffMember) -> bool:
        """Add an internal note, which the customer never sees; False when closed."""
        event = TicketEvent("note", self._clock(), text=text, by=by)
        return await self._record_activity(ticket_id, None, "", event)

    async def assign(self, ticket_id: str, assignee: StaffMember, *, by: StaffMember) -> bool:
        """Give the ticket to one staff member of its department; False when closed."""
        event = TicketEvent(
            "assigned", self._clock(), by=by, details={"assignee": assignee.as_dict()}
        )
        fields = {"assignee": json.dumps(assignee.as_dict(), ensure_ascii=False)}
        return await self._record_activity(ticket_id, None, "", event, fields)

    async def transfer(self, ticket_id: str, department: str, *, by: StaffMember) -> bool:
        """Move the ticket to another department's queue, unassigned; False when it cannot."""
        now = self._clock()
        key = self._ticket(ticket_id)
        origin: Any = await self._client.hget(key, "department")
        if origin is None or _text(origin) == department:
            return False
        event = TicketEvent(
            "transferred", now, by=by, details={"from": _text(origin), "to": department}
        )
        moved: Any = await self._transfer(
            keys=[key, f"{key}:log", self._open(_text(origin)), self._open(department)]
            + [self._activity],
            args=[
                _text(origin),
                department,
                ticket_id,
                self._sealed(event),
                MAX_EVENTS,
                now.timestamp(),
                now.isoformat(),
            ],
        )
        if not moved:
            return False
        ticket = await self._head(ticket_id)
        if ticket is not None:
            await self._emit(ticket, event)
        return True

    async def timeline(self, ticket_id: str) -> list[TicketEvent]:
        """Everything recorded on the ticket since it opened, oldest first."""
        raw: Any = await self._client.lrange(f"{self._ticket(ticket_id)}:log", 0, -1)
        unseal = self._protection.unseal
        return [TicketEvent.from_dict(json.loads(unseal(_text(entry)))) for entry in raw]

    async def touch(self, ticket_id: str) -> bool:
        """Mark an open ticket active now, so the idle sweep leaves it alone."""
        return await self._record_activity(ticket_id, None, "")

    async def replied(self, ticket_id: str) -> bool:
        """Whether the department has replied on this ticket."""
        count: Any = await self._client.llen(f"{self._ticket(ticket_id)}:out")
        return bool(count)

    async def get(self, ticket_id: str) -> Ticket | None:
        """Read a ticket back with the customer's messages, or None if unknown or expired."""
        return (await self._load([ticket_id]))[0]

    async def activity(self, ticket_id: str) -> TicketActivity | None:
        """Last activity, closing time and the department's replies of a ticket."""
        key = self._ticket(ticket_id)
        async with self._client.pipeline(transaction=False) as pipe:
            pipe.hmget(key, ["last_activity", "closed_at"])
            pipe.lrange(f"{key}:out", 0, -1)
            (last, closed), raw_replies = await pipe.execute()
        if last is None:
            return None
        replies = [json.loads(self._protection.unseal(_text(raw))) for raw in raw_replies]
        return TicketActivity(
            last_activity=_time(_text(last)),
            closed_at=_time(_text(closed)) if closed else None,
            replies=[StaffReply(text=r["text"], at=_time(r["at"])) for r in replies],
        )

    async def close(self, ticket_id: str, *, by: StaffMember | None = None) -> None:
        """Mark the ticket done and drop it from the open indexes; closing twice is harmless.

        `by` is who released it (None: the idle sweep or the terminal chat).
        """
        key = self._ticket(ticket_id)
        fields: Any = await self._client.hmget(key, ["department", "sender_id", "closed"])
        department, sender_id, closed = fields
        if department is None or sender_id is None:
            return
        released = TicketEvent("released", self._clock(), by=by)
        if _text(closed or b"1") == "0":
            await self._record_activity(ticket_id, None, "", released)
        await self._close(
            keys=[
                key,
                f"{key}:in",
                f"{key}:out",
                self._open(),
                self._open(_text(department)),
                self._activity,
                self._sender(self._protection.unseal(_text(sender_id))),
                f"{key}:log",
            ],
            args=[self._clock().isoformat(), ticket_id, self._retention],
        )

    async def list_open(self, department: str | None = None) -> list[Ticket]:
        """Open tickets, oldest first, of one department or of all."""
        ids: Any = await self._client.zrange(self._open(department), 0, -1)
        return [t for t in await self._load([_text(i) for i in ids]) if t is not None]

    async def for_sender(self, sender_id: str) -> list[Ticket]:
        """Every ticket still on record for one customer, oldest first."""
        ids: Any = await self._client.smembers(self._sender(sender_id))
        tickets = await self._load([_text(i) for i in ids])
        found = [t for t in tickets if t is not None and t.sender_id == sender_id]
        return sorted(found, key=lambda t: (t.opened_at, len(t.id), t.id))

    async def idle(self, older_than: timedelta) -> list[Ticket]:
        """Open tickets with no customer message or reply for longer than `older_than`."""
        cutoff = (self._clock() - older_than).timestamp()
        ids: Any = await self._client.zrangebyscore(self._activity, "-inf", cutoff)
        return [t for t in await self._load([_text(i) for i in ids]) if t is not None]

    async def forget_sender(self, sender_id: str) -> int:
        """Delete every ticket of one customer (LGPD data deletion); returns how many."""
        doomed = {t.id: t for t in await self.for_sender(sender_id)}
        doomed.update({t.id: t for t in await self.list_open() if t.sender_id == sender_id})
        async with self._client.pipeline(transaction=True) as pipe:
            for ticket in doomed.values():
                key = self._ticket(ticket.id)
                pipe.delete(key, f"{key}:in", f"{key}:out", f"{key}:log")
                pipe.zrem(self._open(), ticket.id)
                pipe.zrem(self._open(ticket.department), ticket.id)
                pipe.zrem(self._activity, ticket.id)
            pipe.delete(self._sender(sender_id))
            await pipe.execute()
        return len(doomed)

    async def _head(self, ticket_id: str) -> Ticket | None:
        """The ticket's fields without its messages, for announcing an event."""
        raw: Any = await self._client.hgetall(self._ticket(ticket_id))
        return self._ticket_from(raw, [])

    async def _load(self, ticket_ids: list[str]) -> list[Ticket | None]:
        if not ticket_ids:
            return []
        async with self._client.pipeline(transaction=False) as pipe:
            for ticket_id in ticket_ids:
                key = self._ticket(ticket_id)
                pipe.hgetall(key)
                pipe.lrange(f"{key}:in", 0, -1)
            replies = await pipe.execute()
        return [
            self._ticket_from(fields, messages)
            for fields, messages in zip(replies[::2], replies[1::2], strict=True)
        ]

    def _ticket_from(
        self, raw: dict[bytes | str, bytes | str], messages: list[bytes | str]
    ) -> Ticket | None:
        if not raw:
            return None
        fields = {_text(k): _text(v) for k, v in raw.items()}
        unseal = self._protection.unseal
        order_number = fields.get("order_number")
        return Ticket(
            id=fields["id"],
            department=fields["department"],
            reason=fields["reason"],
            sender_id=unseal(fields["sender_id"]),
            order_number=unseal(order_number) if order_number is not None else None,
            opened_at=_time(fields["opened_at"]),
            messages=[unseal(_text(m)) for m in messages],
            evidence=json.loads(unseal(fields.get("evidence") or "{}")),
            closed=fields.get("closed") == "1",
            assignee=json.loads(fields["assignee"]) if fields.get("assignee") else None,
        )
