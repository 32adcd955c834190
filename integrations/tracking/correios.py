"""Correios tracking through the SRO Rastro API (`/srorastro/v1/objetos/{codigo}`).

The API answers unknown and malformed codes with 200 and a `mensagem` (SRO-020 "Objeto não
encontrado", SRO-019 "Objeto inválido") instead of events; both become None. The token comes
from the caller (it is issued by Correios' token API against a contract); it is never logged.
"""

from __future__ import annotations

import json
import logging
import unicodedata
from datetime import datetime, timedelta, timezone
from types import TracebackType
from typing import Any, Self

import httpx

from integrations.tracking.errors import (
    TrackingAuthError,
    TrackingBadRequest,
    TrackingError,
    TrackingRateLimited,
    TrackingServerError,
    TrackingUnavailable,
)
from integrations.tracking.models import TrackingEvent, TrackingInfo, TrackingStatus
from integrations.tracking.s10 import looks_like_s10, normalize_tracking_code

logger = logging.getLogger(__name__)

CARRIER = "correios"
PUBLIC_TRACKING_URL = "https://rastreamento.correios.com.br/app/index.php?objetos={code}"
BRASILIA = timezone(timedelta(hours=-3), "BRT")
"""Correios timestamps carry no offset; they are Brasília time, which has no DST since 2019."""

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


def _fold(text: str) -> str:
    """Accent-free lower case, so matching ignores how the carrier accents its texts."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def correios_status(codigo: str, tipo: str, descricao: str) -> TrackingStatus:
    """Map one SRO event (code, type, text) onto the carrier-neutral status.

    Loss and return are read from the text first because Correios reports them under
    several codes; `BDE`/`BDI`/`BDR` mean delivered only with `tipo` 01.
    """
    text = _fold(descricao)
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


class CorreiosClient:
    """Tracks Correios packages; implements `TrackingProvider`."""

    def __init__(
        self,
        *,
        base_url: str = "https://api.correios.com.br",
        token: str,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        """Open a connection pool that sends the bearer token with every request."""
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout=timeout,
            transport=transport,
        )

    async def __aenter__(self) -> Self:
        """Use the client as `async with CorreiosClient(...) as correios:`."""
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Close the connection pool when the block ends."""
        await self.aclose()

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
        """GET one SRO resource and map failures onto typed `TrackingError`s."""
        try:
            response = await self._http.get(path, params={"resultado": "T"})
        except httpx.TimeoutException as error:
            logger.warning("correios tracking timed out")
            raise TrackingUnavailable("Correios tracking timed out") from error
        except httpx.TransportError as error:
            logger.warning("correios tracking failed: %s", type(error).__name__)
            raise TrackingUnavailable("Correios tracking failed to connect") from error
        status = response.status_code
        body = _json_or_none(response)
        if status < 400 or (status == 404 and isinstance(body, dict) and "objetos" in body):
            if body is None:
                raise TrackingError(
                    "Correios answered with a body that is not JSON", status_code=status
                )
            return body
        logger.warning("correios tracking answered %d", status)
        message = f"Correios tracking answered {status}"
        if status in (401, 403):
            raise TrackingAuthError(message, status_code=status)
        if status == 429:
            raise TrackingRateLimited(message, status_code=status)
        if status >= 500:
            raise TrackingServerError(message, status_code=status)
        raise TrackingBadRequest(message, status_code=status)


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
