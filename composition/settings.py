"""Runtime settings, read once from the environment or a `.env` file.

Every outside system is switched on by its own variables; with none set, Atendente runs
offline on embedded defaults (the demo store, the demo carrier and the rules brain).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, BaseModel, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from agent.accounting import LLMPrice
from tools.handoff_reasons import DEFAULT_ROUTING

DEFAULT_HANDOFF_ROUTING: dict[str, str] = dict(DEFAULT_ROUTING)


DEMO_WEBHOOK_SECRET = "demo-app-secret"
DEMO_WHATSAPP_SECRET = "demo-whatsapp-secret"
DEMO_VERIFY_TOKEN = "demo-verify-token"


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


DEFAULT_LLM_PRICES: dict[str, LLMPrice] = {
    "gpt-4o": LLMPrice(input=2.50, output=10.00),
    "gpt-4o-mini": LLMPrice(input=0.15, output=0.60),
    "gpt-4.1": LLMPrice(input=2.00, output=8.00),
    "gpt-4.1-mini": LLMPrice(input=0.40, output=1.60),
}
"""OpenAI's published prices when this table was written; override with ATENDENTE_LLM_PRICES."""


def _env(*names: str) -> AliasChoices:
    """Accept a setting under each of its environment names (prefixed or vendor-standard)."""
    return AliasChoices(*names)


class Settings(BaseSettings):
    """Everything configurable about one Atendente deployment."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    environment: Literal["development", "production"] = Field(
        "development", validation_alias=_env("ATENDENTE_ENV")
    )
    """Development serves the playground page when WhatsApp is offline."""
    brain: Literal["rules", "openai", "auto"] = Field(
        "auto", validation_alias=_env("ATENDENTE_BRAIN")
    )
    """`auto` thinks with the model when a key is set, otherwise with the offline rules."""

    openai_api_key: SecretStr | None = Field(None, validation_alias=_env("OPENAI_API_KEY"))
    openai_model: str = Field("gpt-4o", validation_alias=_env("OPENAI_MODEL"))
    openai_base_url: str | None = Field(None, validation_alias=_env("OPENAI_BASE_URL"))
    """Any OpenAI-compatible server (vLLM, Ollama, a gateway); unset means OpenAI itself."""
    azure_openai_endpoint: str | None = Field(None, validation_alias=_env("AZURE_OPENAI_ENDPOINT"))
    """Set to use Azure OpenAI; the model is then the deployment name."""
    azure_openai_api_key: SecretStr | None = Field(
        None, validation_alias=_env("AZURE_OPENAI_API_KEY")
    )
    azure_openai_deployment: str | None = Field(
        None, validation_alias=_env("AZURE_OPENAI_DEPLOYMENT")
    )
    openai_api_version: str = Field("2024-10-21", validation_alias=_env("OPENAI_API_VERSION"))
    """The Azure OpenAI REST API version."""
    llm_timeout_seconds: float = Field(
        20.0, gt=0, le=300, validation_alias=_env("ATENDENTE_LLM_TIMEOUT_SECONDS")
    )
    """Deadline of one model request, retries included; past it the rules brain answers."""
    llm_max_retries: int = Field(2, ge=0, le=6, validation_alias=_env("ATENDENTE_LLM_MAX_RETRIES"))
    """Retries of a 429, a 5xx or a dropped connection, with the client's backoff."""
    rules_confidence: float = Field(
        0.85, ge=0.0, le=1.01, validation_alias=_env("ATENDENTE_RULES_CONFIDENCE")
    )
    """Hybrid routing: at or above this rules confidence the model is not asked to classify
    and the rules plan the tools; above 1 the model handles every turn."""
    llm_context_tokens: int = Field(
        2500, ge=300, validation_alias=_env("ATENDENTE_LLM_CONTEXT_TOKENS")
    )
    """Budget of conversation history in each prompt, so a long chat costs what a short one does."""
    llm_prices: dict[str, LLMPrice] = Field(
        default_factory=lambda: dict(DEFAULT_LLM_PRICES),
        validation_alias=_env("ATENDENTE_LLM_PRICES"),
    )
    """USD per million tokens by model name, as JSON: {"gpt-4o": {"input": 2.5, "output": 10}}."""
    langsmith_tracing: bool = Field(False, validation_alias=_env("LANGSMITH_TRACING"))
    langsmith_api_key: SecretStr | None = Field(None, validation_alias=_env("LANGSMITH_API_KEY"))
    langsmith_endpoint: str = Field(
        "https://api.smith.langchain.com", validation_alias=_env("LANGSMITH_ENDPOINT")
    )
    """LangSmith's API (self-hosted installations and the EU region have their own)."""

    nuvemshop_store_id: str | None = Field(None, validation_alias=_env("NUVEMSHOP_STORE_ID"))
    nuvemshop_access_token: SecretStr | None = Field(
        None, validation_alias=_env("NUVEMSHOP_ACCESS_TOKEN")
    )
    nuvemshop_api_url: str = Field(
        "https://api.nuvemshop.com.br", validation_alias=_env("NUVEMSHOP_API_URL")
    )
    nuvemshop_api_version: str = Field("v1", validation_alias=_env("NUVEMSHOP_API_VERSION"))
    nuvemshop_user_agent: str = Field(
        "Atendente (suporte@atendente.app)", validation_alias=_env("NUVEMSHOP_USER_AGENT")
    )

    nuvemshop_app_secret: SecretStr | None = Field(
        None, validation_alias=_env("NUVEMSHOP_APP_SECRET")
    )
    """Signs store webhooks (x-linkedstore-hmac-sha256); the demo store uses a demo secret."""

    nuvemshop_rate_limit_capacity: int = Field(
        40, ge=1, validation_alias=_env("NUVEMSHOP_RATE_LIMIT_CAPACITY")
    )
    nuvemshop_rate_limit_leak_per_second: float = Field(
        2.0, gt=0, validation_alias=_env("NUVEMSHOP_RATE_LIMIT_LEAK_PER_SECOND")
    )
    nuvemshop_retry_attempts: int = Field(
        3, ge=1, le=10, validation_alias=_env("NUVEMSHOP_RETRY_ATTEMPTS")
    )
    nuvemshop_order_cache_ttl_seconds: float = Field(
        60.0, ge=0, validation_alias=_env("NUVEMSHOP_ORDER_CACHE_TTL_SECONDS")
    )

    whatsapp_api_url: str = Field(
        "https://graph.facebook.com", validation_alias=_env("WHATSAPP_API_URL")
    )
    whatsapp_api_version: str = Field("v21.0", validation_alias=_env("WHATSAPP_API_VERSION"))
    whatsapp_access_token: SecretStr | None = Field(
        None, validation_alias=_env("WHATSAPP_ACCESS_TOKEN")
    )
    whatsapp_phone_number_id: str | None = Field(
        None, validation_alias=_env("WHATSAPP_PHONE_NUMBER_ID")
    )
    whatsapp_app_secret: SecretStr | None = Field(
        None, validation_alias=_env("WHATSAPP_APP_SECRET")
    )
    """Signs WhatsApp webhooks (X-Hub-Signature-256); offline, a development secret."""
    whatsapp_verify_token: SecretStr | None = Field(
        None, validation_alias=_env("WHATSAPP_VERIFY_TOKEN")
    )
    turn_lock_seconds: float = Field(
        180.0, ge=1, le=3600, validation_alias=_env("ATENDENTE_TURN_LOCK_SECONDS")
    )
    """A turn holds its customer's lock at most this long; it must outlast the slowest turn
    (with the model: a few requests of ATENDENTE_LLM_TIMEOUT_SECONDS each)."""
    claim_idle_seconds: float = Field(
        200.0, ge=0.1, le=3600, validation_alias=_env("ATENDENTE_CLAIM_IDLE_SECONDS")
    )
    """An inbound message a worker took but did not finish in this long is taken over by
    another worker (the first one died); longer than the turn lock, so a slow turn is
    never run twice at once."""
    outbox_claim_idle_seconds: float = Field(
        60.0, ge=1, le=3600, validation_alias=_env("ATENDENTE_OUTBOX_CLAIM_IDLE_SECONDS")
    )
    """An outbox entry a sender took and did not finish in this long is retried by another
    sender; an uncertain part is first reconciled against Meta's status webhooks."""
    debounce_seconds: float = Field(
        2.0, ge=0, le=30, validation_alias=_env("ATENDENTE_DEBOUNCE_SECONDS")
    )
    """A burst of messages within this window is answered as one turn."""

    correios_api_url: str = Field(
        "https://api.correios.com.br", validation_alias=_env("CORREIOS_API_URL")
    )
    correios_token: SecretStr | None = Field(None, validation_alias=_env("CORREIOS_TOKEN"))
    correios_user: str | None = Field(None, validation_alias=_env("CORREIOS_USER"))
    correios_access_code: SecretStr | None = Field(
        None, validation_alias=_env("CORREIOS_ACCESS_CODE")
    )
    correios_postage_card: str | None = Field(None, validation_alias=_env("CORREIOS_POSTAGE_CARD"))
    seventeentrack_api_key: SecretStr | None = Field(
        None, validation_alias=_env("SEVENTEENTRACK_API_KEY")
    )
    seventeentrack_api_url: str = Field(
        "https://api.17track.net/track/v2.2", validation_alias=_env("SEVENTEENTRACK_API_URL")
    )
    tracking_cache_ttl_seconds: int = Field(
        900, ge=0, validation_alias=_env("TRACKING_CACHE_TTL_SECONDS")
    )
    tracking_stalled_business_days: int = Field(
        5, ge=1, validation_alias=_env("TRACKING_STALLED_BUSINESS_DAYS")
    )

    store_name: str = Field("Loja Aurora", validation_alias=_env("ATENDENTE_STORE_NAME"))
    store_url: str = Field(
        "https://lojaaurora.example.com", validation_alias=_env("ATENDENTE_STORE_URL")
    )
    store_hours: str = Field(
        "de segunda a sexta, das 9h às 18h, e aos sábados, das 9h às 13h",
        validation_alias=_env("ATENDENTE_STORE_HOURS"),
    )
    store_exchange_policy: str = Field(
        "Você tem até 30 dias após o recebimento para trocar ou devolver, "
        "com a etiqueta e sem sinais de uso.",
        validation_alias=_env("ATENDENTE_STORE_EXCHANGE_POLICY"),
    )
    handoff_routing: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_HANDOFF_ROUTING),
        validation_alias=_env("ATENDENTE_HANDOFF_ROUTING"),
    )

    redis_url: SecretStr | None = Field(None, validation_alias=_env("REDIS_URL"))
    """Unset: an embedded Redis server keeps its data under `data_dir`."""
    redis_prefix: str = Field("atendente", validation_alias=_env("ATENDENTE_REDIS_PREFIX"))
    """Every key Atendente writes starts with this, so it can share a Redis safely."""
    data_dir: Path = Field(Path(".atendente"), validation_alias=_env("ATENDENTE_DATA_DIR"))
    checkpoint_keep_last: int = Field(
        2, ge=1, le=50, validation_alias=_env("ATENDENTE_CHECKPOINT_KEEP_LAST")
    )
    conversation_ttl_days: int = Field(
        30, ge=1, validation_alias=_env("ATENDENTE_CONVERSATION_TTL_DAYS")
    )
    """Idle conversations are deleted after this many days (data retention under the LGPD)."""
    encryption_key: SecretStr | None = Field(
        None, validation_alias=_env("ATENDENTE_ENCRYPTION_KEY")
    )
    """Base64 or hex of a 16, 24 or 32-byte AES key; set, checkpoints are encrypted at rest."""

    department_hours: dict[str, DepartmentHours] = Field(
        default_factory=lambda: dict(DEFAULT_DEPARTMENT_HOURS),
        validation_alias=_env("ATENDENTE_DEPARTMENT_HOURS"),
    )
    """Working hours per department (JSON), so a handoff says when a person will answer."""
    automations: dict[str, bool] = Field(
        default_factory=lambda: {
            "order_paid": True,
            "order_shipped": True,
            "order_cancelled": True,
        },
        validation_alias=_env("ATENDENTE_AUTOMATIONS"),
    )
    """Proactive WhatsApp messages switched on or off, by kind (JSON)."""
    automation_templates: dict[str, str] = Field(
        default_factory=lambda: {
            "order_paid": "pedido_pago",
            "order_shipped": "pedido_enviado",
            "order_cancelled": "pedido_cancelado",
        },
        validation_alias=_env("ATENDENTE_AUTOMATION_TEMPLATES"),
    )
    """Approved WhatsApp template per kind, used outside the customer's 24 h window (JSON)."""

    flood_limit_per_minute: int = Field(
        20, ge=1, validation_alias=_env("ATENDENTE_FLOOD_LIMIT_PER_MINUTE")
    )
    """More messages than this from one customer in a minute get one notice, then silence."""
    admin_token: SecretStr | None = Field(None, validation_alias=_env("ATENDENTE_ADMIN_TOKEN"))
    """Bearer token of the admin API; unset, the admin API answers 503."""
    forwarded_allow_ips: str | None = Field(
        None, validation_alias=_env("ATENDENTE_FORWARDED_ALLOW_IPS")
    )
    """Proxies whose X-Forwarded-For is believed (comma-separated IPs); unset: nobody's, so a
    client cannot pick the address the admin rate limit counts against."""
    admin_rate_limit_per_minute: int = Field(
        60, ge=1, validation_alias=_env("ATENDENTE_ADMIN_RATE_LIMIT_PER_MINUTE")
    )
    handoff_idle_hours: float = Field(
        24.0, gt=0, validation_alias=_env("ATENDENTE_HANDOFF_IDLE_HOURS")
    )
    """A handed-off thread with no activity for this long goes back to the bot."""
    handoff_idle_sweep_seconds: float = Field(
        300.0, gt=0, validation_alias=_env("ATENDENTE_HANDOFF_IDLE_SWEEP_SECONDS")
    )
    handoff_notify_whatsapp: dict[str, str] = Field(
        default_factory=dict, validation_alias=_env("ATENDENTE_HANDOFF_NOTIFY_WHATSAPP")
    )
    """JSON: the WhatsApp number of each department, told of every new ticket."""
    handoff_webhook_url: str | None = Field(
        None, validation_alias=_env("ATENDENTE_HANDOFF_WEBHOOK_URL")
    )
    """An inbox (e.g. Chatwoot) that receives every new ticket as signed JSON."""
    handoff_webhook_secret: SecretStr | None = Field(
        None, validation_alias=_env("ATENDENTE_HANDOFF_WEBHOOK_SECRET")
    )
    admin_ticket_url: str | None = Field(None, validation_alias=_env("ATENDENTE_ADMIN_TICKET_URL"))
    """A link to a ticket in the staff's tool, with `{ticket}` where the id goes."""

    max_tool_rounds: int = Field(4, ge=1, le=10, validation_alias=_env("ATENDENTE_MAX_TOOL_ROUNDS"))
    max_inbound_chars: int = Field(
        2000, ge=100, validation_alias=_env("ATENDENTE_MAX_INBOUND_CHARS")
    )
    identity_attempts: int = Field(3, ge=1, validation_alias=_env("ATENDENTE_IDENTITY_ATTEMPTS"))
    history_turns: int = Field(10, ge=2, validation_alias=_env("ATENDENTE_HISTORY_TURNS"))

    @property
    def webhook_secret(self) -> str | None:
        """The secret that signs store webhooks; a fixed one for the offline demo store."""
        if self.nuvemshop_app_secret is not None:
            return self.nuvemshop_app_secret.get_secret_value()
        return DEMO_WEBHOOK_SECRET if self.uses_demo_store else None

    @property
    def serves_playground(self) -> bool:
        """The playground signs with the offline secret, so only offline and in development."""
        return self.environment == "development" and self.uses_fake_whatsapp

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

    @property
    def llm_key(self) -> str | None:
        """The key for the configured model server (Azure's when Azure is set up)."""
        secret = self.azure_openai_api_key if self.azure_openai_endpoint else self.openai_api_key
        return secret.get_secret_value() if secret else None

    @property
    def redis_address(self) -> str | None:
        """`REDIS_URL` in clear, or None for the embedded server."""
        return self.redis_url.get_secret_value() if self.redis_url else None

    @property
    def model_configured(self) -> bool:
        """A model to talk to: a key (OpenAI's or Azure's) or an OpenAI-compatible server."""
        return self.llm_key is not None or self.openai_base_url is not None

    @property
    def resolved_brain(self) -> Literal["rules", "openai"]:
        """The brain to run: `auto` means the model when a key is set, else the rules."""
        if self.brain == "auto":
            return "openai" if self.llm_key else "rules"
        return self.brain

    @property
    def tracing_enabled(self) -> bool:
        """LangSmith tracing needs both the switch and a key; anything less stays offline."""
        return self.langsmith_tracing and self.langsmith_api_key is not None

    @property
    def uses_demo_store(self) -> bool:
        """True when no Nuvemshop credentials are set, so the offline demo store serves orders."""
        return not (self.nuvemshop_store_id and self.nuvemshop_access_token)


@lru_cache
def get_settings() -> Settings:
    """Read the settings once per process; tests build their own `Settings` instead."""
    return Settings()
