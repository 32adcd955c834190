"""The inbox's people: agents with a department and a password, and their sessions.

Agents are kept in Redis so every process of a deployment signs in the same people; store
admins manage them with `atendente agents` or the admin API. Passwords are stored as
scrypt hashes (the standard library's, memory-hard) with a random salt each, and checked
in a thread so a sign-in never stalls the event loop. A session is a random token in an
HttpOnly cookie; Redis keeps only its SHA-256, with the agent and the CSRF token, and
forgets it after `ttl`.

    {prefix}:inbox:agent:<login>      hash: name, department, all_departments, password
    {prefix}:inbox:agents             set: every login
    {prefix}:inbox:session:<sha256>   the session as JSON, expiring
    {prefix}:inbox:seen:<login>       hash: ticket id -> customer messages read
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from integrations.redis.client import RedisClient
from tools.ticket_events import StaffMember

LOGIN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")
"""What a login looks like: lower case, digits, dot, dash, underscore; 2 to 40 long."""
MIN_PASSWORD = 10
SCRYPT = {"n": 2**14, "r": 8, "p": 1}
"""scrypt's cost: about 16 MiB and tens of milliseconds per check."""


def hash_password(password: str) -> str:
    """`scrypt$n$r$p$salt$hash`, everything needed to check the password later."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **SCRYPT)
    costs = "$".join(str(SCRYPT[k]) for k in ("n", "r", "p"))
    return f"scrypt${costs}${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    """Whether `password` matches a `hash_password` result; compared in constant time."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        given = hashlib.scrypt(
            password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=32
        )
    except ValueError:
        return False
    return hmac.compare_digest(given, bytes.fromhex(digest))


_DECOY = hash_password(secrets.token_urlsafe(16))
"""Checked against when the login is unknown, so both failures take the same time."""


@dataclass(frozen=True, slots=True)
class Agent:
    """A person of the store's team who answers customers in the inbox."""

    login: str
    name: str
    department: str
    all_departments: bool = False
    """May read and answer every department's tickets (a supervisor)."""

    @property
    def member(self) -> StaffMember:
        """How the agent appears on a ticket's timeline."""
        return StaffMember(self.login, self.name)

    def may_see(self, department: str) -> bool:
        """Whether the agent may read and act on a ticket of `department`."""
        return self.all_departments or department == self.department

    def public(self) -> dict[str, Any]:
        """What the inbox page and the admin API show of the agent."""
        return {
            "login": self.login,
            "name": self.name,
            "department": self.department,
            "all_departments": self.all_departments,
        }


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class AgentStore:
    """The agents of one deployment, in Redis."""

    def __init__(self, client: RedisClient, prefix: str) -> None:
        """Keep agents under `{prefix}:inbox:`."""
        self._client = client
        self._base = f"{prefix}:inbox"

    def _key(self, login: str) -> str:
        return f"{self._base}:agent:{login}"

    async def save(
        self,
        login: str,
        *,
        name: str,
        department: str,
        password: str,
        all_departments: bool = False,
    ) -> Agent:
        """Create or replace an agent; refuses a malformed login or a short password."""
        if not LOGIN.match(login):
            raise ValueError("login: 2-40 lower-case letters, digits, '.', '-' or '_'")
        if len(password) < MIN_PASSWORD:
            raise ValueError(f"the password needs at least {MIN_PASSWORD} characters")
        if not name.strip():
            raise ValueError("the agent needs a name")
        hashed = await asyncio.to_thread(hash_password, password)
        agent = Agent(login, name.strip(), department, all_departments)
        fields: dict[Any, str] = {
            "name": agent.name,
            "department": department,
            "all_departments": "1" if all_departments else "0",
            "password": hashed,
        }
        async with self._client.pipeline(transaction=False) as pipe:
            pipe.hset(self._key(login), mapping=fields)
            pipe.sadd(f"{self._base}:agents", login)
            await pipe.execute()
        return agent

    async def get(self, login: str) -> Agent | None:
        """The agent, or None if there is no such login."""
        if not LOGIN.match(login):
            return None
        raw: Any = await self._client.hgetall(self._key(login))
        return self._agent(login, raw)

    def _agent(self, login: str, raw: dict[Any, Any]) -> Agent | None:
        if not raw:
            return None
        fields = {_text(k): _text(v) for k, v in raw.items()}
        return Agent(login, fields["name"], fields["department"], fields["all_departments"] == "1")

    async def all(self) -> list[Agent]:
        """Every agent, by login."""
        logins: Any = await self._client.smembers(f"{self._base}:agents")
        found = [await self.get(_text(login)) for login in sorted(logins, key=_text)]
        return [agent for agent in found if agent is not None]

    async def remove(self, login: str) -> bool:
        """Delete an agent; their sessions stop working at their next request."""
        async with self._client.pipeline(transaction=False) as pipe:
            pipe.delete(self._key(login), f"{self._base}:seen:{login}")
            pipe.srem(f"{self._base}:agents", login)
            deleted, _ = await pipe.execute()
        return bool(deleted)

    async def authenticate(self, login: str, password: str) -> Agent | None:
        """The agent whose login and password these are, or None (in the same time)."""
        raw: Any = await self._client.hgetall(self._key(login)) if LOGIN.match(login) else {}
        stored = _text(raw.get(b"password") or raw.get("password") or _DECOY)
        matches = await asyncio.to_thread(check_password, password, stored)
        return self._agent(login, raw) if matches and raw else None


@dataclass(frozen=True, slots=True)
class Session:
    """A signed-in agent's session."""

    login: str
    csrf: str
    """Sent back by the page in `X-CSRF-Token` on every change."""


class SessionStore:
    """Sessions by the SHA-256 of their cookie token, expiring after `ttl`."""

    def __init__(self, client: RedisClient, prefix: str, ttl: timedelta) -> None:
        """Keep sessions under `{prefix}:inbox:session:`."""
        self._client = client
        self._base = f"{prefix}:inbox:session"
        self.ttl = ttl

    def _key(self, token: str) -> str:
        return f"{self._base}:{hashlib.sha256(token.encode()).hexdigest()}"

    async def create(self, agent: Agent) -> tuple[str, Session]:
        """A new session for `agent`: the cookie token and what it stands for."""
        token = secrets.token_urlsafe(32)
        session = Session(agent.login, secrets.token_urlsafe(32))
        value = json.dumps({"login": session.login, "csrf": session.csrf})
        await self._client.set(self._key(token), value, ex=int(self.ttl.total_seconds()))
        return token, session

    async def get(self, token: str) -> Session | None:
        """The live session of a cookie token, or None when unknown or expired."""
        if not token or len(token) > 100:
            return None
        raw: Any = await self._client.get(self._key(token))
        if raw is None:
            return None
        data = json.loads(_text(raw))
        return Session(data["login"], data["csrf"])

    async def end(self, token: str) -> None:
        """Sign out: the token stops working at once."""
        await self._client.delete(self._key(token))


class ReadMarks:
    """How many of a ticket's customer messages each agent has read, for unread counts."""

    def __init__(self, client: RedisClient, prefix: str, ttl: timedelta) -> None:
        """Keep one hash per agent, refreshed to outlive the tickets it names."""
        self._client = client
        self._base = f"{prefix}:inbox:seen"
        self._ttl = int(ttl.total_seconds())

    async def read(self, login: str) -> dict[str, int]:
        """Ticket id -> customer messages the agent has seen."""
        raw: Any = await self._client.hgetall(f"{self._base}:{login}")
        return {_text(k): int(v) for k, v in raw.items()}

    async def mark(self, login: str, ticket_id: str, seen: int) -> None:
        """The agent has now seen `seen` customer messages of the ticket."""
        key = f"{self._base}:{login}"
        async with self._client.pipeline(transaction=False) as pipe:
            pipe.hset(key, ticket_id, seen)
            pipe.expire(key, self._ttl)
            await pipe.execute()
