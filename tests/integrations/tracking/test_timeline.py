from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from integrations.tracking.correios import CorreiosClient
from integrations.tracking.correios_auth import BRASILIA
from integrations.tracking.demo import demo_correios_transport
from integrations.tracking.models import TrackingEvent
from integrations.tracking.seventeentrack import SeventeenTrackClient
from integrations.tracking.seventeentrack_demo import (
    DEMO_SEVENTEENTRACK_KEY,
    JADLOG_OUT_FOR_DELIVERY,
    demo_seventeentrack_transport,
)
from integrations.tracking.timeline import event_label, place_label, timeline, timeline_line


@pytest.mark.parametrize(
    ("description", "label"),
    [
        ("Objeto saiu para entrega ao destinatário", "Saiu para entrega"),
        ("Objeto em transferência - por favor aguarde", "Em transferência"),
        ("Objeto postado", "Postado"),
        ("Objeto entregue ao destinatário", "Entregue"),
        (
            "Objeto aguardando retirada no endereço indicado",
            "Aguardando retirada no endereço indicado",
        ),
        ("Objeto devolvido ao remetente", "Devolvido ao remetente"),
        ("Objeto extraviado", "Extraviado"),
        (
            "A entrega não pode ser efetuada - Carteiro não atendido",
            "A entrega não pode ser efetuada - Carteiro não atendido",
        ),
        ("EM ROTA", "Saiu para entrega"),
        ("ENTRADA", "Chegou à unidade"),
        ("TRANSFERENCIA", "Em transferência"),
        ("DESTINATARIO AUSENTE", "Destinatario ausente"),
        ("Pacote entregue", "Pacote entregue"),
        ("", "Atualização do transportador"),
    ],
)
def test_event_labels(description: str, label: str) -> None:
    assert event_label(description) == label


def test_long_texts_are_cut() -> None:
    label = event_label("Objeto " + "muito " * 30 + "longo")
    assert len(label) == 60 and label.endswith("…")


@pytest.mark.parametrize(
    ("place", "label"),
    [
        ("SAO PAULO - SP", "São Paulo - SP"),
        ("RIO DE JANEIRO - RJ", "Rio de Janeiro - RJ"),
        ("SAO JOSE DOS CAMPOS - SP", "São José dos Campos - SP"),
        ("FLORIANOPOLIS - SC", "Florianópolis - SC"),
        ("CAJAMAR - SP", "Cajamar - SP"),
        ("CD CURITIBA", "Cd Curitiba"),
        ("Curitiba/PR", "Curitiba/PR"),
    ],
)
def test_place_labels(place: str, label: str) -> None:
    assert place_label(place) == label


def test_line_shape_in_brasilia_time() -> None:
    event = TrackingEvent(
        at=datetime(2026, 11, 24, 12, 12, tzinfo=UTC),
        description="Objeto saiu para entrega ao destinatário",
        location="SAO PAULO - SP",
    )
    assert timeline_line(event) == "24/11 09:12 · Saiu para entrega · São Paulo - SP"
    no_place = TrackingEvent(at=event.at, description="Objeto postado")
    assert timeline_line(no_place) == "24/11 09:12 · Postado"


def test_at_most_five_lines_newest_first() -> None:
    start = datetime(2026, 11, 1, 10, 0, tzinfo=BRASILIA)
    events = [
        TrackingEvent(at=start + timedelta(days=day), description=f"Evento {day}")
        for day in range(8)
    ]
    lines = timeline(events)
    assert lines == [f"{8 - n:02d}/11 10:00 · Evento {7 - n}" for n in range(5)]
    assert timeline(events, limit=2) == lines[:2]
    assert timeline([]) == []


async def test_demo_correios_timeline() -> None:
    async with CorreiosClient(token="demo-token", transport=demo_correios_transport()) as client:
        info = await client.track("AA123456785BR")
    assert info is not None
    assert timeline(info.events) == [
        "24/11 08:12 · Saiu para entrega · São Paulo - SP",
        "23/11 03:10 · Em transferência · Cajamar - SP",
        "19/11 19:05 · Em transferência · São Paulo - SP",
        "19/11 16:42 · Postado · São Paulo - SP",
    ]


async def test_demo_jadlog_timeline() -> None:
    transport = demo_seventeentrack_transport()
    async with SeventeenTrackClient(api_key=DEMO_SEVENTEENTRACK_KEY, transport=transport) as c:
        info = await c.track(JADLOG_OUT_FOR_DELIVERY)
    assert info is not None
    assert timeline(info.events)[:2] == [
        "24/11 07:55 · Saiu para entrega · Curitiba - PR",
        "23/11 06:12 · Chegou à unidade · Curitiba - PR",
    ]
