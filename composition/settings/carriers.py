"""The carriers: Correios, 17TRACK, and how tracking answers are cached and judged.

CORREIOS_*, SEVENTEENTRACK_* and TRACKING_*.
"""

from __future__ import annotations

from pydantic import Field, SecretStr

from composition.settings.base import SystemSettings, env_names


class CarrierSettings(SystemSettings):
    """The carriers: Correios, 17TRACK, and how tracking answers are cached and judged."""

    correios_api_url: str = Field(
        "https://api.correios.com.br", validation_alias=env_names("CORREIOS_API_URL")
    )
    correios_token: SecretStr | None = Field(None, validation_alias=env_names("CORREIOS_TOKEN"))
    correios_user: str | None = Field(None, validation_alias=env_names("CORREIOS_USER"))
    correios_access_code: SecretStr | None = Field(
        None, validation_alias=env_names("CORREIOS_ACCESS_CODE")
    )
    correios_postage_card: str | None = Field(
        None, validation_alias=env_names("CORREIOS_POSTAGE_CARD")
    )
    seventeentrack_api_key: SecretStr | None = Field(
        None, validation_alias=env_names("SEVENTEENTRACK_API_KEY")
    )
    seventeentrack_api_url: str = Field(
        "https://api.17track.net/track/v2.2", validation_alias=env_names("SEVENTEENTRACK_API_URL")
    )
    tracking_cache_ttl_seconds: int = Field(
        900, ge=0, validation_alias=env_names("TRACKING_CACHE_TTL_SECONDS")
    )
    tracking_stalled_business_days: int = Field(
        5, ge=1, validation_alias=env_names("TRACKING_STALLED_BUSINESS_DAYS")
    )
