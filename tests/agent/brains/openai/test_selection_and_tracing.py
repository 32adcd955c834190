"""Which brain runs, where the model lives (OpenAI, Azure, local), and LangSmith tracing."""

from __future__ import annotations

import asyncio
import threading

import pytest
from fastapi import FastAPI, Request
from langchain_core.tracers.langchain import wait_for_all_tracers

from agent.accounting import turn_ledger
from agent.brains.openai.brain import OpenAIBrain
from agent.brains.rules.brain import RulesBrain
from composition.model import ModelNotConfiguredError
from composition.settings import Settings
from composition.tracing import configure_tracing
from composition.wiring import build_brain
from evals.scripted_model import BASE_URL, ScriptedModel
from tests.server.serving import serving

UNSURE = "sobre o 1001, alguma novidade?"


def _settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def test_auto_thinks_with_the_model_only_when_a_key_is_set() -> None:
    assert isinstance(build_brain(_settings(brain="auto")), RulesBrain)
    assert isinstance(build_brain(_settings(brain="auto", openai_api_key="sk-test")), OpenAIBrain)
    assert isinstance(build_brain(_settings(brain="rules", openai_api_key="sk-test")), RulesBrain)


def test_the_brain_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATENDENTE_BRAIN", "openai")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:11434/v1")
    monkeypatch.setenv("OPENAI_MODEL", "llama3.1:8b")
    settings = Settings(_env_file=None)
    brain = build_brain(settings)
    assert isinstance(brain, OpenAIBrain)
    assert brain.model_name == "llama3.1:8b"


def test_choosing_the_model_without_a_key_or_server_is_a_clear_error() -> None:
    with pytest.raises(ModelNotConfiguredError, match="OPENAI_API_KEY"):
        build_brain(_settings(brain="openai"))


async def test_a_local_openai_compatible_server_gets_the_configured_model() -> None:
    scripted = ScriptedModel()
    settings = _settings(brain="openai", openai_base_url=BASE_URL, openai_model="qwen2.5:7b")
    async with scripted.client() as http:
        brain = build_brain(settings, llm_http_client=http)
        await brain.understand(UNSURE, awaiting=None)
    assert scripted.paths == ["/v1/chat/completions"]
    assert scripted.requests[0]["model"] == "qwen2.5:7b"


async def test_azure_requests_go_to_the_deployment_with_the_api_version() -> None:
    scripted = ScriptedModel()
    settings = _settings(
        brain="openai",
        azure_openai_endpoint="http://scripted-model",
        azure_openai_api_key="azure-test-key",
        azure_openai_deployment="atendente-gpt4o",
        openai_api_version="2024-10-21",
    )
    async with scripted.client() as http:
        brain = build_brain(settings, llm_http_client=http)
        with turn_ledger() as ledger:
            understanding = await brain.understand(UNSURE, awaiting=None)
    assert scripted.paths == ["/openai/deployments/atendente-gpt4o/chat/completions"]
    assert understanding.source == "model"
    assert ledger.model == "atendente-gpt4o"


def test_tracing_needs_both_the_switch_and_the_key() -> None:
    environ = {"LANGSMITH_TRACING": "true", "LANGCHAIN_TRACING_V2": "true"}
    assert configure_tracing(_settings(langsmith_tracing=True), environ) is False
    assert environ == {}
    environ = {}
    on = _settings(langsmith_tracing=True, langsmith_api_key="lsv2-test")
    assert configure_tracing(on, environ) is True
    assert environ == {"LANGSMITH_TRACING": "true"}
    configure_tracing(_settings(), {})


class _FakeLangSmith:
    """A loopback LangSmith API that only counts what reaches it."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        self._lock = threading.Lock()
        self.app = FastAPI()

        @self.app.api_route("/{path:path}", methods=["GET", "POST", "PATCH"])
        async def anything(path: str, request: Request) -> dict[str, str]:
            await request.body()
            with self._lock:
                self.paths.append(path)
            return {}


@pytest.mark.parametrize("with_key", [False, True])
async def test_langsmith_is_reached_only_when_tracing_is_fully_configured(
    monkeypatch: pytest.MonkeyPatch, with_key: bool
) -> None:
    fake = _FakeLangSmith()
    with serving(fake.app) as url:
        monkeypatch.setenv("LANGSMITH_ENDPOINT", url)
        monkeypatch.setenv("LANGSMITH_TRACING", "true")
        if with_key:
            monkeypatch.setenv("LANGSMITH_API_KEY", "lsv2-test")
        scripted = ScriptedModel()
        settings = Settings(_env_file=None, brain="openai", openai_base_url=BASE_URL)
        try:
            async with scripted.client() as http:
                brain = build_brain(settings, llm_http_client=http)
                await brain.understand(UNSURE, awaiting=None)
            await asyncio.to_thread(wait_for_all_tracers)
        finally:
            configure_tracing(Settings(_env_file=None, langsmith_tracing=False))
        assert bool(fake.paths) is with_key
