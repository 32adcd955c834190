"""Build the graph's run-time context from settings: the composition root.

Real systems are used when their credentials are set; otherwise the offline demo store
and demo carriers answer through the very same client code, only the transport differs.
With a Redis client, order look-ups and tracking are cached there and the Nuvemshop rate
limit is shared by every process. The demo carriers' events are dated relative to now, so
the demo tells the same story whatever the day.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import datetime, timedelta

import httpx

from agent.brains.base import Brain
from agent.brains.openai.brain import OpenAIBrain
from agent.brains.rules.brain import RulesBrain
from agent.context import Context, Limits
from agent.store_profile import StoreProfile
from agent.store_voice.templates import load_templates
from agent.store_voice.tone import Tone
from composition.knowledge import build_embedder, catalog, knowledge_base
from composition.model import build_chat_model, model_name
from composition.settings import Settings
from composition.tracing import configure_tracing
from integrations.clock import Clock, utc_now
from integrations.nuvemshop.cache import CachedNuvemshopClient, OrderCache, cache_secret
from integrations.nuvemshop.client import ORDER_FIELDS, ClientOptions, NuvemshopClient
from integrations.nuvemshop.demo.store import demo_transport
from integrations.nuvemshop.installations import InstallationStore
from integrations.nuvemshop.installed_token import InstalledToken
from integrations.nuvemshop.ratelimit import Bucket, RedisRateLimiter
from integrations.nuvemshop.session import RetryPolicy
from integrations.redis.client import RedisClient
from integrations.redis.connection import open_redis
from integrations.redis.encryption import encrypted_serializer, thread_id_secret
from integrations.redis.protection import Protection
from integrations.redis.saver import RedisSaver
from integrations.tracking.base import TrackingProvider
from integrations.tracking.cache import TrackingCache
from integrations.tracking.chain import carrier_chain
from integrations.tracking.correios import CorreiosClient
from integrations.tracking.correios_auth import CorreiosTokenSource
from integrations.tracking.demo import (
    DEMO_CORREIOS_ACCESS_CODE,
    DEMO_CORREIOS_USER,
    DEMO_POSTAGE_CARD,
    demo_correios_transport,
)
from integrations.tracking.seventeentrack import SeventeenTrackClient
from integrations.tracking.seventeentrack_demo import demo_seventeentrack_transport
from tools.business_hours import weekday_hours
from tools.departments import (
    Department,
    DepartmentRouter,
    InMemoryTicketStore,
    TicketStore,
    with_hours,
)
from tools.orders import OrderService
from tools.ticket_store import RedisTicketStore
from tools.tracking import TrackingService

DEMO_STORE_ID = "demo"
DEMO_TOKEN = "demo-token"
DEMO_17TRACK_KEY = "demo-17track-key"


def build_brain(settings: Settings, *, llm_http_client: httpx.AsyncClient | None = None) -> Brain:
    """The brain named by `ATENDENTE_BRAIN` (`auto`: the model when a key is set).

    Args:
        settings: The brain choice and the model's settings.
        llm_http_client: The HTTP client for model requests; tests and eval replays pass
            one that never leaves the process.

    Raises:
        ModelNotConfiguredError: `openai` was chosen with no key and no server to talk to.
    """
    configure_tracing(settings)
    if settings.resolved_brain == "rules":
        return RulesBrain()
    model = build_chat_model(settings, http_async_client=llm_http_client)
    return OpenAIBrain(
        model,
        model_name=model_name(settings),
        prices=settings.llm_prices,
        rules_confidence=settings.rules_confidence,
        context_tokens=settings.llm_context_tokens,
        deadline_seconds=settings.llm_timeout_seconds,
    )


def _store_credentials(settings: Settings) -> tuple[str, str]:
    if settings.nuvemshop_store_id and settings.nuvemshop_access_token is not None:
        return settings.nuvemshop_store_id, settings.nuvemshop_access_token.get_secret_value()
    return settings.nuvemshop_store_id or DEMO_STORE_ID, DEMO_TOKEN


def protection(settings: Settings) -> Protection:
    """How personal data outside the checkpoints is kept: sealed when a key is set."""
    key = settings.encryption_key.get_secret_value() if settings.encryption_key else None
    return Protection(key)


def order_cache(redis: RedisClient, settings: Settings) -> OrderCache:
    """The Redis cache of order look-ups, keyed so no e-mail shows in key names.

    Keyed with the store's token, or, when the app's install keeps the token, with the
    encryption key (which such a deployment must have).
    """
    _, token = _store_credentials(settings)
    if settings.uses_installed_token and settings.encryption_key is not None:
        token = settings.encryption_key.get_secret_value()
    return OrderCache(
        redis,
        f"{settings.redis_prefix}:nuvemshop:cache",
        secret=cache_secret(token),
        ttl=settings.nuvemshop_order_cache_ttl_seconds,
        protection=protection(settings),
    )


def installation_store(settings: Settings, redis: RedisClient) -> InstallationStore:
    """Where the partner app's install keeps each store's token, sealed."""
    return InstallationStore(redis, f"{settings.redis_prefix}:nuvemshop", protection(settings))


def _token(settings: Settings, redis: RedisClient | None) -> str | httpx.Auth:
    """The store's token, or, for a store the app's install holds, how to read it."""
    if not settings.uses_installed_token:
        return _store_credentials(settings)[1]
    if redis is None:
        raise ValueError("a store whose token the app's install keeps is read through Redis")
    store_id = settings.nuvemshop_store_id or ""
    return InstalledToken(installation_store(settings, redis), store_id)


def build_nuvemshop(settings: Settings, redis: RedisClient | None = None) -> NuvemshopClient:
    """The store's API client: the real API with credentials, else the demo store.

    With `redis`, look-ups are cached and the rate limit is shared through it.
    """
    store_id, demo_token = _store_credentials(settings)
    token = _token(settings, redis)
    agent_name = settings.nuvemshop_user_agent
    options = ClientOptions()
    if settings.uses_demo_store:
        options["transport"] = demo_transport(store_id, demo_token)
    else:
        options["base_url"] = settings.nuvemshop_api_url
        options["api_version"] = settings.nuvemshop_api_version
        options["retry"] = RetryPolicy(attempts=settings.nuvemshop_retry_attempts)
        options["order_fields"] = ORDER_FIELDS
    if redis is None:
        return NuvemshopClient(
            store_id=store_id, access_token=token, user_agent=agent_name, **options
        )
    bucket = Bucket(
        settings.nuvemshop_rate_limit_capacity, settings.nuvemshop_rate_limit_leak_per_second
    )
    options["limiter"] = RedisRateLimiter(
        redis, f"{settings.redis_prefix}:nuvemshop:ratelimit", bucket
    )
    return CachedNuvemshopClient(
        cache=order_cache(redis, settings),
        store_id=store_id,
        access_token=token,
        user_agent=agent_name,
        **options,
    )


async def _carriers(
    settings: Settings, stack: AsyncExitStack, now: datetime
) -> tuple[TrackingProvider | None, TrackingProvider | None]:
    """Correios (static token, or one issued from the postage card) and 17TRACK, if set up.

    The demo carriers date their parcels' histories relative to `now`.
    """
    demo = settings.uses_demo_store
    correios: CorreiosClient | None = None
    if settings.correios_token is not None:
        correios = CorreiosClient(
            base_url=settings.correios_api_url, token=settings.correios_token.get_secret_value()
        )
    elif (
        settings.correios_user and settings.correios_access_code and settings.correios_postage_card
    ) or demo:
        transport = None
        if demo and not settings.correios_user:
            transport = demo_correios_transport(now=now)
        source = CorreiosTokenSource(
            user=settings.correios_user or DEMO_CORREIOS_USER,
            access_code=(
                settings.correios_access_code.get_secret_value()
                if settings.correios_access_code
                else DEMO_CORREIOS_ACCESS_CODE
            ),
            postage_card=settings.correios_postage_card or DEMO_POSTAGE_CARD,
            base_url=settings.correios_api_url,
            transport=transport,
        )
        await stack.enter_async_context(source)
        correios = CorreiosClient(
            base_url=settings.correios_api_url, token_source=source, transport=transport
        )
    aggregator: SeventeenTrackClient | None = None
    if settings.seventeentrack_api_key is not None:
        aggregator = SeventeenTrackClient(
            api_key=settings.seventeentrack_api_key.get_secret_value(),
            base_url=settings.seventeentrack_api_url,
        )
    elif demo:
        aggregator = SeventeenTrackClient(
            api_key=DEMO_17TRACK_KEY, transport=demo_seventeentrack_transport(now=now)
        )
    for client in (correios, aggregator):
        if client is not None:
            await stack.enter_async_context(client)
    return correios, aggregator


def tracking_cache(redis: RedisClient, settings: Settings) -> TrackingCache:
    """The Redis cache of carrier answers."""
    return TrackingCache(
        redis,
        prefix=f"{settings.redis_prefix}:trk",
        ttl=timedelta(seconds=settings.tracking_cache_ttl_seconds),
    )


def departments(settings: Settings) -> dict[str, Department]:
    """The departments with the working hours from settings."""
    return with_hours(
        {
            key: weekday_hours(hours.start, hours.end, saturday_end=hours.saturday_end)
            for key, hours in settings.department_hours.items()
        }
    )


def store_profile(settings: Settings) -> StoreProfile:
    """The public facts about the store, from settings, in the store's own voice.

    Raises:
        TemplatesError: `ATENDENTE_REPLY_TEMPLATES` names a file that is missing or wrong.
    """
    return StoreProfile(
        name=settings.store_name,
        url=settings.store_url,
        hours=settings.store_hours,
        exchange_policy=settings.store_exchange_policy,
        tone=Tone(
            speaker=settings.tone_speaker,
            formality=settings.tone_formality,
            emoji=settings.tone_emoji,
        ),
        replies=load_templates(settings.reply_templates),
    )


def _ticket_store(settings: Settings, redis: RedisClient | None) -> TicketStore:
    """Tickets where every entry point sees them: in Redis whenever there is one.

    A process-local store numbered its own ATD-00001 and kept tickets the admin API and
    the service could not see, so `atendente chat` re-issued numbers the service had given.
    """
    if redis is None:
        return InMemoryTicketStore()
    return redis_tickets(settings, redis)


def redis_tickets(settings: Settings, redis: RedisClient) -> RedisTicketStore:
    """The shared ticket store: kept as long as conversations, sealed when a key is set."""
    retention = timedelta(days=settings.conversation_ttl_days)
    return RedisTicketStore(
        redis, settings.redis_prefix, retention=retention, protection=protection(settings)
    )


@asynccontextmanager
async def open_context(
    settings: Settings,
    *,
    redis: RedisClient | None = None,
    tickets: TicketStore | None = None,
    nuvemshop: NuvemshopClient | None = None,
    brain: Brain | None = None,
    clock: Clock = utc_now,
) -> AsyncIterator[Context]:
    """Open every client the graph needs (or use `nuvemshop`, `brain`); close them on exit.

    `clock` is the turn's "now" (the evals replay a dialogue on its recorded day).
    """
    async with AsyncExitStack() as stack:
        if nuvemshop is None:
            nuvemshop = await stack.enter_async_context(build_nuvemshop(settings, redis))
        correios, aggregator = await _carriers(settings, stack, clock())
        cache = tracking_cache(redis, settings) if redis is not None else None
        chain = carrier_chain(correios=correios, aggregator=aggregator, cache=cache)
        yield Context(
            brain=brain or build_brain(settings),
            orders=OrderService(nuvemshop),
            tracking=TrackingService(
                chain if (correios or aggregator) else None,
                clock=clock,
                stalled_after_business_days=settings.tracking_stalled_business_days,
            ),
            tickets=tickets or _ticket_store(settings, redis),
            departments=DepartmentRouter(settings.handoff_routing, departments(settings)),
            store=store_profile(settings),
            catalog=catalog(settings, nuvemshop),
            knowledge=knowledge_base(
                settings, nuvemshop, build_embedder(settings) if brain is None else None
            ),
            limits=Limits(
                max_tool_rounds=settings.max_tool_rounds,
                max_inbound_chars=settings.max_inbound_chars,
                identity_attempts=settings.identity_attempts,
                history_turns=settings.history_turns,
            ),
            clock=clock,
        )


def build_saver(client: RedisClient, settings: Settings) -> RedisSaver:
    """The checkpoint saver the app uses: bounded, expiring, encrypted when a key is set."""
    key = settings.encryption_key.get_secret_value() if settings.encryption_key else None
    return RedisSaver(
        client,
        keep_last=settings.checkpoint_keep_last,
        ttl_seconds=settings.conversation_ttl_days * 24 * 3600,
        prefix=f"{settings.redis_prefix}:cp",
        serde=encrypted_serializer(key) if key else None,
        key_secret=thread_id_secret(key) if key else None,
    )


@asynccontextmanager
async def open_checkpointer(settings: Settings) -> AsyncIterator[RedisSaver]:
    """Connect to `REDIS_URL`, or start the embedded server, and yield the saver."""
    url = settings.redis_address
    data_dir = settings.data_dir / "redis"
    async with open_redis(url, data_dir=data_dir, cluster=settings.redis_cluster) as client:
        yield build_saver(client, settings)
