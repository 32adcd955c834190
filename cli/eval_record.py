"""`atendente eval record`: production conversations into a dialogue file, personal data masked.

The source is either the checkpoints in Redis (the app's own `RedisSaver`, so encrypted
checkpoints are read with `ATENDENTE_ENCRYPTION_KEY`) or an export file. From Redis, the
orders each conversation looked up are fetched through the app's own store client (the
configured store, or the demo store), so the dialogue replays on them. Thread ids are
customers' phone numbers, so nothing printed here names a thread or quotes a message:
only counts. Exit 2 when the input cannot be read or the output would be overwritten.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer
from langchain_core.runnables import RunnableConfig

from cli.failure import CommandFailure
from composition.settings import get_settings
from composition.wiring import build_nuvemshop, build_saver
from evals.record import (
    Conversation,
    OrdersFetched,
    RecordError,
    attach_orders,
    conversation_from_checkpoints,
    conversations_from_export,
    render_dialogues,
)
from integrations.redis.connection import RedisUnavailableError, open_redis
from integrations.redis.embedded import EmbeddedRedisError
from integrations.redis.layout import CorruptCheckpointError
from integrations.redis.saver import RedisSaver

_fail = CommandFailure("atendente eval record")


def _thread_config(thread_id: str) -> RunnableConfig:
    return {"configurable": {"thread_id": thread_id, "checkpoint_ns": ""}}


def _written_at(stamp: object) -> datetime:
    """A checkpoint's `ts` (ISO 8601, UTC when it carries no offset)."""
    written = datetime.fromisoformat(str(stamp))
    return written if written.tzinfo else written.replace(tzinfo=UTC)


async def recent_thread_ids(saver: RedisSaver, limit: int | None) -> list[str]:
    """Every thread with a checkpoint, most recently active first, at most `limit`."""
    latest: dict[str, str] = {}
    async for found in saver.alist(None):
        if found.config["configurable"].get("checkpoint_ns", ""):
            continue
        thread_id = str(found.config["configurable"]["thread_id"])
        latest[thread_id] = max(latest.get(thread_id, ""), str(found.checkpoint["ts"]))
    ordered = sorted(latest, key=lambda thread_id: latest[thread_id], reverse=True)
    return ordered[:limit] if limit is not None else ordered


async def read_conversations(
    saver: RedisSaver, thread_ids: Sequence[str]
) -> tuple[list[Conversation], int]:
    """The conversation of each thread, and how many threads had none."""
    conversations: list[Conversation] = []
    empty = 0
    for thread_id in thread_ids:
        found = [checkpoint async for checkpoint in saver.alist(_thread_config(thread_id))]
        conversation = conversation_from_checkpoints(
            [item.checkpoint["channel_values"] for item in found],
            [_written_at(item.checkpoint["ts"]) for item in found],
        )
        if conversation is None:
            empty += 1
        else:
            conversations.append(conversation)
    return conversations, empty


async def _from_redis(
    url: str | None, threads: Sequence[str], limit: int | None
) -> tuple[list[Conversation], int, OrdersFetched]:
    settings = get_settings()
    async with open_redis(url, data_dir=settings.data_dir / "redis") as client:
        saver = build_saver(client, settings)
        chosen = [t.lstrip("+") for t in threads] or await recent_thread_ids(saver, limit)
        conversations, empty = await read_conversations(saver, chosen)
        async with build_nuvemshop(settings, client) as nuvemshop:
            with_orders, fetched = await attach_orders(conversations, nuvemshop)
        return with_orders, empty, fetched


def _report_demo_fallback(fetched: OrdersFetched) -> None:
    """One line, counts only, for dialogues that stay on the demo store despite their orders."""
    if not fetched.on_demo:
        return
    reasons = [
        f"{count} {why}"
        for count, why in (
            (fetched.unreachable, "because the store could not be reached"),
            (fetched.missing, "because an order they touched is no longer in the store"),
        )
        if count
    ]
    typer.echo(
        f"{fetched.on_demo} dialogue(s) left on store: demo ({', '.join(reasons)}); "
        "give them a store by hand before they replay",
        err=True,
    )


def _from_json(path: Path) -> list[Conversation]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise _fail(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise _fail(f"{path}: not a readable JSON file: {error}") from None
    try:
        return conversations_from_export(data)
    except RecordError as error:
        raise _fail(f"{path}: {error}") from None


def _check_out(out: Path, force: bool) -> None:
    if out.suffix not in (".yaml", ".yml"):
        raise _fail(f"{out}: the output must be a .yaml file (the dataset loads *.yaml)")
    if out.exists() and not force:
        raise _fail(f"{out} exists; pass --force to overwrite it")


def record(
    out: Annotated[Path, typer.Option(help="The dialogue file to write (.yaml).")],
    from_json: Annotated[
        Path | None,
        typer.Option(help="Read an export file instead of Redis (see evals/dialogues/README)."),
    ] = None,
    thread: Annotated[
        list[str] | None,
        typer.Option(help="A thread (the customer's WhatsApp id) to record; repeatable."),
    ] = None,
    all_threads: Annotated[
        bool, typer.Option("--all", help="Record every thread in Redis (most recent first).")
    ] = False,
    limit: Annotated[
        int | None, typer.Option(min=1, help="At most this many threads, the most recent.")
    ] = None,
    redis_url: Annotated[
        str | None,
        typer.Option(help="The Redis holding the checkpoints (default: REDIS_URL, or embedded)."),
    ] = None,
    prefix: Annotated[
        str | None,
        typer.Option(help="Dialogue ids become <prefix>-001... (default: recorded-DATE)."),
    ] = None,
    force: Annotated[bool, typer.Option(help="Overwrite --out if it exists.")] = False,
) -> None:
    """Record real conversations as eval dialogues, personal data masked, to edit by hand.

    \f
    Long only in its signature: one typer option per parameter, with its help (the form
    feed above keeps this line out of `--help`).
    """  # noqa: D301
    from_redis = bool(thread) or all_threads or limit is not None
    if (from_json is None) == (not from_redis):
        raise _fail("choose one source: --from-json PATH, or --thread ID / --all / --limit N")
    if thread and (all_threads or limit is not None):
        raise _fail("--thread names the threads; it does not go with --all or --limit")
    _check_out(out, force)
    day = date.today()
    fetched = OrdersFetched()
    if from_json is not None:
        conversations, empty, source = _from_json(from_json), 0, "an export file"
    else:
        url = redis_url or get_settings().redis_address
        try:
            conversations, empty, fetched = asyncio.run(_from_redis(url, thread or [], limit))
        except (RedisUnavailableError, EmbeddedRedisError, CorruptCheckpointError) as error:
            raise _fail(str(error)) from None
        source = "Redis checkpoints"
    if empty:
        typer.echo(f"{empty} thread(s) had no conversation to record", err=True)
    _report_demo_fallback(fetched)
    try:
        recorded = render_dialogues(
            conversations, prefix=prefix or f"recorded-{day:%Y%m%d}", source=source, day=day
        )
    except RecordError as error:
        raise _fail(str(error)) from None
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(recorded.text, encoding="utf-8")
    masked = ", ".join(f"{count} {kind}" for kind, count in sorted(recorded.masked.items()))
    typer.echo(
        f"recorded {recorded.dialogues} dialogue(s), {recorded.turns} turn(s) to {out}; "
        f"{recorded.orders} store order(s); masked {masked or 'nothing'}. "
        "Review the expectations before adding it to the dataset."
    )
