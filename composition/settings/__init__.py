"""Runtime settings, read once from the environment or a `.env` file, one class per system.

Every outside system is switched on by its own variables; with none set, Atendente runs
offline on embedded defaults (the demo store, the demo carrier and the rules brain). Each
system's settings live in their own class (`NuvemshopSettings`, `WhatsAppSettings`,
`ModelSettings`...), which the part that builds that system takes; `Settings` combines them
for the one place the whole system is composed, and adds what spans systems.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field

from composition.settings.admin import AdminSettings
from composition.settings.base import SystemSettings, env_names
from composition.settings.carriers import CarrierSettings
from composition.settings.conversation import ConversationSettings
from composition.settings.handoff import (
    DEFAULT_DEPARTMENT_HOURS,
    DEFAULT_HANDOFF_ROUTING,
    DepartmentHours,
    HandoffSettings,
)
from composition.settings.model import DEFAULT_LLM_PRICES, ModelSettings
from composition.settings.nuvemshop import DEMO_WEBHOOK_SECRET, NuvemshopSettings
from composition.settings.nuvemshop_app import NuvemshopAppSettings
from composition.settings.storage import StorageSettings
from composition.settings.store import StoreSettings
from composition.settings.transcription import TranscriptionSettings
from composition.settings.voice import VoiceSettings
from composition.settings.whatsapp import DEMO_VERIFY_TOKEN, DEMO_WHATSAPP_SECRET, WhatsAppSettings
from composition.settings.worker import WorkerSettings

__all__ = [
    "DEFAULT_DEPARTMENT_HOURS",
    "DEFAULT_HANDOFF_ROUTING",
    "DEFAULT_LLM_PRICES",
    "DEMO_VERIFY_TOKEN",
    "DEMO_WEBHOOK_SECRET",
    "DEMO_WHATSAPP_SECRET",
    "AdminSettings",
    "CarrierSettings",
    "ConversationSettings",
    "DepartmentHours",
    "HandoffSettings",
    "ModelSettings",
    "NuvemshopAppSettings",
    "NuvemshopSettings",
    "Settings",
    "StorageSettings",
    "StoreSettings",
    "TranscriptionSettings",
    "VoiceSettings",
    "WhatsAppSettings",
    "WorkerSettings",
    "get_settings",
]


class Settings(
    ModelSettings,
    NuvemshopSettings,
    NuvemshopAppSettings,
    WhatsAppSettings,
    CarrierSettings,
    StorageSettings,
    WorkerSettings,
    StoreSettings,
    VoiceSettings,
    TranscriptionSettings,
    HandoffSettings,
    AdminSettings,
    ConversationSettings,
):
    """Everything configurable about one deployment: every system's settings, combined."""

    environment: Literal["development", "production"] = Field(
        "development", validation_alias=env_names("ATENDENTE_ENV")
    )
    """Development serves the playground page when WhatsApp is offline."""
    stores_file: Path | None = Field(None, validation_alias=env_names("ATENDENTE_STORES_FILE"))
    """A TOML file of the stores this deployment serves (`composition.stores`); unset: one."""

    @property
    def serves_playground(self) -> bool:
        """The playground signs with the offline secret, so only offline and in development."""
        return self.environment == "development" and self.uses_fake_whatsapp

    @property
    def uses_installed_token(self) -> bool:
        """The store's token is the one the partner app's install keeps, not an environment one.

        So with the app set up, `NUVEMSHOP_STORE_ID` alone names a real store.
        """
        return bool(
            self.nuvemshop_app_id
            and self.nuvemshop_app_secret
            and self.nuvemshop_store_id
            and not self.nuvemshop_access_token
        )


SYSTEMS: tuple[type[SystemSettings], ...] = tuple(
    base for base in Settings.__bases__ if issubclass(base, SystemSettings)
)
"""Every system's settings class, in the order `Settings` combines them."""


@lru_cache
def get_settings() -> Settings:
    """Read the settings once per process; tests build their own `Settings` instead."""
    return Settings()
