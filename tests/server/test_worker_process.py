"""`atendente worker` as a process: it answers from the shared Redis and stops on SIGTERM."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import time
from pathlib import Path

from redis.asyncio import Redis

from benchmarks._procs import child_env, worker_command
from composition.settings import Settings
from integrations.whatsapp.fake_graph import recorded_messages
from integrations.whatsapp.updates import InboundMessage, parse_webhook
from server.inbound import InboundIntake
from tests.server.whatsapp import message

ANA_WA_ID = "5511987654321"
ANSWER_SECONDS = 90.0
"""Start-up (imports, services) and one turn; seconds on this machine, generous for CI."""


async def test_the_worker_answers_a_stored_message_and_stops_cleanly(
    redis_client: Redis, redis_url: str, prefix: str, tmp_path: Path
) -> None:
    log = tmp_path / "worker.log"
    env = child_env(redis_url, prefix, tmp_path / "data", debounce=0)
    with log.open("wb") as output:
        worker = subprocess.Popen(worker_command(), env=env, stdout=output, stderr=output)
    try:
        (inbound,) = parse_webhook(message(ANA_WA_ID, "cadê meu pedido 1001?"))
        assert isinstance(inbound, InboundMessage)
        shards = Settings(_env_file=None).shard_count  # as the worker splits its streams
        intake = InboundIntake(redis_client, prefix, shards=shards)
        assert await intake.store(inbound, int(time.time() * 1000))

        deadline = time.monotonic() + ANSWER_SECONDS
        sent: list[dict[str, object]] = []
        while not sent:
            assert worker.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            await asyncio.sleep(0.1)
            sent = await recorded_messages(redis_client, f"{prefix}:dev", ANA_WA_ID)
        assert "AA123456785BR" in json.dumps(sent, ensure_ascii=False)

        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=15) == 0, log.read_text()
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    output = log.read_text()
    assert "worker started on uvloop" in output
    assert "Traceback" not in output
