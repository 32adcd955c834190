"""The language model: which brain, which server, its limits, prices and tracing.

OPENAI_*, AZURE_OPENAI_* and LANGSMITH_* keep their vendors' names; ATENDENTE_BRAIN,
ATENDENTE_RULES_CONFIDENCE and ATENDENTE_LLM_* are ours.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr

from agent.accounting import LLMPrice
from composition.settings.base import SystemSettings, env_names

DEFAULT_LLM_PRICES: dict[str, LLMPrice] = {
    "gpt-4o": LLMPrice(input=2.50, output=10.00),
    "gpt-4o-mini": LLMPrice(input=0.15, output=0.60),
    "gpt-4.1": LLMPrice(input=2.00, output=8.00),
    "gpt-4.1-mini": LLMPrice(input=0.40, output=1.60),
}
"""OpenAI's published prices when this table was written; override with ATENDENTE_LLM_PRICES."""


class ModelSettings(SystemSettings):
    """The language model: which brain, which server, its limits, prices and tracing."""

    brain: Literal["rules", "openai", "auto"] = Field(
        "auto", validation_alias=env_names("ATENDENTE_BRAIN")
    )
    """`auto` thinks with the model when a key is set, otherwise with the offline rules."""
    openai_api_key: SecretStr | None = Field(None, validation_alias=env_names("OPENAI_API_KEY"))
    openai_model: str = Field("gpt-4o", validation_alias=env_names("OPENAI_MODEL"))
    openai_base_url: str | None = Field(None, validation_alias=env_names("OPENAI_BASE_URL"))
    """Any OpenAI-compatible server (vLLM, Ollama, a gateway); unset means OpenAI itself."""
    azure_openai_endpoint: str | None = Field(
        None, validation_alias=env_names("AZURE_OPENAI_ENDPOINT")
    )
    """Set to use Azure OpenAI; the model is then the deployment name."""
    azure_openai_api_key: SecretStr | None = Field(
        None, validation_alias=env_names("AZURE_OPENAI_API_KEY")
    )
    azure_openai_deployment: str | None = Field(
        None, validation_alias=env_names("AZURE_OPENAI_DEPLOYMENT")
    )
    openai_api_version: str = Field("2024-10-21", validation_alias=env_names("OPENAI_API_VERSION"))
    """The Azure OpenAI REST API version."""
    llm_timeout_seconds: float = Field(
        20.0, gt=0, le=300, validation_alias=env_names("ATENDENTE_LLM_TIMEOUT_SECONDS")
    )
    """Deadline of one model request, retries included; past it the rules brain answers."""
    llm_max_retries: int = Field(
        2, ge=0, le=6, validation_alias=env_names("ATENDENTE_LLM_MAX_RETRIES")
    )
    """Retries of a 429, a 5xx or a dropped connection, with the client's backoff."""
    rules_confidence: float = Field(
        0.85, ge=0.0, le=1.01, validation_alias=env_names("ATENDENTE_RULES_CONFIDENCE")
    )
    """Hybrid routing: at or above this rules confidence the model is not asked to classify
    and the rules plan the tools; above 1 the model handles every turn."""
    llm_context_tokens: int = Field(
        2500, ge=300, validation_alias=env_names("ATENDENTE_LLM_CONTEXT_TOKENS")
    )
    """Budget of conversation history in each prompt, so a long chat costs what a short one does."""
    embedding_model: str = Field(
        "text-embedding-3-small", validation_alias=env_names("ATENDENTE_EMBEDDING_MODEL")
    )
    """The embeddings that rank knowledge entries beside BM25 when a model is configured
    (on Azure, the deployment); empty: BM25 alone."""
    llm_prices: dict[str, LLMPrice] = Field(
        default_factory=lambda: dict(DEFAULT_LLM_PRICES),
        validation_alias=env_names("ATENDENTE_LLM_PRICES"),
    )
    """USD per million tokens by model name, as JSON: {"gpt-4o": {"input": 2.5, "output": 10}}."""
    langsmith_tracing: bool = Field(False, validation_alias=env_names("LANGSMITH_TRACING"))
    langsmith_api_key: SecretStr | None = Field(
        None, validation_alias=env_names("LANGSMITH_API_KEY")
    )
    langsmith_endpoint: str = Field(
        "https://api.smith.langchain.com", validation_alias=env_names("LANGSMITH_ENDPOINT")
    )
    """LangSmith's API (self-hosted installations and the EU region have their own)."""

    @property
    def llm_key(self) -> str | None:
        """The key for the configured model server (Azure's when Azure is set up)."""
        secret = self.azure_openai_api_key if self.azure_openai_endpoint else self.openai_api_key
        return secret.get_secret_value() if secret else None

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
