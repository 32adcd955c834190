"""The WhatsApp Cloud API number: credentials, Graph API, webhook secret and verify token.

Every variable starts with WHATSAPP_.
"""

from __future__ import annotations

from pydantic import Field, SecretStr

from composition.settings.base import SystemSettings, env_names

DEMO_WHATSAPP_SECRET = "demo-whatsapp-secret"
DEMO_VERIFY_TOKEN = "demo-verify-token"


class WhatsAppSettings(SystemSettings):
    """The WhatsApp Cloud API number: credentials, Graph API, webhook secret and verify token."""

    whatsapp_api_url: str = Field(
        "https://graph.facebook.com", validation_alias=env_names("WHATSAPP_API_URL")
    )
    whatsapp_api_version: str = Field("v21.0", validation_alias=env_names("WHATSAPP_API_VERSION"))
    whatsapp_access_token: SecretStr | None = Field(
        None, validation_alias=env_names("WHATSAPP_ACCESS_TOKEN")
    )
    whatsapp_phone_number_id: str | None = Field(
        None, validation_alias=env_names("WHATSAPP_PHONE_NUMBER_ID")
    )
    whatsapp_business_account_id: str | None = Field(
        None, validation_alias=env_names("WHATSAPP_BUSINESS_ACCOUNT_ID")
    )
    """The WhatsApp Business Account that owns the number's message templates."""
    whatsapp_app_secret: SecretStr | None = Field(
        None, validation_alias=env_names("WHATSAPP_APP_SECRET")
    )
    """Signs WhatsApp webhooks (X-Hub-Signature-256); offline, a development secret."""
    whatsapp_verify_token: SecretStr | None = Field(
        None, validation_alias=env_names("WHATSAPP_VERIFY_TOKEN")
    )

    @property
    def uses_fake_whatsapp(self) -> bool:
        """True without WhatsApp credentials: replies go to an offline Graph API."""
        return not (self.whatsapp_access_token and self.whatsapp_phone_number_id)

    @property
    def whatsapp_secret(self) -> str | None:
        """The secret that signs WhatsApp webhooks; a fixed one when WhatsApp is offline."""
        if self.whatsapp_app_secret is not None:
            return self.whatsapp_app_secret.get_secret_value()
        return DEMO_WHATSAPP_SECRET if self.uses_fake_whatsapp else None
