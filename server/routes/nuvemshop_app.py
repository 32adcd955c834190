"""The Nuvemshop partner app's install: the link merchants follow, the page they return to.

`GET /nuvemshop/install` sends the merchant to Nuvemshop's authorize page with a fresh
single-use state; Nuvemshop sends them back to `GET /nuvemshop/callback?code=&state=`,
which finishes the install (`AppInstaller.complete`) and says how it went. Merchants read
these pages, so every outcome is a short page in Portuguese with what to do next, never a
traceback or a 500; the code and state are never logged.

The router is mounted only when the app is configured; the app's lifespan puts the
installer on `app.state.nuvemshop_app`, and tests replace it through `get_installer`.
"""

from __future__ import annotations

import html
import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from redis.exceptions import RedisError

from integrations.nuvemshop.errors import NuvemshopError
from integrations.nuvemshop.installer import (
    AppInstaller,
    StateRejected,
    UnknownStore,
    WebhooksNotRegistered,
)
from integrations.nuvemshop.oauth import InvalidClient, InvalidGrant

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/nuvemshop", tags=["nuvemshop app"])

INSTALL_PATH = "/nuvemshop/install"
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
}
"""The callback's address carries the code: no cache keeps it, no link passes it on."""

_PAGE = """<!doctype html>
<html lang="pt-BR">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · Atendente</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 36rem; margin: 4rem auto;
       padding: 0 1rem; line-height: 1.5; color: #1f2933; }}
a {{ color: #0b5fff; }}
</style>
</head>
<body>
<h1>{title}</h1>
<p>{message}</p>
{action}
</body>
</html>
"""


async def get_installer(request: Request) -> AppInstaller | None:
    """The app's installer, or None when the app is not configured."""
    installer: AppInstaller | None = getattr(request.app.state, "nuvemshop_app", None)
    return installer


InstallerDep = Annotated[AppInstaller | None, Depends(get_installer)]


def page(title: str, message: str, status_code: int, *, retry: bool = False) -> HTMLResponse:
    """A short page for the merchant; `retry` offers the install link again."""
    action = f'<p><a href="{INSTALL_PATH}">Instalar a Atendente de novo</a></p>' if retry else ""
    body = _PAGE.format(title=html.escape(title), message=html.escape(message), action=action)
    return HTMLResponse(body, status_code=status_code, headers=PAGE_HEADERS)


def _try_later() -> HTMLResponse:
    return page(
        "Instabilidade momentânea",
        "Não conseguimos concluir agora. Tente de novo em alguns minutos.",
        503,
        retry=True,
    )


def _not_available() -> HTMLResponse:
    return page(
        "Instalação indisponível",
        "A instalação da Atendente pela Nuvemshop não está ativada neste endereço.",
        404,
    )


@router.get("/install")
async def install(installer: InstallerDep) -> Response:
    """Send the merchant to Nuvemshop to approve the app, with a single-use state."""
    if installer is None:
        return _not_available()
    try:
        url = await installer.begin()
    except (RedisError, OSError):
        logger.error("nuvemshop install not started: Redis unavailable")
        return _try_later()
    return RedirectResponse(url, status_code=302, headers=PAGE_HEADERS)


@router.get("/callback")
async def callback(
    installer: InstallerDep,
    code: str | None = None,
    state: str | None = None,
    error: str | None = None,
) -> HTMLResponse:
    """Finish the install Nuvemshop sends the merchant back from, and say how it went."""
    if installer is None:
        return _not_available()
    if error is not None:
        return page(
            "Instalação cancelada",
            "A instalação não foi autorizada na Nuvemshop. Para tentar de novo, use o link abaixo.",
            400,
            retry=True,
        )
    try:
        installation = await installer.complete(code, state)
    except StateRejected:
        logger.warning("nuvemshop callback refused: unknown, used or expired state")
        return page(
            "Link de instalação inválido ou expirado",
            "Por segurança, cada link de instalação vale uma única vez e por 10 minutos. "
            "Comece de novo pelo link abaixo.",
            403,
            retry=True,
        )
    except UnknownStore as unknown:
        return page(
            "Loja não cadastrada",
            f"A loja nº {unknown.store_id} autorizou a Atendente, mas ainda não está entre as "
            "lojas atendidas aqui. Avise o suporte da Atendente com esse número; nada foi "
            "guardado da sua loja.",
            403,
        )
    except InvalidGrant:
        return page(
            "Autorização expirada",
            "A autorização da Nuvemshop vale 5 minutos e uma única vez, e esta já não vale "
            "mais. Comece de novo pelo link abaixo.",
            400,
            retry=True,
        )
    except InvalidClient:
        logger.error("nuvemshop refused the app's credentials: check NUVEMSHOP_APP_SECRET")
        return page(
            "Aplicativo não reconhecido",
            "A Nuvemshop não reconheceu o aplicativo da Atendente. Avise o suporte da "
            "Atendente; nada foi alterado na sua loja.",
            502,
        )
    except WebhooksNotRegistered:
        return page(
            "Instalação quase concluída",
            "A Atendente foi instalada, mas a Nuvemshop não aceitou agora os avisos de "
            "pedidos. Tente de novo em alguns minutos pelo link abaixo; nada será duplicado.",
            502,
            retry=True,
        )
    except NuvemshopError as failure:
        logger.warning("nuvemshop install failed: %s", type(failure).__name__)
        return page(
            "A Nuvemshop não respondeu",
            "A Nuvemshop não respondeu como esperado. Tente de novo em alguns minutos pelo "
            "link abaixo.",
            502,
            retry=True,
        )
    except (RedisError, OSError):
        logger.error("nuvemshop install not finished: Redis unavailable")
        return _try_later()
    return page(
        "Atendente instalada",
        f"Pronto! A Atendente foi instalada na sua loja (nº {installation.store_id}) e já "
        "recebe da Nuvemshop os avisos de pedidos pagos, enviados e cancelados. Você pode "
        "fechar esta página.",
        200,
    )
