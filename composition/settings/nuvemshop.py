"""The store's Nuvemshop account: credentials, API, webhook secret, rate limit and cache.

Every variable starts with NUVEMSHOP_.
"""

from __future__ import annotations

from pydantic import Field, SecretStr

from composition.settings.base import SystemSettings, env_names

DEMO_WEBHOOK_SECRET = "demo-app-secret"


class NuvemshopSettings(SystemSettings):
    """The store's Nuvemshop account: credentials, API, webhook secret, rate limit and cache."""

    nuvemshop_store_id: str | None = Field(None, validation_alias=env_names("NUVEMSHOP_STORE_ID"))
    nuvemshop_access_token: SecretStr | None = Field(
        None, validation_alias=env_names("NUVEMSHOP_ACCESS_TOKEN")
    )
    nuvemshop_api_url: str = Field(
        "https://api.nuvemshop.com.br", validation_alias=env_names("NUVEMSHOP_API_URL")
    )
    nuvemshop_api_version: str = Field("v1", validation_alias=env_names("NUVEMSHOP_API_VERSION"))
    nuvemshop_user_agent: str = Field(
        "Atendente (suporte@atendente.app)", validation_alias=env_names("NUVEMSHOP_USER_AGENT")
    )
    nuvemshop_app_secret: SecretStr | None = Field(
        None, validation_alias=env_names("NUVEMSHOP_APP_SECRET")
    )
    """Signs store webhooks (x-linkedstore-hmac-sha256); the demo store uses a demo secret."""
    nuvemshop_rate_limit_capacity: int = Field(
        40, ge=1, validation_alias=env_names("NUVEMSHOP_RATE_LIMIT_CAPACITY")
    )
    nuvemshop_rate_limit_leak_per_second: float = Field(
        2.0, gt=0, validation_alias=env_names("NUVEMSHOP_RATE_LIMIT_LEAK_PER_SECOND")
    )
    nuvemshop_retry_attempts: int = Field(
        3, ge=1, le=10, validation_alias=env_names("NUVEMSHOP_RETRY_ATTEMPTS")
    )
    nuvemshop_order_cache_ttl_seconds: float = Field(
        60.0, ge=0, validation_alias=env_names("NUVEMSHOP_ORDER_CACHE_TTL_SECONDS")
    )

    @property
    def webhook_secret(self) -> str | None:
        """The secret that signs store webhooks; a fixed one for the offline demo store."""
        if self.nuvemshop_app_secret is not None:
            return self.nuvemshop_app_secret.get_secret_value()
        return DEMO_WEBHOOK_SECRET if self.uses_demo_store else None

    @property
    def uses_installed_token(self) -> bool:
        """Whether the partner app's install keeps the store's token.

        `Settings`, which also knows the app's settings, says so; these alone cannot.
        """
        return False

    @property
    def uses_demo_store(self) -> bool:
        """True when no Nuvemshop credentials are set, so the offline demo store serves orders."""
        has_token = bool(self.nuvemshop_access_token) or self.uses_installed_token
        return not (self.nuvemshop_store_id and has_token)
