"""Give handed-off threads back to the bot: on a department's request, or when nobody spoke.

`release_ticket` is the one release path, used by the admin API and by the idle sweep: it
takes the customer's turn lock (the worker's own), so a release never interleaves with a
turn in progress, gives the thread back only if it still waits on that ticket, closes the
ticket and tells the customer, in one short message, that the bot answers again (inside
the 24 h window; outside it WhatsApp would refuse the text). A ticket that nobody touched
for `idle_for` (no customer message, no staff reply) is released by `release_idle_threads`,
which the worker runs periodically.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta
from typing import Literal

from redis.exceptions import LockError, RedisError

from agent.release import release_thread
from agent.turn import thread_config
from integrations.redis.layout import thread_ref
from server.locks import turn_lock_key
from server.worker import TurnParts
from tools.departments import Ticket
from tools.ticket_events import StaffMember
from tools.ticket_store import RedisTicketStore

logger = logging.getLogger(__name__)

RELEASE_WAIT_SECONDS = 10.0
"""How long a release waits for a turn in progress before giving up."""

Outcome = Literal["released", "closed", "skipped"]
"""`released`: the thread was handed back and the ticket closed; `closed`: only the ticket
(the thread no longer waited on it); `skipped`: the ticket saw activity, so it stays open."""


async def release_ticket(
    parts: TurnParts,
    tickets: RedisTicketStore,
    ticket: Ticket,
    *,
    idle_since: datetime | None = None,
    by: StaffMember | None = None,
) -> Outcome:
    """Close `ticket` and let the bot answer its customer again.

    With `idle_since`, a ticket that saw activity after it (the customer wrote while the
    lock was awaited) is left open. `by` is the staff member releasing it (None: the sweep).

    Raises:
        LockError: a turn of this customer held the lock for `RELEASE_WAIT_SECONDS`.
    """
    lock = parts.redis.lock(
        turn_lock_key(parts.prefix, ticket.sender_id, parts.protection),
        timeout=parts.lock_seconds,
        blocking_timeout=RELEASE_WAIT_SECONDS,
    )
    async with lock:
        if idle_since is not None:
            activity = await tickets.activity(ticket.id)
            if activity is None or activity.last_activity > idle_since:
                return "skipped"
        config = thread_config(ticket.sender_id)
        handoff = (await parts.graph.aget_state(config)).values.get("handoff")
        released = False
        await tickets.close(ticket.id, by=by)
        if handoff and handoff.get("ticket") == ticket.id:
            released = (
                await release_thread(parts.graph, parts.context, ticket.sender_id) is not None
            )
        if released and await parts.window.is_open(ticket.sender_id):
            told = parts.context.store.replies.text("notices.released", ticket=ticket.id)
            notice = {"type": "text", "text": told}  # the one message: the bot is back
            await parts.outbox.push(
                ticket.sender_id, [notice], key=f"release-notice:{ticket.id}", source="release"
            )
    logger.info(
        "ticket %s closed (department=%s thread=%s released=%s)",
        ticket.id,
        ticket.department,
        thread_ref(ticket.sender_id),
        released,
    )
    return "released" if released else "closed"


async def release_idle_threads(
    parts: TurnParts, tickets: RedisTicketStore, *, idle_for: timedelta
) -> list[str]:
    """Release every ticket idle for longer than `idle_for`; returns the ids closed.

    A ticket that cannot be released now (its customer is mid-turn, Redis hiccups) is
    left for the next sweep; several workers may sweep at once without harm.
    """
    closed: list[str] = []
    for ticket in await tickets.idle(idle_for):
        activity = await tickets.activity(ticket.id)
        if activity is None:
            continue
        try:
            outcome = await release_ticket(
                parts, tickets, ticket, idle_since=activity.last_activity
            )
        except (LockError, RedisError) as error:
            logger.warning("idle ticket %s not released now: %s", ticket.id, type(error).__name__)
            continue
        if outcome != "skipped":
            closed.append(ticket.id)
    if closed:
        logger.info("idle sweep closed %d ticket(s)", len(closed))
    return closed


async def run_idle_release(
    parts: TurnParts,
    tickets: RedisTicketStore,
    *,
    idle_for: timedelta,
    every: timedelta,
    stop: asyncio.Event,
) -> None:
    """Sweep for idle tickets every `every` until `stop` is set; a failed sweep is retried."""
    while not stop.is_set():
        try:
            await release_idle_threads(parts, tickets, idle_for=idle_for)
        except (RedisError, OSError) as error:
            logger.warning("idle sweep failed: %s", type(error).__name__)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every.total_seconds())
