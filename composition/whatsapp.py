"""The WhatsApp sender's client: Meta's Graph API with credentials, an offline one without.

Offline, replies go to `FakeGraphAPI`, which checks them as Meta would and records them in
Redis, where the development playground reads them back.
"""

from __future__ import annotations

from dataclasses import dataclass

from composition.settings import Settings
from composition.wiring import protection
from integrations.redis.client import RedisClient
from integrations.whatsapp.client import WhatsAppClient
from integrations.whatsapp.fake_graph import FakeGraphAPI
from integrations.whatsapp.pacing import RedisPacer
from integrations.whatsapp.templates import TemplateClient

FAKE_TOKEN = "fake-whatsapp-token"
FAKE_PHONE_NUMBER_ID = "100000000000001"


@dataclass(frozen=True, slots=True)
class WhatsAppWiring:
    """The client to send with, and the offline Graph API behind it when there is one."""

    client: WhatsAppClient
    fake: FakeGraphAPI | None
    recording_prefix: str
    client_phone_number_id: str


def build_whatsapp(settings: Settings, redis: RedisClient) -> WhatsAppWiring:
    """A paced client for the configured number, or for the offline Graph API."""
    recording = f"{settings.redis_prefix}:dev"
    token = settings.whatsapp_access_token
    number = settings.whatsapp_phone_number_id
    if token is not None and number:
        pacer = RedisPacer(redis, settings.redis_prefix, number, protection=protection(settings))
        client = WhatsAppClient(
            access_token=token.get_secret_value(),
            phone_number_id=number,
            api_url=settings.whatsapp_api_url,
            api_version=settings.whatsapp_api_version,
            pacer=pacer,
        )
        return WhatsAppWiring(client, None, recording, number)
    offline_number = number or FAKE_PHONE_NUMBER_ID  # each offline store on a number of its own
    fake = FakeGraphAPI(
        access_token=FAKE_TOKEN,
        phone_number_id=offline_number,
        redis=redis,
        prefix=recording,
    )
    client = WhatsAppClient(
        access_token=FAKE_TOKEN,
        phone_number_id=offline_number,
        api_url=settings.whatsapp_api_url,
        api_version=settings.whatsapp_api_version,
        transport=fake.transport(),
    )
    return WhatsAppWiring(client, fake, recording, offline_number)


class MissingBusinessAccount(ValueError):
    """Real WhatsApp credentials are set but not the business account the templates live in."""


def build_template_client(settings: Settings) -> TemplateClient:
    """The business account's templates: Meta's with credentials, the offline ones without.

    Raises:
        MissingBusinessAccount: credentials are set but WHATSAPP_BUSINESS_ACCOUNT_ID is not.
    """
    token = settings.whatsapp_access_token
    if settings.uses_fake_whatsapp or token is None:
        fake = FakeGraphAPI(access_token=FAKE_TOKEN, phone_number_id=FAKE_PHONE_NUMBER_ID)
        return TemplateClient(
            access_token=FAKE_TOKEN,
            business_account_id=fake.message_templates.business_account_id,
            api_url=settings.whatsapp_api_url,
            api_version=settings.whatsapp_api_version,
            transport=fake.transport(),
        )
    if not settings.whatsapp_business_account_id:
        raise MissingBusinessAccount(
            "WHATSAPP_BUSINESS_ACCOUNT_ID is not set (Meta's WhatsApp Manager shows it)"
        )
    return TemplateClient(
        access_token=token.get_secret_value(),
        business_account_id=settings.whatsapp_business_account_id,
        api_url=settings.whatsapp_api_url,
        api_version=settings.whatsapp_api_version,
    )
