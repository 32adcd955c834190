"""What every system's settings share: read from the environment or `.env`, by name."""

from __future__ import annotations

from pydantic import AliasChoices
from pydantic_settings import BaseSettings, SettingsConfigDict


def env_names(*names: str) -> AliasChoices:
    """Accept a setting under each of its environment names (ours or the vendor's)."""
    return AliasChoices(*names)


class SystemSettings(BaseSettings):
    """One system's settings; each field names its environment variable explicitly."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)
