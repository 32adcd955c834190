"""Pace outgoing messages so WhatsApp never has to refuse them for speed.

Meta enforces two rates. Per business number, 80 messages per second by default (error
130429). Per pair of business number and user, one message every 6 s on average (error
131056); Meta lets a burst borrow ahead (up to 45 messages in 6 s) and then blocks that
user until the borrowed time has passed. Our replies come in bursts of two or three (a
long answer split in parts, then buttons), so the pair limit is modelled as Meta describes
it, a rate with a burst allowance, rather than a fixed 6 s gap, which would make every
second part of an answer arrive 6 s late.

Both limits use the generic cell rate algorithm: a "theoretical arrival time" per key moves
forward by one interval per message, and a message may go once it is no further ahead of
now than the burst allows. On top of that, consecutive messages to one user keep a small
gap (`min_gap`, 1 s by default) because WhatsApp does not promise that messages sent back
to back arrive in the order sent; Vonage's WhatsApp notes ask for at least 500 ms, and 1 s
also reads as someone typing.

`wait` reserves the next slot and sleeps until it is due, so a burst queues in order
without polling. `RedisPacer` keeps the state in Redis and updates it with one Lua script
(check and reserve in a single atomic step, clock from Redis `TIME`), so every worker
shares one schedule; keys hold a hash of the recipient, never the phone number, and
expire once idle. `LocalPacer` is the same schedule in process memory, for one process,
the offline demo and as the fallback when Redis fails.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from redis.exceptions import RedisError

from integrations.redis.client import RedisClient
from integrations.redis.protection import PLAIN, Protection

logger = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class PacingPolicy:
    """The rates to keep; the defaults are Meta's published limits for the Cloud API."""

    min_gap: float = 1.0
    """Seconds between two messages to the same user, so they arrive in order."""
    pair_interval: float = 6.0
    """Average seconds per message to one user (Meta's pair rate, error 131056)."""
    pair_burst: int = 10
    """Messages one user may receive ahead of that average (Meta tolerates 45)."""
    number_rate: float = 80.0
    """Messages per second for the whole business number (error 130429)."""
    number_burst: int = 80
    """Messages the number may send at once before the rate applies."""

    def __post_init__(self) -> None:
        """Refuse a policy that would never let a message through."""
        if self.min_gap < 0 or self.pair_interval < 0 or self.number_rate <= 0:
            raise ValueError("pacing needs min_gap >= 0, pair_interval >= 0, number_rate > 0")
        if self.pair_burst < 1 or self.number_burst < 1:
            raise ValueError("pacing bursts must allow at least one message")

    @property
    def pair_tolerance(self) -> float:
        """How far ahead of now one user's schedule may run."""
        return (self.pair_burst - 1) * self.pair_interval

    @property
    def number_interval(self) -> float:
        """Seconds per message for the business number."""
        return 1.0 / self.number_rate

    @property
    def number_tolerance(self) -> float:
        """How far ahead of now the number's schedule may run."""
        return (self.number_burst - 1) * self.number_interval


class Pacer(Protocol):
    """What `WhatsAppClient` needs: return when a message to `recipient` may go."""

    async def wait(self, recipient: str) -> None:
        """Reserve the next slot for `recipient` and sleep until it is due."""


@dataclass(slots=True)
class _Pair:
    """One user's schedule: theoretical arrival time and when their last message went."""

    tat: float
    last: float


def _reserve(
    policy: PacingPolicy, now: float, pair: _Pair | None, number_tat: float
) -> tuple[float, _Pair, float]:
    """The slot for the next message, with the updated user and number schedules.

    The same arithmetic runs in `_RESERVE_SCRIPT`; keep the two in step.
    """
    slot = now
    if pair is not None:
        slot = max(slot, pair.last + policy.min_gap, pair.tat - policy.pair_tolerance)
    slot = max(slot, number_tat - policy.number_tolerance)
    pair_tat = max(pair.tat if pair else slot, slot) + policy.pair_interval
    number_tat = max(number_tat, slot) + policy.number_interval
    return slot, _Pair(tat=pair_tat, last=slot), number_tat


class LocalPacer:
    """The schedule in this process's memory: exact only while one process sends."""

    def __init__(
        self,
        policy: PacingPolicy | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        """Start with no history: the first message to anyone goes at once."""
        self._policy = policy or PacingPolicy()
        self._clock = clock
        self._sleep = sleep
        self._pairs: dict[str, _Pair] = {}
        self._number_tat = 0.0

    def reserve(self, recipient: str) -> float:
        """Reserve the next slot for `recipient`; seconds until it is due."""
        now = self._clock()
        slot, pair, self._number_tat = _reserve(
            self._policy, now, self._pairs.get(recipient), max(self._number_tat, now)
        )
        self._pairs[recipient] = pair
        if len(self._pairs) > 10_000:
            self._forget_idle(now)
        return slot - now

    async def wait(self, recipient: str) -> None:
        """Reserve the next slot for `recipient` and sleep until it is due."""
        delay = self.reserve(recipient)
        if delay > 0:
            await self._sleep(delay)

    def _forget_idle(self, now: float) -> None:
        """Drop users whose schedule no longer constrains anything, bounding memory."""
        gap = self._policy.min_gap
        idle = [key for key, p in self._pairs.items() if p.tat <= now and p.last + gap <= now]
        for key in idle:
            del self._pairs[key]


# KEYS[1]: the user's schedule (hash tat/last); KEYS[2]: the number's tat. ARGV: min_gap,
# pair interval, pair tolerance, number interval, number tolerance. Returns ms until due.
_RESERVE_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local gap, p_int, p_tol = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local n_int, n_tol = tonumber(ARGV[4]), tonumber(ARGV[5])
local pair = redis.call('HMGET', KEYS[1], 'tat', 'last')
local n_tat = math.max(tonumber(redis.call('GET', KEYS[2])) or now, now)
local slot = now
local p_tat = tonumber(pair[1])
if p_tat then slot = math.max(slot, tonumber(pair[2]) + gap, p_tat - p_tol) end
slot = math.max(slot, n_tat - n_tol)
p_tat = math.max(p_tat or slot, slot) + p_int
n_tat = math.max(n_tat, slot) + n_int
redis.call('HSET', KEYS[1], 'tat', tostring(p_tat), 'last', tostring(slot))
redis.call('PEXPIRE', KEYS[1], math.ceil((math.max(p_tat, slot + gap) - now) * 1000) + 1000)
redis.call('SET', KEYS[2], tostring(n_tat), 'PX', math.ceil((n_tat - now) * 1000) + 1000)
return math.ceil((slot - now) * 1000)
"""


class RedisPacer:
    """The schedule in Redis, shared by every worker sending from the same number.

    When Redis fails the message is paced by an in-process `LocalPacer` instead (logged):
    a late or repeated message is better than none, and Meta's own limit errors, which the
    client retries, still protect the number.
    """

    def __init__(
        self,
        redis: RedisClient,
        prefix: str,
        phone_number_id: str,
        policy: PacingPolicy | None = None,
        *,
        sleep: Sleep = asyncio.sleep,
        protection: Protection = PLAIN,
    ) -> None:
        """Keep the schedules under `{prefix}:wa-pace:{phone_number_id}` (one Cluster slot)."""
        self._protection = protection
        self._policy = policy or PacingPolicy()
        self._base = f"{prefix}:wa-pace:{{{phone_number_id}}}"
        self._script = redis.register_script(_RESERVE_SCRIPT)
        self._sleep = sleep
        self._fallback = LocalPacer(self._policy, sleep=sleep)

    def _pair_key(self, recipient: str) -> str:
        """A key per user that does not reveal the user's phone number to a casual reader.

        With an encryption key the digest is keyed, so nobody can reverse it by hashing
        every Brazilian phone number.
        """
        if self._protection.hides:
            return f"{self._base}:pair:{self._protection.name(recipient)}"
        digest = hashlib.blake2b(recipient.encode(), digest_size=10).hexdigest()
        return f"{self._base}:pair:{digest}"

    async def wait(self, recipient: str) -> None:
        """Reserve the next shared slot for `recipient` and sleep until it is due."""
        policy = self._policy
        args = [
            policy.min_gap,
            policy.pair_interval,
            policy.pair_tolerance,
            policy.number_interval,
            policy.number_tolerance,
        ]
        try:
            wait_ms = await self._script(
                keys=[self._pair_key(recipient), f"{self._base}:number"], args=args
            )
        except RedisError as error:
            logger.warning(
                "whatsapp pacer: Redis unavailable (%s), pacing locally", type(error).__name__
            )
            await self._fallback.wait(recipient)
            return
        delay = max(0, int(wait_ms)) / 1000
        if delay > 0:
            await self._sleep(delay)
