"""Every Redis key the app writes: what it holds, how long it lives, who erases it.

One table, so the LGPD duties cannot drift from the code: `store/redact` deletes every
family that holds store or customer data, `customers/redact` deletes a customer's
per-customer keys from the templates below, and `tests/server/test_key_registry.py` runs
the service and fails when it finds a key no family matches, a personal key without a TTL
where one is promised, or (with `ATENDENTE_ENCRYPTION_KEY`) a phone, e-mail, CPF or name in
a key name or value.

It is long because it is a table, one entry per family; the code is the last 40 lines.

Patterns are globs under `{prefix}:`; a sharded stream's keys (`{inbound:3}:stream`, see
`server.shards`) have a pattern beside the unsharded name's; `{name}` in a template is the
customer as key names carry them (`Protection.name`: a keyed digest with an encryption key,
else the WhatsApp id), `{raw}` the WhatsApp id itself (only in development-only keys).
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import Literal

from integrations.redis.protection import Protection

Lifetime = Literal["ttl", "until handled", "until closed", "until removed", "for good"]


@dataclass(frozen=True, slots=True)
class KeyFamily:
    """One kind of key."""

    name: str
    patterns: tuple[str, ...]
    """Globs under `{prefix}:`, read alike by Redis SCAN and `fnmatch`; no two families'
    patterns match the same key."""
    holds: str
    personal: bool
    """It holds, or its name carries, someone's personal data."""
    lifetime: Lifetime
    """"ttl": every key expires; "until handled": stream entries deleted once processed;
    "until closed": expires once the ticket closes (the idle sweep closes forgotten ones);
    "until removed": staff accounts, kept until an admin removes them;
    "for good": nothing personal, kept."""
    kept: str
    """How long, in words, for the README and operators."""
    sealed: bool = False
    """Its values are encrypted with `ATENDENTE_ENCRYPTION_KEY`."""
    customer: str | None = None
    """The key of one customer, for `customers/redact` (None: erased by its owner's code)."""
    development_only: bool = False
    """Written only by the playground and the offline Graph API, never in production."""
    store_redact: bool = True
    """`store/redact` deletes it when it is personal. False for the stream that carries the
    redact itself (its few remaining entries are handled, and so deleted, in seconds) and
    for turn locks (deleting a held one breaks a running turn; each expires in seconds)."""


CONVERSATION = "ATENDENTE_CONVERSATION_TTL_DAYS (30 days)"

FAMILIES: tuple[KeyFamily, ...] = (
    KeyFamily(
        "checkpoints",
        ("cp:{*}",),
        "the conversation: messages, identity proofs, verified orders, handoff",
        personal=True,
        lifetime="ttl",
        kept=f"{CONVERSATION} after the last message",
        sealed=True,
    ),
    KeyFamily(
        "checkpoint writes",
        ("cp:{*}:w:*",),
        "pending writes of the latest checkpoint",
        personal=True,
        lifetime="ttl",
        kept=f"{CONVERSATION} after the last message",
        sealed=True,
    ),
    KeyFamily(
        "service window",
        ("window:{*}",),
        "that the customer wrote in the last 24 h",
        personal=True,
        lifetime="ttl",
        kept="24 h",
        customer="window:{{{name}}}",
    ),
    KeyFamily(
        "flood counter",
        ("flood:{*}",),
        "the customer's messages this minute",
        personal=True,
        lifetime="ttl",
        kept="1 minute",
        customer="flood:{{{name}}}",
    ),
    KeyFamily(
        "burst",
        ("burst:{*}",),
        "the customer's messages not yet answered",
        personal=True,
        lifetime="ttl",
        kept="until answered, at most 24 h",
        sealed=True,
        customer="burst:{{{name}}}",
    ),
    KeyFamily(
        "answered",
        ("answered:{*}",),
        "ids of the customer's messages already answered",
        personal=True,
        lifetime="ttl",
        kept=f"{CONVERSATION} plus a day",
        customer="answered:{{{name}}}",
    ),
    KeyFamily(
        "last seen",
        ("last-seen:{*}",),
        "when the customer's latest message arrived",
        personal=True,
        lifetime="ttl",
        kept="24 h",
        customer="last-seen:{{{name}}}",
    ),
    KeyFamily(
        "admitted",
        ("admitted:{*}",),
        "the flood verdict on each of the customer's message ids",
        personal=True,
        lifetime="ttl",
        kept="3 days",
        customer="admitted:{{{name}}}",
    ),
    KeyFamily(
        "turn lock",
        ("lock:{*}",),
        "held while a turn of this customer runs",
        personal=True,
        lifetime="ttl",
        kept="ATENDENTE_TURN_LOCK_SECONDS",
        customer="lock:{{{name}}}",
        store_redact=False,
    ),
    KeyFamily(
        "inbound stream",
        ("{inbound}:stream", "{inbound:[0-9]*}:stream"),
        "customers' messages waiting for a turn",
        personal=True,
        lifetime="until handled",
        kept="until the turn runs (seconds)",
        sealed=True,
    ),
    KeyFamily(
        "inbound once",
        ("{inbound}:seen:*", "{inbound:[0-9]*}:seen:*"),
        "WhatsApp message ids already queued",
        personal=False,
        lifetime="ttl",
        kept="3 days",
    ),
    KeyFamily(
        "outbox stream",
        ("{outbox}:stream", "{outbox:[0-9]*}:stream"),
        "replies and notices waiting to be sent",
        personal=True,
        lifetime="until handled",
        kept="until sent (seconds)",
        sealed=True,
    ),
    KeyFamily(
        "outbox marks",
        (
            "{outbox}:once:*",
            "{outbox:[0-9]*}:once:*",
            "{outbox}:attempted:*",
            "{outbox}:accepted:*",
            "{outbox}:sent:*",
        ),
        "once-only, attempted, accepted and sent marks, by message key",
        personal=False,
        lifetime="ttl",
        kept="7 days",
    ),
    KeyFamily(
        "store events",
        ("{store-events}",),
        "store and privacy webhooks waiting to be handled",
        personal=True,
        lifetime="until handled",
        kept="until handled (seconds)",
        sealed=True,
        store_redact=False,
    ),
    KeyFamily(
        "dead letters",
        ("*:dead",),
        "entries that failed five times, for an operator to inspect",
        personal=True,
        lifetime="ttl",
        kept=f"{CONVERSATION} after the latest one; a customer's are erased with them",
        sealed=True,
    ),
    KeyFamily(
        "store webhook once",
        ("webhook-seen:*",),
        "store webhook deliveries already queued, by event id or payload digest",
        personal=False,
        lifetime="ttl",
        kept="3 days",
    ),
    KeyFamily(
        "tickets",
        ("{tickets}:t:*",),
        "handoff tickets: customer id, evidence, order number, messages, staff replies",
        personal=True,
        lifetime="until closed",
        kept=f"open until closed, then {CONVERSATION}",
        sealed=True,
    ),
    KeyFamily(
        "ticket sender index",
        ("{tickets}:sender:*",),
        "one customer's ticket ids, named by a digest of the customer",
        personal=True,
        lifetime="ttl",
        kept=CONVERSATION,
    ),
    KeyFamily(
        "ticket indexes",
        ("{tickets}:open", "{tickets}:open:*", "{tickets}:activity", "{tickets}:seq"),
        "open tickets by department and activity, and the ATD-<n> counter (ids only)",
        personal=False,
        lifetime="for good",
        kept="for good (ticket ids only)",
    ),
    KeyFamily(
        "order cache",
        ("nuvemshop:cache:{*}:*",),
        "orders read from the store's API, with the customer's contact data; product searches and "
        "content pages",
        personal=True,
        lifetime="ttl",
        kept="ATENDENTE_NUVEMSHOP_ORDER_CACHE_TTL_SECONDS (60 s)",
        sealed=True,
    ),
    KeyFamily(
        "store rate limit",
        ("nuvemshop:ratelimit:*",),
        "the store's API request bucket",
        personal=False,
        lifetime="ttl",
        kept="until drained (seconds)",
    ),
    KeyFamily(
        "store installations",
        ("nuvemshop:installation:*",),
        "each store that installed the app: its access token, scopes, install time, webhook ids",
        personal=False,
        lifetime="for good",
        kept="until the store uninstalls the app",
        sealed=True,
    ),
    KeyFamily(
        "install states",
        ("nuvemshop:install-state:*",),
        "a digest of each install link's single-use state",
        personal=False,
        lifetime="ttl",
        kept="10 minutes",
    ),
    KeyFamily(
        "tracking cache",
        ("trk:{*}*",),
        "carriers' events for a tracking code (places and times, no names)",
        personal=False,
        lifetime="ttl",
        kept="ATENDENTE_TRACKING_CACHE_TTL_SECONDS",
    ),
    KeyFamily(
        "send pacing",
        ("wa-pace:{*}:*",),
        "when the next message to a number may go, named by a digest of it",
        personal=True,
        lifetime="ttl",
        kept="seconds",
    ),
    KeyFamily(
        "admin rate limit",
        ("admin:rate:*",),
        "admin API requests and inbox sign-ins and requests this minute, per client address, "
        "login and token",
        personal=True,
        lifetime="ttl",
        kept="1 minute",
    ),
    KeyFamily(
        "inbox agents",
        ("inbox:agent:*", "inbox:agents"),
        "the staff who answer in the inbox: login, name, department, password hash (scrypt)",
        personal=True,
        lifetime="until removed",
        kept="until removed (`atendente agents remove`)",
    ),
    KeyFamily(
        "inbox sessions",
        ("inbox:session:*",),
        "a signed-in agent's session, named by a SHA-256 of its cookie",
        personal=True,
        lifetime="ttl",
        kept="ATENDENTE_INBOX_SESSION_HOURS (12 h)",
    ),
    KeyFamily(
        "inbox read marks",
        ("inbox:seen:*",),
        "how many customer messages of each ticket an agent has read",
        personal=False,
        lifetime="ttl",
        kept=f"{CONVERSATION} after the agent's last read",
    ),
    KeyFamily(
        "log key",
        ("log-key",),
        "the secret that keys thread references in logs",
        personal=False,
        lifetime="for good",
        kept="for good",
    ),
    KeyFamily(
        "playground turn",
        ("dev:last-turn:{*}",),
        "the playground's view of a customer's latest turn",
        personal=True,
        lifetime="ttl",
        kept="24 h",
        customer="dev:last-turn:{{{raw}}}",
        development_only=True,
    ),
    KeyFamily(
        "playground customer messages",
        ("dev:typed:*",),
        "what a demo customer wrote in the playground, so every tab shows the whole conversation",
        personal=True,
        lifetime="ttl",
        kept="24 h",
        customer="dev:typed:{raw}",
        development_only=True,
    ),
    KeyFamily(
        "offline Graph API",
        ("dev:fake-graph:*",),
        "messages the offline Graph API accepted, for the playground and tests",
        personal=True,
        lifetime="ttl",
        kept="24 h",
        customer="dev:fake-graph:{raw}",
        development_only=True,
    ),
)


def families_of(key: str, prefix: str) -> list[KeyFamily]:
    """The families whose patterns match a key: one for a known key, none for a stranger."""
    head = prefix + ":"
    if not key.startswith(head):
        return []
    rest = key[len(head) :]
    return [
        family
        for family in FAMILIES
        if any(fnmatch.fnmatchcase(rest, pattern) for pattern in family.patterns)
    ]


def store_patterns(prefix: str) -> list[str]:
    """SCAN patterns of every family a `store/redact` deletes: all that hold personal data."""
    return [
        f"{prefix}:{pattern}"
        for family in FAMILIES
        if family.personal and family.store_redact
        for pattern in family.patterns
    ]


def customer_keys(prefix: str, wa_id: str, protection: Protection) -> list[str]:
    """The keys named after one customer, for `customers/redact`."""
    name = protection.name(wa_id)
    return [
        f"{prefix}:{family.customer.format(name=name, raw=wa_id)}"
        for family in FAMILIES
        if family.customer is not None
    ]
