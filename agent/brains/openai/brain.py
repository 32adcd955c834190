"""The `openai` brain: the model classifies, chooses tools and words the reply, within rails.

- Hybrid routing: when the rules classifier is confident, the turn asks the model nothing
  to classify and the rules plan its tools; only the reply is written by the model.
- Every model step has a rules fallback: a timeout, a 429, a 5xx or an answer that stays
  malformed after one retry never reaches the customer as silence or a traceback.
- The model sees only the tools the request's intents allow, a bounded slice of history
  and the facts of the turn; identity stays in graph state, out of its reach. It chooses
  them in one round (parallel calls allowed) and the rules add the follow-ups its results
  call for, so a model-routed turn costs at most three calls: classify, choose tools, word
  the reply.
- Every reply passes the output guard; a refused reply goes out as the rules draft.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import (
    AIMessage,
    AnyMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool

from agent.accounting import (
    CallKind,
    CallOutcome,
    LLMCall,
    LLMPrice,
    cost_usd,
    note_brain,
    record_call,
    record_fallback,
    record_guard_block,
)
from agent.brains.openai.classification import ModelReading, merge_reading
from agent.brains.openai.context_window import conversation_text, recent_history
from agent.brains.openai.output_guard import WHATSAPP_TEXT_LIMIT, check_reply
from agent.brains.rules.brain import RulesBrain
from agent.history import current_turn, tool_results
from agent.intents import prompt_list
from agent.prompts import prompt_version as current_prompt_version
from agent.prompts import render
from agent.state import AgentState, Awaiting, OutboundMessage
from agent.store_profile import StoreProfile
from agent.store_voice.tone import Tone
from agent.understanding import Understanding
from tools.problems import PROBLEM_TYPES

logger = logging.getLogger(__name__)

INTERACTIVE_BODY_LIMIT = 1024
"""Meta's limit for the body text of a reply-buttons or list message."""

_AWAITING_HINTS: dict[str, str] = {
    "order_number": "Our last message asked for the order number: a bare number is provide_info.",
    "identity": "Our last message asked for the purchase e-mail or CPF: one alone is provide_info.",
}


class ModelCallFailed(Exception):
    """A model request failed (timeout, rate limit, server error, bad output)."""

    def __init__(self, kind: CallKind, error: BaseException) -> None:
        """Name the step and the error's class; its message may hold customer text."""
        super().__init__(f"{kind} call failed: {type(error).__name__}")
        self.kind = kind
        self.error = error


def _error_name(error: BaseException) -> str:
    """The most specific class name in the chain (langchain wraps openai's own errors)."""
    if isinstance(error, TimeoutError):
        return "TimeoutError"
    cause = error.__cause__
    return type(cause).__name__ if cause is not None else type(error).__name__


def _usage(message: BaseMessage | None) -> tuple[int, int]:
    usage = getattr(message, "usage_metadata", None) or {}
    return int(usage.get("input_tokens", 0)), int(usage.get("output_tokens", 0))


def _facts(state: AgentState) -> str:
    """The turn's facts for the prompt: what was asked, checked and found (no proofs)."""
    outcome = {k: v for k, v in state.get("outcome", {}).items() if k != "truncated"}
    facts = {
        "request": state.get("request", {}),
        "awaiting": state.get("awaiting"),
        "verified_orders": state.get("verified_orders") or [],
        "outcome": outcome,
        "tool_results": tool_results(state.get("messages", [])),
    }
    return json.dumps(facts, ensure_ascii=False, indent=1)


def _final_text(state: AgentState) -> str | None:
    """Text the model already wrote in `act` when it decided no more tools were needed."""
    turn = current_turn(state.get("messages", []))
    last = turn[-1] if turn else None
    if isinstance(last, AIMessage) and not last.tool_calls and isinstance(last.content, str):
        return last.content.strip() or None
    return None


def _tools_answered(state: AgentState) -> bool:
    """Whether the model's tool calls of this turn have already run."""
    return any(isinstance(m, ToolMessage) for m in current_turn(state.get("messages", [])))


def _allowed_sources(state: AgentState, store: StoreProfile) -> list[str]:
    """Texts whose personal data this customer may read back."""
    identity = state.get("identity")
    sources: list[str] = [
        identity.get("phone") or "" if identity else "",
        *(identity.get("emails", []) if identity else []),
        *(identity.get("cpfs", []) if identity else []),
        store.url,
        store.hours,
        json.dumps(tool_results(state.get("messages", [])), ensure_ascii=False),
    ]
    sources.extend(
        str(m.content) for m in state.get("messages", []) if getattr(m, "type", "") == "human"
    )
    return sources


def _product_names(state: AgentState) -> list[str]:
    """The products this turn's catalog search returned, which a rewording must keep."""
    return [
        str(product.get("name", ""))
        for result in tool_results(state.get("messages", []))
        for product in result.get("products", [])
    ]


class OpenAIBrain:
    """A chat model behind the graph, with the rules brain as fast path and safety net."""

    name = "openai"

    def __init__(
        self,
        model: BaseChatModel,
        *,
        model_name: str,
        prices: Mapping[str, LLMPrice],
        rules_confidence: float = 0.85,
        context_tokens: int = 2500,
        deadline_seconds: float = 20.0,
        rules: RulesBrain | None = None,
    ) -> None:
        """Wrap `model`; `rules_confidence` above 1 sends every turn to the model."""
        self._model = model
        self._classifier: Runnable[Any, Any] = model.with_structured_output(
            ModelReading, method="json_schema", include_raw=True
        )
        self.model_name = model_name
        self._prices = prices
        self._threshold = rules_confidence
        self._context_tokens = context_tokens
        self._deadline = deadline_seconds
        self._rules = rules or RulesBrain()
        self.prompt_version = current_prompt_version()

    async def _invoke(
        self, kind: CallKind, runnable: Runnable[Any, Any], messages: list[AnyMessage]
    ) -> Any:
        """Run one model request within the deadline and record it in the turn's ledger."""
        note_brain(self.model_name, self.prompt_version)
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self._deadline):
                output = await runnable.ainvoke(messages)
        except Exception as error:  # any failure must end in a fallback, never a traceback
            name = _error_name(error)
            self._record(kind, "error", None, started, name)
            logger.warning("model %s call failed: %s", kind, name)
            raise ModelCallFailed(kind, error) from error
        raw = output.get("raw") if isinstance(output, dict) else output
        malformed = isinstance(output, dict) and output.get("parsing_error") is not None
        if isinstance(raw, AIMessage) and raw.invalid_tool_calls:
            malformed = True
        self._record(kind, "malformed" if malformed else "ok", raw, started, None)
        return output

    def _record(
        self,
        kind: CallKind,
        outcome: CallOutcome,
        raw: BaseMessage | None,
        started: float,
        error: str | None,
    ) -> None:
        prompt, completion = _usage(raw)
        record_call(
            LLMCall(
                kind=kind,
                model=self.model_name,
                outcome=outcome,
                prompt_tokens=prompt,
                completion_tokens=completion,
                cost_usd=cost_usd(self._prices, self.model_name, prompt, completion),
                seconds=time.perf_counter() - started,
                error=error,
            )
        )

    def _system(self, store: StoreProfile | None, task: str) -> SystemMessage:
        persona = render(
            "system",
            store_name=store.name if store else "",
            store_url=store.url if store else "",
            store_hours=store.hours if store else "",
            exchange_policy=store.exchange_policy if store else "",
            tone=(store.tone if store else Tone()).prompt(),
        )
        return SystemMessage(content=f"{persona}\n\n{task}")

    async def understand(self, text: str, *, awaiting: Awaiting | None) -> Understanding:
        """The rules' reading when they are sure; otherwise the model's, checked by the rules."""
        rules = await self._rules.understand(text, awaiting=awaiting)
        if rules.confidence >= self._threshold:
            return rules
        hint = _AWAITING_HINTS.get(awaiting or "", "")
        messages: list[AnyMessage] = [
            SystemMessage(
                content=render(
                    "classify",
                    awaiting_hint=hint,
                    intents=prompt_list(),
                    problems=", ".join(PROBLEM_TYPES),
                )
            ),
            HumanMessage(content=text),
        ]
        try:
            for _attempt in range(2):
                output = await self._invoke("classify", self._classifier, messages)
                reading = output.get("parsed")
                if isinstance(reading, ModelReading):
                    return merge_reading(reading, rules, text)
        except ModelCallFailed:
            pass
        record_fallback("classify")
        return rules.model_copy(update={"source": "fallback"})

    async def act(self, state: AgentState, tools: Sequence[BaseTool]) -> AIMessage:
        """Tool calls from the model, or from the rules when they understood the message."""
        understanding = state.get("understanding", {})
        if not tools:
            return AIMessage(content="")
        # The rules plan turns they understood. On a model-routed turn the model chooses
        # once; what its results call for next (tracking for a shipped order, the payment
        # link for an unpaid one) is fixed policy, so the rules add it without another call.
        if understanding.get("source", "rules") == "rules" or _tools_answered(state):
            return await self._rules.act(state, tools)
        offered = {tool.name for tool in tools}
        task = render("act", facts=_facts(state))
        messages: list[AnyMessage] = [
            self._system(None, task),
            *recent_history(state.get("messages", []), self._context_tokens),
        ]
        bound = self._model.bind_tools(list(tools))
        try:
            for _attempt in range(2):
                message = await self._invoke("act", bound, messages)
                if not isinstance(message, AIMessage):
                    break
                unknown = [c for c in message.tool_calls if c["name"] not in offered]
                if not message.invalid_tool_calls and not unknown:
                    return AIMessage(
                        content=message.content, tool_calls=message.tool_calls, id=message.id
                    )
                messages = [
                    *messages,
                    SystemMessage(
                        content="Your last tool call was malformed or not offered. "
                        "Call one of the offered tools with valid JSON arguments, or none."
                    ),
                ]
        except ModelCallFailed:
            pass
        record_fallback("act")
        return await self._rules.act(state, tools)

    async def compose(self, state: AgentState, store: StoreProfile) -> list[OutboundMessage]:
        """The rules draft reworded by the model, when the output guard accepts the rewording."""
        draft = await self._rules.compose(state, store)
        if len(draft) != 1 or draft[0].get("type") not in ("text", "buttons"):
            return draft  # templates and multi-part answers keep their approved wording
        original = draft[0]
        text = original.get("text", "")
        candidate = _final_text(state)
        if candidate is None:
            task = render("reply", facts=_facts(state), draft=text)
            history = recent_history(state.get("messages", []), self._context_tokens)
            messages = [self._system(store, task), *conversation_text(history)]
            try:
                output = await self._invoke("reply", self._model, messages)
            except ModelCallFailed:
                record_fallback("reply")
                return draft
            candidate = str(getattr(output, "content", "") or "").strip()
        limit = INTERACTIVE_BODY_LIMIT if original.get("type") == "buttons" else None
        verdict = check_reply(
            candidate,
            draft=text,
            allowed=_allowed_sources(state, store),
            max_chars=limit or WHATSAPP_TEXT_LIMIT,
            products=_product_names(state),
        )
        if not verdict.ok:
            for reason in verdict.reasons:
                record_guard_block(reason)
            logger.info("reply guard refused the model's reply: %s", ",".join(verdict.reasons))
            return draft
        return [OutboundMessage(**{**original, "text": candidate})]
