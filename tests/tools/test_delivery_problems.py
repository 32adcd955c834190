from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import pytest

from integrations.tracking.correios import CorreiosClient
from integrations.tracking.correios_auth import BRASILIA
from integrations.tracking.demo import DEMO_REFERENCE_TIME, demo_correios_transport
from integrations.tracking.models import TrackingEvent, TrackingInfo, TrackingStatus
from tools.delivery_problems import (
    business_days_between,
    detect_problem,
    easter,
    is_business_day,
    national_holidays,
)

NOW = DEMO_REFERENCE_TIME


@pytest.fixture
async def correios() -> AsyncIterator[CorreiosClient]:
    async with CorreiosClient(token="demo-token", transport=demo_correios_transport()) as client:
        yield client


async def demo(correios: CorreiosClient, code: str) -> TrackingInfo:
    info = await correios.track(code)
    assert info is not None
    return info


def package(
    status: TrackingStatus, last: datetime, description: str = "Objeto em transferência"
) -> TrackingInfo:
    event = TrackingEvent(at=last, description=description, location="CAJAMAR - SP")
    return TrackingInfo(code="AA123456785BR", carrier="correios", status=status, events=(event,))


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=BRASILIA)


def test_national_holidays() -> None:
    assert easter(2026) == date(2026, 4, 5) and easter(2027) == date(2027, 3, 28)
    assert national_holidays(2026) == {
        date(2026, 1, 1),
        date(2026, 4, 3),
        date(2026, 4, 21),
        date(2026, 5, 1),
        date(2026, 9, 7),
        date(2026, 10, 12),
        date(2026, 11, 2),
        date(2026, 11, 15),
        date(2026, 11, 20),
        date(2026, 12, 25),
    }
    assert date(2027, 3, 26) in national_holidays(2027)
    assert date(2023, 11, 20) not in national_holidays(2023)
    assert date(2024, 11, 20) in national_holidays(2024)


@pytest.mark.parametrize(
    ("day", "business"),
    [
        ("2026-11-19", True),
        ("2026-11-20", False),  # Consciência Negra, a Friday
        ("2026-11-21", False),  # Saturday
        ("2026-11-22", False),  # Sunday
        ("2026-11-23", True),
        ("2026-12-25", False),
        ("2026-02-16", True),  # Carnival Monday is an optional day off, not a holiday
        ("2027-03-26", False),  # Good Friday
    ],
)
def test_business_days(day: str, business: bool) -> None:
    assert is_business_day(date.fromisoformat(day)) is business


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        ("2026-11-16", "2026-11-19", 3),
        ("2026-11-19", "2026-11-23", 1),  # across a holiday and a weekend
        ("2026-11-19", "2026-11-27", 5),
        ("2026-11-11", "2026-11-24", 8),
        ("2026-12-18", "2026-12-28", 5),  # across Christmas
        ("2026-11-24", "2026-11-24", 0),
        ("2026-11-24", "2026-11-20", 0),
    ],
)
def test_business_days_between(start: str, end: str, days: int) -> None:
    assert business_days_between(date.fromisoformat(start), date.fromisoformat(end)) == days


async def test_demo_stalled_package(correios: CorreiosClient) -> None:
    info = await demo(correios, "QF704829168BR")
    problem = detect_problem(info, now=NOW)
    assert problem is not None
    assert problem.as_dict() == {
        "kind": "stalled",
        "tracking_code": "QF704829168BR",
        "carrier": "correios",
        "status": "in_transit",
        "last_event": "Objeto em transferência - por favor aguarde",
        "last_event_at": "2026-11-11T03:52:14-03:00",
        "last_event_location": "CAJAMAR - SP",
        "business_days_without_update": 8,
    }
    json.dumps(problem.as_dict())
    assert detect_problem(info, now=NOW, stalled_after_business_days=8) is None


@pytest.mark.parametrize(
    ("code", "kind", "last_event"),
    [
        ("QB528419374BR", "awaiting_pickup", "Objeto aguardando retirada no endereço indicado"),
        ("QD610392841BR", "returned", "Objeto devolvido ao remetente"),
        ("QM158204760BR", "lost", "Objeto extraviado"),
    ],
)
async def test_demo_problem_kinds(
    correios: CorreiosClient, code: str, kind: str, last_event: str
) -> None:
    problem = detect_problem(await demo(correios, code), now=NOW)
    assert problem is not None
    assert (problem.kind, problem.tracking_code, problem.last_event) == (kind, code, last_event)


async def test_delivered_is_a_problem_only_when_the_customer_says_so(
    correios: CorreiosClient,
) -> None:
    info = await demo(correios, "QC400289226BR")
    assert detect_problem(info, now=NOW) is None
    problem = detect_problem(info, now=NOW, customer_says_not_received=True)
    assert problem is not None and problem.kind == "delivered_not_received"
    assert problem.last_event == "Objeto entregue ao destinatário"
    assert problem.last_event_at == datetime(2026, 11, 10, 14, 27, 12, tzinfo=BRASILIA)


@pytest.mark.parametrize("code", ["AA123456785BR", "AE905172639BR", "QN370492185BR"])
async def test_moving_packages_are_fine(correios: CorreiosClient, code: str) -> None:
    assert detect_problem(await demo(correios, code), now=NOW) is None


def test_stalled_counts_business_days_across_a_holiday() -> None:
    info = package("in_transit", at("2026-11-19"))
    assert detect_problem(info, now=at("2026-11-27", 18)) is None  # 5 business days
    problem = detect_problem(info, now=at("2026-11-30", 8))
    assert problem is not None and problem.business_days_without_update == 6


def test_stalled_counts_business_days_across_christmas() -> None:
    info = package("posted", at("2026-12-18"))
    assert detect_problem(info, now=at("2026-12-28")) is None
    problem = detect_problem(info, now=at("2026-12-29"))
    assert problem is not None and problem.kind == "stalled"


def test_days_are_counted_in_brasilia_time() -> None:
    info = package("in_transit", at("2026-11-19", 22))  # already the 20th in UTC
    now = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)  # still the 23rd in Brasília
    problem = detect_problem(info, now=now, stalled_after_business_days=0)
    assert problem is not None and problem.business_days_without_update == 1


@pytest.mark.parametrize("status", ["delivered", "returned", "lost", "awaiting_pickup"])
def test_resting_statuses_are_never_stalled(status: TrackingStatus) -> None:
    info = package(status, at("2026-10-01"), description="Objeto")
    problem = detect_problem(info, now=NOW)
    assert problem is None or problem.kind != "stalled"


@pytest.mark.parametrize(
    ("description", "kind"),
    [
        ("Objeto em devolução ao remetente", "returned"),
        ("PACOTE EXTRAVIADO", "lost"),
        ("Aguardando retirada na agência", "awaiting_pickup"),
    ],
)
def test_problem_read_from_the_text_when_the_status_missed_it(description: str, kind: str) -> None:
    problem = detect_problem(package("in_transit", NOW, description), now=NOW)
    assert problem is not None and problem.kind == kind


def test_package_without_events_has_no_problem() -> None:
    info = TrackingInfo(code="AA123456785BR", carrier="correios", status="unknown")
    assert detect_problem(info, now=NOW) is None
