"""The notices' WhatsApp templates: what the notices send, and syncing them to an account."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from typer.testing import CliRunner

from cli import app
from composition.settings import get_settings
from integrations.nuvemshop.demo.store import demo_orders
from integrations.nuvemshop.models import Order
from integrations.whatsapp.fake_graph import FakeGraphAPI
from integrations.whatsapp.templates import TemplateClient
from tools.automations import notice_for
from tools.notice_templates import notice_templates, sync_templates

EVENTS = {
    "order_shipped_untracked": "order/fulfilled",
    "order_paid": "order/paid",
    "order_shipped": "order/fulfilled",
    "order_cancelled": "order/cancelled",
}
SENT_UNDER = {
    "order_shipped_untracked": "pedido_enviado_sem_rastreio",
    "order_paid": "pedido_pago",
    "order_shipped": "pedido_enviado",
    "order_cancelled": "pedido_cancelado",
}


def shipped_order(*, tracked: bool = True) -> Order:
    raw = next(o for o in demo_orders() if o.get("shipping_tracking_number"))
    if not tracked:
        raw = {**raw, "shipping_tracking_number": None, "shipping_tracking_url": None}
    return Order.model_validate(raw)


@pytest.mark.parametrize("template", notice_templates(), ids=lambda t: t.name)
def test_each_template_reads_as_its_notice_with_the_parameters_it_sends(template: object) -> None:
    from tools.notice_templates import NoticeTemplate

    assert isinstance(template, NoticeTemplate)
    untracked = template.notice == "order_shipped_untracked"
    kind = "order_shipped" if untracked else template.notice
    notice = notice_for(
        EVENTS[template.notice],
        shipped_order(tracked=not untracked),
        window_open=False,
        enabled={kind: True},
        templates=SENT_UNDER,
    )
    assert notice is not None and notice.template is not None
    parameters = notice.template["parameters"]
    assert notice.template["name"] == template.name
    assert template.parameters == len(parameters) and all(parameters)
    rendered = re.sub(r"\{\{(\d+)\}\}", lambda m: parameters[int(m[1]) - 1], template.body)
    assert rendered == notice.text, "outside the window the customer reads the same words"


@pytest.fixture
def meta() -> FakeGraphAPI:
    return FakeGraphAPI(access_token="token", phone_number_id="1")


@pytest.fixture
async def account(meta: FakeGraphAPI) -> AsyncIterator[TemplateClient]:
    waba = meta.message_templates.business_account_id
    async with TemplateClient(
        access_token="token", business_account_id=waba, transport=meta.transport()
    ) as client:
        yield client


async def test_sync_submits_what_is_missing_and_then_only_reports(
    account: TemplateClient, meta: FakeGraphAPI
) -> None:
    first = await sync_templates(account, notice_templates(), SENT_UNDER)
    assert [(r.name, r.status, r.created) for r in first] == [
        ("pedido_cancelado", "PENDING", True),
        ("pedido_enviado", "PENDING", True),
        ("pedido_enviado_sem_rastreio", "PENDING", True),
        ("pedido_pago", "PENDING", True),
    ]
    meta.message_templates.review("pedido_pago")
    meta.message_templates.review("pedido_enviado", "REJECTED")
    second = await sync_templates(account, notice_templates(), SENT_UNDER)
    assert {r.name: (r.status, r.created, r.differs) for r in second} == {
        "pedido_cancelado": ("PENDING", False, False),
        "pedido_enviado": ("REJECTED", False, False),
        "pedido_enviado_sem_rastreio": ("PENDING", False, False),
        "pedido_pago": ("APPROVED", False, False),
    }


async def test_a_renamed_template_is_synced_under_its_name_and_an_edited_one_reported(
    account: TemplateClient, meta: FakeGraphAPI
) -> None:
    await sync_templates(account, notice_templates(), SENT_UNDER)
    stored = meta.message_templates.templates[("pedido_pago", "pt_BR")]
    stored["components"] = [{"type": "BODY", "text": "Pagamento confirmado, {{1}}!"}]
    renamed = {**SENT_UNDER, "order_cancelled": "loja_pedido_cancelado"}
    rows = {r.name: r for r in await sync_templates(account, notice_templates(), renamed)}
    assert rows["loja_pedido_cancelado"].created
    assert rows["pedido_pago"].differs and not rows["pedido_pago"].created


async def test_the_offline_graph_api_refuses_what_meta_refuses(account: TemplateClient) -> None:
    from integrations.whatsapp.errors import WhatsAppError

    body = {"type": "BODY", "text": "Oi, {{1}}!"}
    bad = [
        {"name": "Pedido Pago", "language": "pt_BR", "category": "UTILITY", "components": [body]},
        {"name": "sem_exemplo", "language": "pt_BR", "category": "UTILITY", "components": [body]},
        {
            "name": "pulou",
            "language": "pt_BR",
            "category": "UTILITY",
            "components": [{"type": "BODY", "text": "{{2}}", "example": {"body_text": [["x"]]}}],
        },
    ]
    for request in bad:
        with pytest.raises(WhatsAppError):
            await account.create(request)


def test_the_command_syncs_offline_and_names_a_missing_account(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in (
        "WHATSAPP_ACCESS_TOKEN",
        "WHATSAPP_PHONE_NUMBER_ID",
        "WHATSAPP_BUSINESS_ACCOUNT_ID",
    ):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    offline = CliRunner().invoke(app, ["templates", "sync"], env={"COLUMNS": "200"})
    assert offline.exit_code == 0, offline.output
    assert "offline Graph API" in offline.output and "pedido_enviado" in offline.output
    get_settings.cache_clear()
    live = CliRunner().invoke(
        app,
        ["templates", "sync"],
        env={"WHATSAPP_ACCESS_TOKEN": "t", "WHATSAPP_PHONE_NUMBER_ID": "1"},
    )
    assert live.exit_code == 2
    get_settings.cache_clear()
    assert "WHATSAPP_BUSINESS_ACCOUNT_ID" in live.output
