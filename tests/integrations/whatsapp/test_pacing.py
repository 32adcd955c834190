import logging

import pytest
from redis.asyncio import Redis

from integrations.whatsapp.pacing import LocalPacer, PacingPolicy, RedisPacer

ANA = "5511987654321"
BRUNO = "5521912345678"


class FakeClock:
    """A monotonic clock that only moves when the pacer sleeps or the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


async def send_times(pacer: LocalPacer, clock: FakeClock, *recipients: str) -> list[float]:
    times = []
    for recipient in recipients:
        await pacer.wait(recipient)
        times.append(round(clock.now - 1000.0, 6))
    return times


def local(clock: FakeClock, **policy: float) -> LocalPacer:
    return LocalPacer(PacingPolicy(**policy), clock=clock, sleep=clock.sleep)  # type: ignore[arg-type]


async def test_a_reply_burst_goes_one_second_apart() -> None:
    clock = FakeClock()
    assert await send_times(local(clock), clock, ANA, ANA, ANA) == [0.0, 1.0, 2.0]


async def test_past_the_burst_allowance_the_pair_rate_applies() -> None:
    clock = FakeClock()
    pacer = local(clock, pair_burst=3)
    assert await send_times(pacer, clock, *[ANA] * 5) == [0.0, 1.0, 2.0, 6.0, 12.0]


async def test_borrowed_time_is_paid_back_by_waiting() -> None:
    clock = FakeClock()
    pacer = local(clock, pair_burst=2)
    await send_times(pacer, clock, ANA, ANA)
    clock.now += 60
    clock.sleeps.clear()
    await pacer.wait(ANA)
    assert clock.sleeps == []


async def test_users_do_not_wait_for_each_other() -> None:
    clock = FakeClock()
    assert await send_times(local(clock), clock, ANA, BRUNO, BRUNO, ANA) == [0.0, 0.0, 1.0, 1.0]


async def test_the_number_rate_spaces_messages_to_different_users() -> None:
    clock = FakeClock()
    pacer = local(clock, number_rate=2, number_burst=1)
    assert await send_times(pacer, clock, ANA, BRUNO, "5531900000000") == [0.0, 0.5, 1.0]


def test_policies_that_block_everything_are_refused() -> None:
    with pytest.raises(ValueError):
        PacingPolicy(number_rate=0)
    with pytest.raises(ValueError):
        PacingPolicy(pair_burst=0)


class Recorder:
    def __init__(self) -> None:
        self.sleeps: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.sleeps.append(seconds)


POLICY = PacingPolicy(
    min_gap=0.5, pair_interval=1.0, pair_burst=2, number_rate=100, number_burst=50
)


async def test_redis_schedule_matches_the_local_one(redis_client: Redis, prefix: str) -> None:
    recorder = Recorder()
    pacer = RedisPacer(redis_client, prefix, "100000000000001", POLICY, sleep=recorder)
    for _ in range(4):
        await pacer.wait(ANA)
    frozen = Recorder()
    reference = LocalPacer(POLICY, clock=lambda: 1000.0, sleep=frozen)
    for _ in range(4):
        await reference.wait(ANA)
    assert frozen.sleeps == [0.5, 1.0, 2.0]
    assert recorder.sleeps == pytest.approx(frozen.sleeps, abs=0.05)


async def test_workers_share_one_schedule_and_keys_hide_the_number(
    redis_client: Redis, prefix: str
) -> None:
    recorder = Recorder()
    first = RedisPacer(redis_client, prefix, "100000000000001", POLICY, sleep=recorder)
    second = RedisPacer(redis_client, prefix, "100000000000001", POLICY, sleep=recorder)
    await first.wait(ANA)
    await second.wait(ANA)
    assert recorder.sleeps == pytest.approx([0.5], abs=0.05)
    keys = [key.decode() async for key in redis_client.scan_iter(match=f"{prefix}*")]
    assert len(keys) == 2
    assert all(key.startswith(prefix) and ANA not in key for key in keys)
    for key in keys:
        assert 0 < await redis_client.pttl(key) <= 5000


async def test_redis_failure_falls_back_to_local_pacing(caplog: pytest.LogCaptureFixture) -> None:
    broken = Redis.from_url("redis://127.0.0.1:1", socket_connect_timeout=0.2)
    recorder = Recorder()
    pacer = RedisPacer(broken, "test", "100000000000001", POLICY, sleep=recorder)
    with caplog.at_level(logging.WARNING):
        await pacer.wait(ANA)
        await pacer.wait(ANA)
    await broken.aclose()
    assert recorder.sleeps == pytest.approx([0.5], abs=0.05)
    assert "pacing locally" in caplog.text
    assert ANA not in caplog.text
