"""Build the chat model and the voice-note transcriber from settings, on one server.

OpenAI, Azure OpenAI or any compatible server: one factory keeps the client options
(timeout, retries, usage reporting) identical for every deployment, and lets tests and
eval replays hand in their own HTTP client.
"""

from __future__ import annotations

from typing import Any

import httpx
import openai
from langchain_core.language_models import BaseChatModel
from langchain_openai import AzureChatOpenAI, ChatOpenAI
from pydantic import SecretStr

from composition.settings import Settings
from composition.settings.model import ModelSettings
from integrations.transcription import Transcriber


class ModelNotConfiguredError(RuntimeError):
    """The openai brain was chosen without a key or an OpenAI-compatible server to use."""


def model_name(settings: ModelSettings) -> str:
    """The model the brain talks to (on Azure, the deployment)."""
    if settings.azure_openai_endpoint:
        return settings.azure_openai_deployment or settings.openai_model
    return settings.openai_model


def build_chat_model(
    settings: ModelSettings, *, http_async_client: httpx.AsyncClient | None = None
) -> BaseChatModel:
    """The chat model named by the settings.

    Args:
        settings: Model, key, base URL or Azure endpoint, timeout and retries.
        http_async_client: The HTTP client to send requests with; tests and cassette
            replays pass one whose transport never leaves the process.

    Raises:
        ModelNotConfiguredError: Neither a key nor a local server is configured.
    """
    if not settings.model_configured and http_async_client is None:
        raise ModelNotConfiguredError(
            "the openai brain needs OPENAI_API_KEY (or AZURE_OPENAI_API_KEY with "
            "AZURE_OPENAI_ENDPOINT), or OPENAI_BASE_URL of an OpenAI-compatible server"
        )
    # Local servers (vLLM, Ollama) accept any key, but the client insists on one.
    api_key = SecretStr(settings.llm_key or "not-needed")
    common: dict[str, Any] = {
        "temperature": 0.0,
        "timeout": settings.llm_timeout_seconds,
        "max_retries": settings.llm_max_retries,
        "http_async_client": http_async_client,
    }
    if settings.azure_openai_endpoint:
        return AzureChatOpenAI(
            azure_endpoint=settings.azure_openai_endpoint,
            azure_deployment=model_name(settings),
            api_version=settings.openai_api_version,
            api_key=api_key,
            model=settings.openai_model,
            **common,
        )
    return ChatOpenAI(
        model=settings.openai_model,
        api_key=api_key,
        base_url=settings.openai_base_url,
        stream_usage=True,
        **common,
    )


def build_transcriber(
    settings: Settings, *, http_async_client: httpx.AsyncClient | None = None
) -> Transcriber | None:
    """The voice-note transcriber on the model's server, or None where none is configured.

    Args:
        settings: The model's server (OpenAI, Azure OpenAI or a compatible one) and the
            transcription model.
        http_async_client: The HTTP client to send requests with; tests pass one whose
            transport never leaves the process.
    """
    if not settings.voice_notes:
        return None
    if not settings.model_configured and http_async_client is None:
        return None
    api_key = settings.llm_key or "not-needed"
    common: dict[str, Any] = {
        "api_key": api_key,
        "timeout": settings.transcription_timeout_seconds,
        "max_retries": settings.llm_max_retries,
        "http_client": http_async_client,
    }
    client: openai.AsyncOpenAI
    if settings.azure_openai_endpoint:
        client = openai.AsyncAzureOpenAI(
            azure_endpoint=settings.azure_openai_endpoint,
            azure_deployment=settings.transcription_model,
            api_version=settings.openai_api_version,
            **common,
        )
    else:
        client = openai.AsyncOpenAI(base_url=settings.openai_base_url, **common)
    return Transcriber(client, model=settings.transcription_model)
