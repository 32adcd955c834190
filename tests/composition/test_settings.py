"""Settings by system: each class reads its own variables, and `Settings` is all of them."""

from __future__ import annotations

import pytest

from composition.settings import SYSTEMS, Settings, WhatsAppSettings


def test_every_setting_belongs_to_exactly_one_system() -> None:
    owners: dict[str, list[str]] = {}
    for system in SYSTEMS:
        for name in system.model_fields:
            owners.setdefault(name, []).append(system.__name__)
    assert {name: who for name, who in owners.items() if len(who) > 1} == {}
    spanning = {"environment", "stores_file"}
    assert set(Settings.model_fields) - set(owners) == spanning, "spans systems"


def test_a_system_reads_its_own_variables_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WHATSAPP_PHONE_NUMBER_ID", "109876543210")
    monkeypatch.setenv("NUVEMSHOP_STORE_ID", "42")
    whatsapp = WhatsAppSettings(_env_file=None)
    assert whatsapp.whatsapp_phone_number_id == "109876543210"
    assert "nuvemshop_store_id" not in WhatsAppSettings.model_fields
    combined = Settings(_env_file=None)
    assert (combined.whatsapp_phone_number_id, combined.nuvemshop_store_id) == (
        "109876543210",
        "42",
    )
