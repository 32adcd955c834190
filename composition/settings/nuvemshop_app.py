"""The Nuvemshop partner app: its id, Nuvemshop's OAuth endpoints, and our public address.

The app's secret is `NUVEMSHOP_APP_SECRET` (`NuvemshopSettings`), which both signs the
store webhooks and authenticates the app at the token endpoint. With `NUVEMSHOP_APP_ID`
and that secret set, merchants install the app at `/nuvemshop/install`.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import Field, field_validator

from composition.settings.base import SystemSettings, env_names

DEFAULT_AUTHORIZE_URL = "https://www.nuvemshop.com.br/apps/{app_id}/authorize"
DEFAULT_TOKEN_URL = "https://www.nuvemshop.com/apps/authorize/token"


class NuvemshopAppSettings(SystemSettings):
    """The Nuvemshop partner app: its id, Nuvemshop's OAuth endpoints, our public address."""

    nuvemshop_app_id: str | None = Field(None, validation_alias=env_names("NUVEMSHOP_APP_ID"))
    """The app's id in the partner portal, which is also its OAuth client id."""
    public_url: str | None = Field(None, validation_alias=env_names("ATENDENTE_PUBLIC_URL"))
    """Where Nuvemshop reaches this service: the base of the webhook and redirect URLs."""
    nuvemshop_authorize_url: str = Field(
        DEFAULT_AUTHORIZE_URL, validation_alias=env_names("NUVEMSHOP_AUTHORIZE_URL")
    )
    """`{app_id}` is replaced by the app's id."""
    nuvemshop_token_url: str = Field(
        DEFAULT_TOKEN_URL, validation_alias=env_names("NUVEMSHOP_TOKEN_URL")
    )

    @field_validator("public_url")
    @classmethod
    def _public_address(cls, value: str | None) -> str | None:
        """Unset when blank; otherwise a web address, as the other two."""
        return _web_address(value) if value and value.strip() else None

    @field_validator("nuvemshop_authorize_url", "nuvemshop_token_url")
    @classmethod
    def _endpoint(cls, value: str) -> str:
        """Nuvemshop's endpoints, or an offline stand-in's: web addresses too."""
        return _web_address(value)


def _web_address(value: str) -> str:
    """An http(s) address with a host, kept without a trailing slash."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("expected an http(s) address such as https://atendente.example.com")
    return value.strip().rstrip("/")
