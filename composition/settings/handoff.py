"""Handing a conversation to people: routing, department hours, notices and the idle sweep.

ATENDENTE_HANDOFF_* and ATENDENTE_DEPARTMENT_HOURS.
"""

from __future__ import annotations

from pydantic import BaseModel, Field, SecretStr, model_validator

from composition.settings.base import SystemSettings, env_names
from tools.handoff_reasons import DEFAULT_ROUTING

DEFAULT_HANDOFF_ROUTING: dict[str, str] = dict(DEFAULT_ROUTING)


class DepartmentHours(BaseModel):
    """When a department has people at work: weekdays from `start` to `end` o'clock."""

    start: int = Field(9, ge=0, le=23)
    end: int = Field(18, ge=1, le=24)
    saturday_end: int | None = Field(None, ge=1, le=24)
    """Set to also work Saturday mornings, from `start` to this hour."""

    @model_validator(mode="after")
    def _ordered(self) -> DepartmentHours:
        if self.end <= self.start or (
            self.saturday_end is not None and self.saturday_end <= self.start
        ):
            raise ValueError("a department's hours must end after they start")
        return self


DEFAULT_DEPARTMENT_HOURS: dict[str, DepartmentHours] = {
    "financeiro": DepartmentHours(start=9, end=18),
    "logistica": DepartmentHours(start=8, end=18),
    "trocas": DepartmentHours(start=9, end=18),
    "atendimento": DepartmentHours(start=9, end=18, saturday_end=13),
}


class HandoffSettings(SystemSettings):
    """Handing a conversation to people: routing, department hours, notices and the idle sweep."""

    handoff_routing: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_HANDOFF_ROUTING),
        validation_alias=env_names("ATENDENTE_HANDOFF_ROUTING"),
    )
    department_hours: dict[str, DepartmentHours] = Field(
        default_factory=lambda: dict(DEFAULT_DEPARTMENT_HOURS),
        validation_alias=env_names("ATENDENTE_DEPARTMENT_HOURS"),
    )
    """Working hours per department (JSON), so a handoff says when a person will answer."""
    handoff_idle_hours: float = Field(
        24.0, gt=0, validation_alias=env_names("ATENDENTE_HANDOFF_IDLE_HOURS")
    )
    """A handed-off thread with no activity for this long goes back to the bot."""
    handoff_idle_sweep_seconds: float = Field(
        300.0, gt=0, validation_alias=env_names("ATENDENTE_HANDOFF_IDLE_SWEEP_SECONDS")
    )
    handoff_notify_whatsapp: dict[str, str] = Field(
        default_factory=dict, validation_alias=env_names("ATENDENTE_HANDOFF_NOTIFY_WHATSAPP")
    )
    """JSON: the WhatsApp number of each department, told of every new ticket."""
    handoff_webhook_url: str | None = Field(
        None, validation_alias=env_names("ATENDENTE_HANDOFF_WEBHOOK_URL")
    )
    """An inbox (e.g. Chatwoot) that receives every new ticket as signed JSON."""
    handoff_webhook_secret: SecretStr | None = Field(
        None, validation_alias=env_names("ATENDENTE_HANDOFF_WEBHOOK_SECRET")
    )
