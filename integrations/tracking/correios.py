"""Correios tracking through the SRO Rastro API (`/srorastro/v1/objetos/{codigo}`).

The API answers unknown and malformed codes with 200 and a `mensagem` (SRO-020 "Objeto não
encontrado", SRO-019 "Objeto inválido") instead of events; both become None. The bearer
token is either given as is or drawn from a `TokenSource` (see `correios_auth`), which is asked
for a new one once when the API answers 401. Tokens are never logged.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

import httpx

from integrations.closing import AsyncClosing
from integrations.tracking.correios_auth import BRASILIA, TokenSource
from integrations.tracking.errors import TrackingError, TrackingUnavailable, error_for_status
from integrations.tracking.models import TrackingEvent, TrackingInfo, TrackingStatus
from integrations.tracking.s10 import looks_like_s10, normalize_tracking_code
from integrations.tracking.text import fold

logger = logging.getLogger(__name__)

CARRIER = "correios"
PUBLIC_TRACKING_URL = "https://rastreamento.correios.com.br/app/index.php?objetos={code}"
__all__ = ["BRASILIA", "CARRIER", "PUBLIC_TRACKING_URL", "CorreiosClient", "correios_status"]

_DELIVERY_CODES = frozenset({"BDE", "BDI", "BDR"})
_CODE_STATUS: dict[str, TrackingStatus] = {
    "PO": "posted",
    "RO": "in_transit",
    "DO": "in_transit",
    "PAR": "in_transit",
    "OEC": "out_for_delivery",
    "LDI": "awaiting_pickup",
    "LDE": "awaiting_pickup",
}
# Checked in order against the accent-free, lower-case description.
_TEXT_STATUS: tuple[tuple[str, TrackingStatus], ...] = (
    ("extraviad", "lost"),
    ("roubad", "lost"),
    ("nao localizado", "lost"),
    ("devolvido", "returned"),
    ("devolucao", "returned"),
    ("entregue ao remetente", "returned"),
)
_FALLBACK_TEXT_STATUS: tuple[tuple[str, TrackingStatus], ...] = (
    ("saiu para entrega", "out_for_delivery"),
    ("aguardando retirada", "awaiting_pickup"),
    ("entregue", "delivered"),
    ("postado", "posted"),
    ("transito", "in_transit"),
    ("transferencia", "in_transit"),
    ("encaminhado", "in_transit"),
)


def correios_status(codigo: str, tipo: str, descricao: str) -> TrackingStatus:
    """Map one SRO event (code, type, text) onto the carrier-neutral status.

    Loss and return are read from the text first because Correios reports them under
    several codes; `BDE`/`BDI`/`BDR` mean delivered only with `tipo` 01.
    """
    text = fold(descricao)
    for needle, status in _TEXT_STATUS:
        if needle in text:
            return status
    code = codigo.strip().upper()
    if code in _DELIVERY_CODES:
        kind = tipo.strip().zfill(2)
        if kind == "01":
            return "delivered"
        return "returned" if kind == "23" else "exception"
    if code in _CODE_STATUS:
        return _CODE_STATUS[code]
    for needle, status in _FALLBACK_TEXT_STATUS:
        if needle in text:
            return status
    return "unknown"


class CorreiosClient(AsyncClosing):
    """Tracks Correios packages; implements `TrackingProvider`."""

    source = CARRIER
    """The name a `ProviderChain` and the tracking cache know this provider by."""

    def __init__(
        self,
        *,
        base_url: str = "https://api.correios.com.br",
        token: str | None = None,
        token_source: TokenSource | None = None,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        """Open a connection pool; each request carries `token` or one from `token_source`.

        The caller owns `token_source` and closes it; several clients may share one.
        """
        if (token is None) == (token_source is None):
            raise ValueError("give CorreiosClient exactly one of token and token_source")
        self._token = token
        self._token_source = token_source
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            headers={"Accept": "application/json"},
            timeout=timeout,
            transport=transport,
        )

    async def aclose(self) -> None:
        """Release the connection pool."""
        await self._http.aclose()

    async def track(self, code: str) -> TrackingInfo | None:
        """The package's full history, or None when Correios does not know the code."""
        normalized = normalize_tracking_code(code)
        if not looks_like_s10(normalized):
            return None
        body = await self._get(f"/srorastro/v1/objetos/{normalized}")
        objects = body.get("objetos") if isinstance(body, dict) else None
        if not isinstance(objects, list) or not objects or not isinstance(objects[0], dict):
            raise TrackingError("Correios answered without an `objetos` list")
        raw_events = objects[0].get("eventos") or []
        if not raw_events:
            message = str(objects[0].get("mensagem") or "")
            logger.info("correios has no events for the code (%s)", message.split(":")[0])
            return None
        parsed = sorted(
            ((_parse_event(raw), raw) for raw in raw_events if isinstance(raw, dict)),
            key=lambda pair: pair[0].at,
            reverse=True,
        )
        if not parsed:
            raise TrackingError("Correios events are not objects")
        newest_raw = parsed[0][1]
        status = correios_status(
            str(newest_raw.get("codigo") or ""),
            str(newest_raw.get("tipo") or ""),
            str(newest_raw.get("descricao") or ""),
        )
        return TrackingInfo(
            code=normalized,
            carrier=CARRIER,
            status=status,
            events=tuple(event for event, _ in parsed),
            url=PUBLIC_TRACKING_URL.format(code=normalized),
        )

    async def _get(self, path: str) -> Any:
        """GET one SRO resource, asking for a new token once if the current one is refused."""
        token = await self._bearer()
        response = await self._send(path, token)
        if response.status_code == 401 and self._token_source is not None:
            logger.info("correios refused the token; asking for a new one")
            self._token_source.invalidate(token)
            response = await self._send(path, await self._bearer())
        return _body(response)

    async def _bearer(self) -> str:
        """The token to send now."""
        if self._token_source is not None:
            return await self._token_source.token()
        return self._token or ""

    async def _send(self, path: str, token: str) -> httpx.Response:
        """One GET with the bearer token; a missing answer becomes `TrackingUnavailable`."""
        try:
            return await self._http.get(
                path, params={"resultado": "T"}, headers={"Authorization": f"Bearer {token}"}
            )
        except httpx.TimeoutException as error:
            logger.warning("correios tracking timed out")
            raise TrackingUnavailable("Correios tracking timed out") from error
        except httpx.TransportError as error:
            logger.warning("correios tracking failed: %s", type(error).__name__)
            raise TrackingUnavailable("Correios tracking failed to connect") from error


def _body(response: httpx.Response) -> Any:
    """The decoded SRO answer, or the typed `TrackingError` for its status."""
    status = response.status_code
    body = _json_or_none(response)
    if status < 400 or (status == 404 and isinstance(body, dict) and "objetos" in body):
        if body is None:
            raise TrackingError(
                "Correios answered with a body that is not JSON", status_code=status
            )
        return body
    logger.warning("correios tracking answered %d", status)
    raise error_for_status(status, f"Correios tracking answered {status}")


def _json_or_none(response: httpx.Response) -> Any:
    """The decoded body, or None when it is not JSON (Correios errors are sometimes empty)."""
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None


def _parse_event(raw: dict[str, Any]) -> TrackingEvent:
    """One SRO event as a `TrackingEvent`, with Brasília time when no offset is given."""
    try:
        at = datetime.fromisoformat(str(raw.get("dtHrCriado")))
    except ValueError as error:
        raise TrackingError("Correios event without a readable dtHrCriado") from error
    if at.tzinfo is None:
        at = at.replace(tzinfo=BRASILIA)
    return TrackingEvent(
        at=at,
        description=str(raw.get("descricao") or "").strip(),
        location=_place(raw.get("unidade")),
        destination=_place(raw.get("unidadeDestino")),
    )


def _place(unit: Any) -> str | None:
    """`CIDADE - UF` of a Correios unit, as the carrier spells it."""
    if not isinstance(unit, dict):
        return None
    address = unit.get("endereco")
    if not isinstance(address, dict):
        return None
    city, state = address.get("cidade"), address.get("uf")
    parts = [str(p).strip() for p in (city, state) if p and str(p).strip()]
    return " - ".join(parts) or None
