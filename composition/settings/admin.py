"""The staff's admin API: its token, rate limit, trusted proxies and ticket links.

ATENDENTE_ADMIN_* and ATENDENTE_FORWARDED_ALLOW_IPS.
"""

from __future__ import annotations

from pydantic import Field, SecretStr

from composition.settings.base import SystemSettings, env_names


class AdminSettings(SystemSettings):
    """The staff's admin API: its token, rate limit, trusted proxies and ticket links."""

    admin_token: SecretStr | None = Field(None, validation_alias=env_names("ATENDENTE_ADMIN_TOKEN"))
    """Bearer token of the admin API; unset, the admin API answers 503."""
    forwarded_allow_ips: str | None = Field(
        None, validation_alias=env_names("ATENDENTE_FORWARDED_ALLOW_IPS")
    )
    """Proxies whose X-Forwarded-For is believed (comma-separated IPs); unset: nobody's, so a
    client cannot pick the address the admin rate limit counts against."""
    admin_rate_limit_per_minute: int = Field(
        60, ge=1, validation_alias=env_names("ATENDENTE_ADMIN_RATE_LIMIT_PER_MINUTE")
    )
    admin_ticket_url: str | None = Field(
        None, validation_alias=env_names("ATENDENTE_ADMIN_TICKET_URL")
    )
    """A link to a ticket in the staff's tool, with `{ticket}` where the id goes."""
