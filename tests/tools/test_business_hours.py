from __future__ import annotations

from datetime import UTC, datetime

import pytest

from composition.settings import Settings
from composition.wiring import departments
from tools.business_hours import weekday_hours


def at(day: int, hour: int) -> datetime:
    """A moment in November 2026, São Paulo hour (UTC-3) -> UTC."""
    return datetime(2026, 11, day, hour + 3, 0, tzinfo=UTC)


def test_weekday_hours() -> None:
    hours = weekday_hours(9, 18, saturday_end=13)
    assert hours.is_open(at(24, 9))  # Tuesday 9:00
    assert not hours.is_open(at(24, 18))  # Tuesday 18:00
    assert hours.is_open(at(28, 12))  # Saturday 12:00
    assert not hours.is_open(at(28, 13))
    assert not hours.is_open(at(29, 10))  # Sunday
    assert "sábados" in hours.description


def test_department_hours_come_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATENDENTE_DEPARTMENT_HOURS", '{"logistica": {"start": 7, "end": 20}}')
    configured = departments(Settings(_env_file=None))
    assert configured["logistica"].hours.is_open(at(24, 7))
    assert configured["logistica"].hours.description == "de segunda a sexta, das 7h às 20h"
    assert not configured["financeiro"].hours.is_open(at(24, 8))


def test_department_hours_must_make_sense(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATENDENTE_DEPARTMENT_HOURS", '{"trocas": {"start": 18, "end": 9}}')
    with pytest.raises(ValueError, match="end after they start"):
        Settings(_env_file=None)
