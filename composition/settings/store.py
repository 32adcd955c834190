"""What the bot may say about the store, and which proactive notices it sends.

ATENDENTE_STORE_*, ATENDENTE_KNOWLEDGE_FILE and ATENDENTE_AUTOMATION*.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from composition.settings.base import SystemSettings, env_names


class StoreSettings(SystemSettings):
    """What the bot may say about the store, and which proactive notices it sends."""

    store_name: str = Field("Loja Aurora", validation_alias=env_names("ATENDENTE_STORE_NAME"))
    store_url: str = Field(
        "https://lojaaurora.example.com", validation_alias=env_names("ATENDENTE_STORE_URL")
    )
    store_hours: str = Field(
        "de segunda a sexta, das 9h às 18h, e aos sábados, das 9h às 13h",
        validation_alias=env_names("ATENDENTE_STORE_HOURS"),
    )
    store_exchange_policy: str = Field(
        "Você tem até 30 dias após o recebimento para trocar ou devolver, "
        "com a etiqueta e sem sinais de uso.",
        validation_alias=env_names("ATENDENTE_STORE_EXCHANGE_POLICY"),
    )
    knowledge_file: Path | None = Field(
        None, validation_alias=env_names("ATENDENTE_KNOWLEDGE_FILE")
    )
    """The store's knowledge file (YAML); unset: the demo store's, `tools/knowledge/demo.yaml`."""
    automations: dict[str, bool] = Field(
        default_factory=lambda: {
            "order_paid": True,
            "order_shipped": True,
            "order_cancelled": True,
        },
        validation_alias=env_names("ATENDENTE_AUTOMATIONS"),
    )
    """Proactive WhatsApp messages switched on or off, by kind (JSON)."""
    automation_templates: dict[str, str] = Field(
        default_factory=lambda: {
            "order_paid": "pedido_pago",
            "order_shipped": "pedido_enviado",
            "order_cancelled": "pedido_cancelado",
            "order_shipped_untracked": "pedido_enviado_sem_rastreio",
        },
        validation_alias=env_names("ATENDENTE_AUTOMATION_TEMPLATES"),
    )
    """Approved WhatsApp template per kind, used outside the customer's 24 h window (JSON)."""
