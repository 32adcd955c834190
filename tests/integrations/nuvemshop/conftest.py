from collections.abc import AsyncIterator

import pytest

from integrations.nuvemshop.client import NuvemshopClient
from integrations.nuvemshop.demo import demo_transport

USER_AGENT = "Atendente tests (dev@example.com)"


@pytest.fixture
async def store() -> AsyncIterator[NuvemshopClient]:
    async with NuvemshopClient(
        store_id="demo",
        access_token="demo-token",
        user_agent=USER_AGENT,
        transport=demo_transport(),
    ) as client:
        yield client
