"""The staff's admin API and inbox: token, rate limits, sessions, proxies, ticket links.

ATENDENTE_ADMIN_*, ATENDENTE_INBOX_* and ATENDENTE_FORWARDED_ALLOW_IPS.
"""

from __future__ import annotations

from pydantic import Field, SecretStr

from composition.settings.base import SystemSettings, env_names


class AdminSettings(SystemSettings):
    """The staff's admin API and inbox: token, rate limits, sessions, proxies, ticket links."""

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
    inbox_session_hours: float = Field(
        12.0, gt=0, le=24 * 30, validation_alias=env_names("ATENDENTE_INBOX_SESSION_HOURS")
    )
    """An inbox agent signs in again after this long."""
    inbox_login_attempts_per_minute: int = Field(
        10, ge=1, validation_alias=env_names("ATENDENTE_INBOX_LOGIN_ATTEMPTS_PER_MINUTE")
    )
    """Inbox sign-in attempts per minute, per client address and per login."""
    inbox_requests_per_minute: int = Field(
        600, ge=1, validation_alias=env_names("ATENDENTE_INBOX_REQUESTS_PER_MINUTE")
    )
    """Requests per minute of one signed-in agent (the page's live updates included)."""
