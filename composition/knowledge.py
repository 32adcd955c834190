"""The catalog and the knowledge base a conversation answers store questions from.

The knowledge file is read once per file version (its path and modification time), so a
process that opens many contexts (the eval suite, many stores) parses it once, and a store
that edits it gets the new answers on the next context without a restart. With a model
configured, the model's embeddings endpoint ranks entries beside BM25.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from langchain_core.embeddings import Embeddings
from langchain_openai import AzureOpenAIEmbeddings, OpenAIEmbeddings
from pydantic import SecretStr

from composition.settings import Settings
from integrations.nuvemshop.client import NuvemshopClient
from tools.catalog import CatalogService
from tools.knowledge.base import Embedder, KnowledgeBase
from tools.knowledge.entries import Entry, load_knowledge


class LangChainEmbedder:
    """The `Embedder` the knowledge base takes, over a LangChain embeddings client."""

    def __init__(self, embeddings: Embeddings) -> None:
        """Embed through `embeddings` (OpenAI, Azure OpenAI or a compatible server)."""
        self.embeddings = embeddings

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """One vector per text, in order."""
        return await self.embeddings.aembed_documents(list(texts))


def build_embedder(settings: Settings) -> Embedder | None:
    """The model's embeddings when a model is configured and an embedding model named."""
    if settings.resolved_brain != "openai" or not settings.embedding_model:
        return None
    api_key = SecretStr(settings.llm_key or "not-needed")
    embeddings: Embeddings
    # Texts are short; the context-length check would fetch a tokenizer from the network.
    if settings.azure_openai_endpoint:
        embeddings = AzureOpenAIEmbeddings(
            azure_endpoint=settings.azure_openai_endpoint,
            deployment=settings.embedding_model,
            openai_api_version=settings.openai_api_version,
            openai_api_key=api_key,
            request_timeout=settings.llm_timeout_seconds,
            max_retries=settings.llm_max_retries,
            check_embedding_ctx_length=False,
        )
    else:
        embeddings = OpenAIEmbeddings(
            model=settings.embedding_model,
            openai_api_key=api_key,
            openai_api_base=settings.openai_base_url,
            request_timeout=settings.llm_timeout_seconds,
            max_retries=settings.llm_max_retries,
            check_embedding_ctx_length=False,
        )
    return LangChainEmbedder(embeddings)


@lru_cache(maxsize=16)
def _entries(path: Path | None, modified: float) -> tuple[Entry, ...]:
    return load_knowledge(path)


def knowledge_entries(settings: Settings) -> tuple[Entry, ...]:
    """The entries of `ATENDENTE_KNOWLEDGE_FILE`, or the demo store's.

    Raises:
        KnowledgeFileError: the file is missing or invalid (one line saying where and why).
    """
    path = settings.knowledge_file
    try:
        modified = path.stat().st_mtime if path is not None else 0.0
    except OSError:
        modified = -1.0  # load_knowledge names the fault
    return _entries(path, modified)


def knowledge_base(
    settings: Settings, nuvemshop: NuvemshopClient, embedder: Embedder | None = None
) -> KnowledgeBase:
    """The knowledge file's entries plus the store's own pages."""
    return KnowledgeBase(
        knowledge_entries(settings),
        pages=nuvemshop.list_pages,
        store_url=settings.store_url,
        embedder=embedder,
    )


def catalog(settings: Settings, nuvemshop: NuvemshopClient) -> CatalogService:
    """The store's catalog, read through its API client."""
    return CatalogService(nuvemshop, store_url=settings.store_url)
