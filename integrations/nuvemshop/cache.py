"""Short-lived Redis cache of order look-ups, so a chatty conversation costs one API call.

A customer asks about the same order several times in a minute; each turn would spend one
request of the store's 40-request bucket. `CachedNuvemshopClient` keeps the API's JSON for
`ttl` seconds (60 by default) and is a `NuvemshopClient`, so callers need no change.

Key layout, all under the given prefix, with the store id as the Redis Cluster hash tag so
every key of a store sits in one slot (a write is one MULTI; a purge is one script that
also deletes the keys the index sets list, which share that tag)::

    {prefix}:{store}:order:<id>                  JSON of one order
    {prefix}:{store}:number:<number>             JSON of one order
    {prefix}:{store}:search:<limit>:<hmac(q)>    JSON list of orders (non-empty only)
    {prefix}:{store}:refs:<order id>             SET of the keys above that hold the order
    {prefix}:{store}:who:<hmac(identifier)>      SET of the keys that mention an identifier
    {prefix}:{store}:products:<limit>:<hmac(q)>  JSON list of products a search found
    {prefix}:{store}:pages                       JSON list of the store's content pages

Product searches and pages hold no personal data and index nothing; they are cached for
the same TTL, because every customer asking about the same dress would otherwise spend the
store's bucket on the same answer. An empty product search is cached too: a product the
store lacks stays absent for a minute.

Search terms are e-mails and names, so they appear in key names only as an HMAC with a
secret: a plain hash of an e-mail can be reversed by hashing a list of candidate e-mails.
The `who` sets index every entry by the e-mails, phones and CPF/CNPJ it holds (and e-mail
searches by their query), which is how `forget_customer` finds them for an LGPD request.
`invalidate_order` drops everything in the order's `refs` set, for store webhooks.

With an encryption key (`Protection`), every cached value is sealed: orders hold the
customer's name, e-mail, phone, CPF and address.

Misses are not cached: an order placed a moment ago must be found. A look-up that read the
API just before an invalidation can still write the old value back; the TTL bounds that.
Redis failures on reads and writes fall back to the API (logged without keys or values);
purges raise, because their callers must know the data may still be there.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Unpack

import httpx
from redis.exceptions import RedisError

from integrations.nuvemshop.client import ClientOptions, Json, NuvemshopClient, order_number
from integrations.redis.client import RedisClient
from integrations.redis.protection import PLAIN, Protection, UnsealError

logger = logging.getLogger(__name__)

DEFAULT_TTL_SECONDS = 60.0

# KEYS: index sets, then plain keys; ARGV[1]: how many KEYS are index sets. Deletes the sets,
# every key they list and the plain keys in one atomic step; returns how many entries went.
_PURGE_SCRIPT = """
local deleted = 0
for i = 1, #KEYS do
  if i <= tonumber(ARGV[1]) then
    local members = redis.call('SMEMBERS', KEYS[i])
    for j = 1, #members, 500 do
      deleted = deleted + redis.call('DEL', unpack(members, j, math.min(j + 499, #members)))
    end
    redis.call('DEL', KEYS[i])
  else
    deleted = deleted + redis.call('DEL', KEYS[i])
  end
end
return deleted
"""


def cache_secret(material: str) -> bytes:
    """A key-name secret derived from a secret every worker has (the store's access token)."""
    return hmac.new(material.encode(), b"atendente:nuvemshop-cache", hashlib.sha256).digest()


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def _phone(value: str) -> str:
    """Phone digits without Brazil's country code, so +55 11 9... and (11) 9... agree."""
    digits = _digits(value)
    return digits[2:] if digits.startswith("55") and len(digits) >= 12 else digits


def _identifiers(order: Json) -> set[str]:
    """The customer identifiers an order payload mentions, normalized and tagged by kind."""
    customer: Json = order["customer"] if isinstance(order.get("customer"), dict) else {}
    address: Json = (
        order["shipping_address"] if isinstance(order.get("shipping_address"), dict) else {}
    )
    found: set[str] = set()
    for value in (order.get("contact_email"), customer.get("email")):
        if isinstance(value, str) and value.strip():
            found.add("email:" + value.strip().casefold())
    for value in (order.get("contact_phone"), customer.get("phone"), address.get("phone")):
        if isinstance(value, str) and _phone(value):
            found.add("phone:" + _phone(value))
    for value in (order.get("contact_identification"), customer.get("identification")):
        if isinstance(value, str | int) and _digits(str(value)):
            found.add("doc:" + _digits(str(value)))
    return found


class OrderCache:
    """Order JSON in Redis for a short TTL, with the indexes that let us purge it on demand."""

    def __init__(
        self,
        redis: RedisClient,
        prefix: str,
        *,
        secret: bytes,
        ttl: float = DEFAULT_TTL_SECONDS,
        protection: Protection = PLAIN,
    ) -> None:
        """Keep entries under `prefix` for `ttl` seconds; `secret` keys the HMAC of key names."""
        if ttl <= 0:
            raise ValueError("the cache TTL must be positive")
        self._redis = redis
        self._protection = protection
        self._prefix = prefix
        self._secret = secret
        self._ttl_ms = max(1, round(ttl * 1000))
        self._purge = redis.register_script(_PURGE_SCRIPT)

    def _key(self, store_id: str, *parts: object) -> str:
        return ":".join([self._prefix, "{" + store_id + "}", *map(str, parts)])

    def _hash(self, text: str) -> str:
        return hmac.new(self._secret, text.encode(), hashlib.sha256).hexdigest()[:32]

    def order_key(self, store_id: str, order_id: int) -> str:
        """Where the order with API id `order_id` is kept."""
        return self._key(store_id, "order", int(order_id))

    def number_key(self, store_id: str, number: int) -> str:
        """Where the order the customer calls #`number` is kept."""
        return self._key(store_id, "number", int(number))

    def search_key(self, store_id: str, query: str, limit: int) -> str:
        """Where a search is kept: the query only as an HMAC, never in clear."""
        return self._key(store_id, "search", int(limit), self._hash(query.strip()))

    def product_search_key(self, store_id: str, query: str, limit: int) -> str:
        """Where a product search is kept, its words as an HMAC like every search."""
        return self._key(store_id, "products", int(limit), self._hash(query.strip().casefold()))

    def pages_key(self, store_id: str) -> str:
        """Where the store's content pages are kept."""
        return self._key(store_id, "pages")

    def _who_key(self, store_id: str, identifier: str) -> str:
        return self._key(store_id, "who", self._hash(identifier))

    async def read(self, key: str) -> Any | None:
        """The cached JSON at `key`, or None on a miss (or when Redis is unreachable)."""
        try:
            raw = await self._redis.get(key)
        except RedisError as error:
            logger.warning("nuvemshop cache read failed: %s", type(error).__name__)
            return None
        if raw is None:
            return None
        try:
            text = raw.decode() if isinstance(raw, bytes) else str(raw)
            return json.loads(self._protection.unseal(text))
        except (json.JSONDecodeError, UnicodeDecodeError, UnsealError):
            logger.warning("nuvemshop cache entry unreadable; asking the API")
            return None

    async def write(
        self, store_id: str, keys: Iterable[str], value: Any, orders: list[Json], *, query: str = ""
    ) -> None:
        """Store `value` under `keys` and index them by the orders and identifiers it holds."""
        keys = list(keys)
        body = self._protection.seal(json.dumps(value, ensure_ascii=False, separators=(",", ":")))
        indexes = {self._key(store_id, "refs", o["id"]) for o in orders if "id" in o}
        mentions = set().union(*(_identifiers(o) for o in orders))
        if "@" in query:
            mentions.add("email:" + query.strip().casefold())
        indexes |= {self._who_key(store_id, identifier) for identifier in mentions}
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                for key in keys:
                    pipe.set(key, body, px=self._ttl_ms)
                for index in indexes:
                    pipe.sadd(index, *keys)
                    pipe.pexpire(index, self._ttl_ms)
                await pipe.execute()
        except RedisError as error:
            logger.warning("nuvemshop cache write failed: %s", type(error).__name__)

    async def invalidate_order(
        self, store_id: str, order_id: int, number: int | None = None
    ) -> int:
        """Drop every entry holding the order (by id, by number, searches); entries removed."""
        plain = [self.order_key(store_id, order_id)]
        if number is not None:
            plain.append(self.number_key(store_id, number))
        return await self._run_purge([self._key(store_id, "refs", int(order_id))], plain)

    async def forget_customer(
        self,
        store_id: str,
        *,
        email: str | None = None,
        phone: str | None = None,
        cpf: str | None = None,
    ) -> int:
        """Drop every entry that mentions this e-mail, phone or CPF/CNPJ; entries removed.

        Matching follows the index: e-mails case-insensitively, phones and documents by
        their digits (phones with or without +55).
        """
        identifiers = []
        if email and email.strip():
            identifiers.append("email:" + email.strip().casefold())
        if phone and _phone(phone):
            identifiers.append("phone:" + _phone(phone))
        if cpf and _digits(cpf):
            identifiers.append("doc:" + _digits(cpf))
        return await self._run_purge([self._who_key(store_id, i) for i in identifiers], [])

    async def _run_purge(self, index_keys: list[str], plain_keys: list[str]) -> int:
        if not index_keys and not plain_keys:
            return 0
        keys = [*index_keys, *plain_keys]
        return int(await self._purge(keys=keys, args=[len(index_keys)]))


class CachedNuvemshopClient(NuvemshopClient):
    """A `NuvemshopClient` whose order look-ups are served from `OrderCache` while fresh.

    Customer reads go straight to the API: they are rare, and no webhook tells us when a
    customer changes.
    """

    def __init__(
        self,
        *,
        cache: OrderCache,
        store_id: str,
        access_token: str | httpx.Auth,
        user_agent: str,
        **options: Unpack[ClientOptions],
    ) -> None:
        """Take the client's own arguments plus the cache it reads through."""
        super().__init__(
            store_id=store_id, access_token=access_token, user_agent=user_agent, **options
        )
        self.cache = cache

    async def get_order_payload(self, order_id: int) -> Json | None:
        """The order by API id, from the cache when fresh."""
        key = self.cache.order_key(self.store_id, order_id)
        cached = await self.cache.read(key)
        if isinstance(cached, dict):
            return cached
        payload = await super().get_order_payload(order_id)
        if payload is not None:
            await self.cache.write(self.store_id, [key], payload, [payload])
        return payload

    async def find_order_payload(self, number: int | str) -> Json | None:
        """The order by the number the customer sees, from the cache when fresh."""
        wanted = order_number(number)
        if wanted is None:
            return None
        key = self.cache.number_key(self.store_id, wanted)
        cached = await self.cache.read(key)
        if isinstance(cached, dict):
            return cached
        payload = await super().find_order_payload(wanted)
        if payload is not None:
            keys = [key]
            if isinstance(payload.get("id"), int):
                keys.append(self.cache.order_key(self.store_id, payload["id"]))
            await self.cache.write(self.store_id, keys, payload, [payload])
        return payload

    async def search_order_payloads(
        self, query: str, *, limit: int = 50, per_page: int | None = None
    ) -> list[Json]:
        """Orders matching `query`, from the cache when fresh; empty results are not kept."""
        if not query.strip():
            return []
        key = self.cache.search_key(self.store_id, query, limit)
        cached = await self.cache.read(key)
        if isinstance(cached, list):
            return cached
        payloads = await super().search_order_payloads(query, limit=limit, per_page=per_page)
        if payloads:
            await self.cache.write(self.store_id, [key], payloads, payloads, query=query)
        return payloads

    async def search_product_payloads(self, query: str, *, limit: int = 20) -> list[Json]:
        """Products matching `query`, from the cache when fresh; empty results are kept too."""
        if not query.strip():
            return []
        key = self.cache.product_search_key(self.store_id, query, limit)
        return await self._catalog_read(
            key,
            lambda: super(CachedNuvemshopClient, self).search_product_payloads(query, limit=limit),
        )

    async def page_payloads(self) -> list[Json]:
        """The store's pages, from the cache when fresh."""
        key = self.cache.pages_key(self.store_id)
        return await self._catalog_read(key, super().page_payloads)

    async def _catalog_read(
        self, key: str, fetch: Callable[[], Awaitable[list[Json]]]
    ) -> list[Json]:
        """A list with no personal data, from `key` when fresh, else fetched and kept there."""
        cached = await self.cache.read(key)
        if isinstance(cached, list):
            return cached
        payloads = await fetch()
        await self.cache.write(self.store_id, [key], payloads, [])
        return payloads
