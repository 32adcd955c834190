"""An in-process Correios SRO Rastro API serving the demo store's packages.

It answers in the real API's shape (`objetos[0].eventos`, newest first; SRO-020/SRO-019
messages for unknown and invalid codes; 401 without the bearer token), so the real
`CorreiosClient` runs offline unchanged. It also issues that token from the token API
(`/token/v1/autentica/cartaopostagem`) to the demo credentials, so `CorreiosTokenSource` runs
offline too. The histories match the demo orders' ship dates.
"""

from __future__ import annotations

import base64
import json
import re
from datetime import datetime, timedelta
from typing import Any

import httpx

from integrations.tracking.correios_auth import BRASILIA, TOKEN_PATH
from integrations.tracking.s10 import is_valid_s10

DEMO_CORREIOS_TOKEN = "demo-token"
DEMO_CORREIOS_USER = "demo-loja"
DEMO_CORREIOS_ACCESS_CODE = "demo-access-code"
DEMO_POSTAGE_CARD = "0067599079"
DEMO_TOKEN_LIFETIME = timedelta(hours=24)
DEMO_REFERENCE_TIME = datetime(2026, 11, 24, 12, 0, tzinfo=BRASILIA)
"""The "today" the demo histories were written for; `now=` shifts them to another day."""

NOT_FOUND = "SRO-020: Objeto não encontrado na base de dados dos Correios."
INVALID = "SRO-019: Objeto inválido"

POSTED = "Objeto postado"
MOVING = "Objeto em transferência - por favor aguarde"
OUT_FOR_DELIVERY = "Objeto saiu para entrega ao destinatário"
DELIVERED = "Objeto entregue ao destinatário"
AWAITING_PICKUP = "Objeto aguardando retirada no endereço indicado"
MISSED = "A entrega não pode ser efetuada - Carteiro não atendido"
RETURNED = "Objeto devolvido ao remetente"
LOST = "Objeto extraviado"

Place = tuple[str, str, str]
"""Unit type, city and state of a Correios unit."""
Event = tuple[str, str, str, str, Place, Place | None]
"""SRO code, type, local time, description, unit, destination unit."""

_AG, _UT, _UD = "Agência dos Correios", "Unidade de Tratamento", "Unidade de Distribuição"
SAO_PAULO_AG: Place = (_AG, "SAO PAULO", "SP")
CAJAMAR: Place = (_UT, "CAJAMAR", "SP")
_BH = (_UD, "BELO HORIZONTE", "MG")
_CPS = (_UD, "CAMPINAS", "SP")
_FLN = (_UD, "FLORIANOPOLIS", "SC")
_FOR = (_UT, "FORTALEZA", "CE")
_VIX = (_UT, "VITORIA", "ES")
_SAN = (_UD, "SANTOS", "SP")
_NIT = (_UD, "NITEROI", "RJ")
_MAO = (_UT, "MANAUS", "AM")
_NAT = (_UD, "NATAL", "RN")
_SLZ = (_UD, "SAO LUIS", "MA")
_REC = (_UT, "RECIFE", "PE")
_MCZ = (_UD, "MACEIO", "AL")
_SSA = (_UT, "SALVADOR", "BA")
_AJU = (_UD, "ARACAJU", "SE")
_SP_UD = (_UD, "SAO PAULO", "SP")

DEMO_HISTORIES: dict[str, tuple[Event, ...]] = {
    # 1001, Ana Souza: out for delivery today.
    "AA123456785BR": (
        ("PO", "01", "2026-11-19T16:42:10", POSTED, SAO_PAULO_AG, None),
        ("RO", "01", "2026-11-19T19:05:33", MOVING, SAO_PAULO_AG, CAJAMAR),
        ("RO", "01", "2026-11-23T03:10:47", MOVING, CAJAMAR, _SP_UD),
        ("OEC", "01", "2026-11-24T08:12:05", OUT_FOR_DELIVERY, _SP_UD, None),
    ),
    # 1005, Carla Dias: delivered.
    "QC400289226BR": (
        ("PO", "01", "2026-11-05T17:20:41", POSTED, SAO_PAULO_AG, None),
        ("RO", "01", "2026-11-05T21:44:02", MOVING, SAO_PAULO_AG, CAJAMAR),
        ("RO", "01", "2026-11-07T04:31:19", MOVING, CAJAMAR, _BH),
        ("OEC", "01", "2026-11-10T08:03:55", OUT_FOR_DELIVERY, _BH, None),
        ("BDE", "01", "2026-11-10T14:27:12", DELIVERED, _BH, None),
    ),
    # 1010, Henrique Alves: missed delivery, waiting at the post office.
    "QB528419374BR": (
        ("PO", "01", "2026-11-17T17:05:26", POSTED, SAO_PAULO_AG, None),
        ("RO", "01", "2026-11-17T22:18:40", MOVING, SAO_PAULO_AG, CAJAMAR),
        ("RO", "01", "2026-11-18T09:47:13", MOVING, CAJAMAR, _CPS),
        ("OEC", "01", "2026-11-19T08:40:02", OUT_FOR_DELIVERY, _CPS, None),
        ("BDE", "20", "2026-11-19T15:12:48", MISSED, _CPS, None),
        ("LDI", "01", "2026-11-20T10:02:31", AWAITING_PICKUP, (_AG, "CAMPINAS", "SP"), None),
    ),
    # 1011, Isabela Costa: never collected, returned to the store.
    "QD610392841BR": (
        ("PO", "01", "2026-10-21T16:00:18", POSTED, SAO_PAULO_AG, None),
        ("RO", "01", "2026-10-21T20:31:09", MOVING, SAO_PAULO_AG, CAJAMAR),
        ("RO", "01", "2026-10-23T05:14:44", MOVING, CAJAMAR, _FLN),
        ("OEC", "01", "2026-10-27T08:20:37", OUT_FOR_DELIVERY, _FLN, None),
        ("BDE", "20", "2026-10-27T13:41:05", MISSED, _FLN, None),
        ("LDI", "01", "2026-10-28T09:15:22", AWAITING_PICKUP, (_AG, "FLORIANOPOLIS", "SC"), None),
        ("RO", "01", "2026-11-06T18:02:50", MOVING, _FLN, CAJAMAR),
        ("RO", "01", "2026-11-08T04:26:11", MOVING, CAJAMAR, _SP_UD),
        ("BDE", "23", "2026-11-10T11:34:27", RETURNED, _SP_UD, None),
    ),
    # 1012, João Pereira: stalled, no update for more than ten days.
    "QF704829168BR": (
        ("PO", "01", "2026-11-09T10:15:37", POSTED, SAO_PAULO_AG, None),
        ("RO", "01", "2026-11-09T19:48:26", MOVING, SAO_PAULO_AG, CAJAMAR),
        ("RO", "01", "2026-11-11T03:52:14", MOVING, CAJAMAR, _FOR),
    ),
    # 1015, Natália Carvalho: first package of a partly shipped order, in transit.
    "QH817364050BR": (
        ("PO", "01", "2026-11-19T15:30:45", POSTED, SAO_PAULO_AG, None),
        ("RO", "01", "2026-11-19T21:12:08", MOVING, SAO_PAULO_AG, CAJAMAR),
        ("RO", "01", "2026-11-21T06:40:51", MOVING, CAJAMAR, _VIX),
    ),
    # 1017, Patrícia Mendes: delivered.
    "AB391746257BR": (
        ("PO", "01", "2026-10-06T17:48:20", POSTED, SAO_PAULO_AG, None),
        ("RO", "01", "2026-10-06T22:05:37", MOVING, SAO_PAULO_AG, _SAN),
        ("OEC", "01", "2026-10-08T08:31:14", OUT_FOR_DELIVERY, _SAN, None),
        ("BDE", "01", "2026-10-08T11:56:02", DELIVERED, _SAN, None),
    ),
    # 1018, Rafael Teixeira: delivered.
    "QJ246901837BR": (
        ("PO", "01", "2026-10-10T17:20:09", POSTED, SAO_PAULO_AG, None),
        ("RO", "01", "2026-10-13T19:33:41", MOVING, SAO_PAULO_AG, CAJAMAR),
        ("RO", "01", "2026-10-14T23:08:16", MOVING, CAJAMAR, _NIT),
        ("OEC", "01", "2026-10-16T08:47:30", OUT_FOR_DELIVERY, _NIT, None),
        ("BDE", "01", "2026-10-16T15:02:44", DELIVERED, _NIT, None),
    ),
    # 1019, Sabrina Moreira: in transit to Manaus.
    "QK573028414BR": (
        ("PO", "01", "2026-11-16T17:00:52", POSTED, SAO_PAULO_AG, None),
        ("RO", "01", "2026-11-17T01:27:35", MOVING, SAO_PAULO_AG, CAJAMAR),
        ("RO", "01", "2026-11-19T14:09:18", MOVING, CAJAMAR, _MAO),
    ),
    # 1020, Thiago Cardoso: delivered.
    "AD482610395BR": (
        ("PO", "01", "2026-10-23T16:35:27", POSTED, SAO_PAULO_AG, None),
        ("RO", "01", "2026-10-23T21:50:03", MOVING, SAO_PAULO_AG, CAJAMAR),
        ("RO", "01", "2026-10-25T07:14:39", MOVING, CAJAMAR, _NAT),
        ("OEC", "01", "2026-10-27T08:25:11", OUT_FOR_DELIVERY, _NAT, None),
        ("BDE", "01", "2026-10-27T10:48:56", DELIVERED, _NAT, None),
    ),
    # 1021, Vanessa Araújo: delivered (later refunded).
    "QL639182742BR": (
        ("PO", "01", "2026-10-02T17:10:44", POSTED, SAO_PAULO_AG, None),
        ("RO", "01", "2026-10-03T02:22:31", MOVING, SAO_PAULO_AG, CAJAMAR),
        ("RO", "01", "2026-10-06T12:40:05", MOVING, CAJAMAR, _SLZ),
        ("OEC", "01", "2026-10-09T08:15:49", OUT_FOR_DELIVERY, _SLZ, None),
        ("BDE", "01", "2026-10-09T16:21:33", DELIVERED, _SLZ, None),
    ),
    # 1024, Lucas Oliveira: just posted.
    "AE905172639BR": (("PO", "01", "2026-11-23T16:48:06", POSTED, SAO_PAULO_AG, None),),
    # 1026, Pedro Henrique Silva: lost in transit.
    "QM158204760BR": (
        ("PO", "01", "2026-10-22T15:58:30", POSTED, SAO_PAULO_AG, None),
        ("RO", "01", "2026-10-23T00:41:17", MOVING, SAO_PAULO_AG, CAJAMAR),
        ("RO", "01", "2026-10-25T09:03:52", MOVING, CAJAMAR, _REC),
        ("BDE", "50", "2026-11-06T10:30:00", LOST, _REC, None),
    ),
    # 1029, Juliana Batista: delivery attempt failed.
    "QN370492185BR": (
        ("PO", "01", "2026-11-12T16:14:22", POSTED, SAO_PAULO_AG, None),
        ("RO", "01", "2026-11-13T00:37:45", MOVING, SAO_PAULO_AG, CAJAMAR),
        ("RO", "01", "2026-11-16T05:58:09", MOVING, CAJAMAR, _MCZ),
        ("OEC", "01", "2026-11-20T08:09:33", OUT_FOR_DELIVERY, _MCZ, None),
        ("BDE", "20", "2026-11-20T14:46:18", MISSED, _MCZ, None),
    ),
    # 1032, Rodrigo Pires: in transit through Salvador.
    "AF263748152BR": (
        ("PO", "01", "2026-11-20T15:05:41", POSTED, SAO_PAULO_AG, None),
        ("RO", "01", "2026-11-20T22:49:27", MOVING, SAO_PAULO_AG, CAJAMAR),
        ("DO", "01", "2026-11-22T13:21:06", MOVING, _SSA, _AJU),
    ),
}


def _unit(place: Place) -> dict[str, Any]:
    """A unit object as SRO Rastro serializes it."""
    kind, city, uf = place
    return {"tipo": kind, "endereco": {"cidade": city, "uf": uf}}


def _event(event: Event, shift: timedelta) -> dict[str, Any]:
    """One event as SRO Rastro serializes it (local time, no offset)."""
    code, kind, local, description, unit, destination = event
    at = datetime.fromisoformat(local) + shift
    raw: dict[str, Any] = {
        "codigo": code,
        "tipo": kind,
        "dtHrCriado": at.strftime("%Y-%m-%dT%H:%M:%S"),
        "descricao": description,
        "unidade": _unit(unit),
    }
    if destination is not None:
        raw["unidadeDestino"] = _unit(destination)
    return raw


def _answer(objeto: dict[str, Any]) -> httpx.Response:
    """The envelope SRO Rastro wraps every object in."""
    body = {"objetos": [objeto], "quantidade": 1, "resultado": "Todos os Eventos", "versao": "1.0"}
    return httpx.Response(200, json=body)


def _basic(user: str, access_code: str) -> str:
    """The Authorization header HTTP Basic builds from the demo credentials."""
    return "Basic " + base64.b64encode(f"{user}:{access_code}".encode()).decode()


def _issue_token(request: httpx.Request, token: str, expected_auth: str) -> httpx.Response:
    """The token API: 401 for other credentials, 400 for another card, else a fresh token."""
    if request.headers.get("authorization", "") != expected_auth:
        return httpx.Response(401, json={"msgs": ["Usuário ou código de acesso inválido."]})
    try:
        body = json.loads(request.content or b"{}")
    except ValueError:
        body = {}
    if not isinstance(body, dict) or body.get("numero") != DEMO_POSTAGE_CARD:
        return httpx.Response(400, json={"msgs": ["Cartão de postagem inválido."]})
    issued = datetime.now(BRASILIA).replace(microsecond=0, tzinfo=None)
    answer = {
        "ambiente": "PRODUCAO",
        "perfil": "PJ",
        "cartaoPostagem": {"numero": DEMO_POSTAGE_CARD, "contrato": "9912345678", "dr": 72},
        "emissao": issued.isoformat(),
        "expiraEm": (issued + DEMO_TOKEN_LIFETIME).isoformat(),
        "zoneOffset": "-03:00",
        "token": token,
    }
    return httpx.Response(201, json=answer)


def demo_correios_transport(
    *,
    token: str = DEMO_CORREIOS_TOKEN,
    now: datetime | None = None,
    user: str = DEMO_CORREIOS_USER,
    access_code: str = DEMO_CORREIOS_ACCESS_CODE,
) -> httpx.MockTransport:
    """An httpx transport serving `DEMO_HISTORIES`, for `CorreiosClient(transport=...)`.

    With `now`, every event moves by `now - DEMO_REFERENCE_TIME`, so "out for delivery
    today" and "no update for ten days" stay true on any day. The token API hands `token`
    to `user`/`access_code` for `DEMO_POSTAGE_CARD`.
    """
    shift = timedelta(0) if now is None else now - DEMO_REFERENCE_TIME
    path = re.compile(r"^/srorastro/v1/objetos/(?P<code>[^/]+)$")
    expected_auth = _basic(user, access_code)

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == TOKEN_PATH and request.method == "POST":
            return _issue_token(request, token, expected_auth)
        if request.headers.get("authorization", "") != f"Bearer {token}":
            return httpx.Response(401, json={"msgs": ["Token inválido ou expirado."]})
        match = path.match(request.url.path)
        if match is None or request.method != "GET":
            return httpx.Response(404, json={"msgs": ["Recurso não encontrado."]})
        code = match["code"].upper()
        history = DEMO_HISTORIES.get(code)
        if history is None:
            message = NOT_FOUND if is_valid_s10(code) else INVALID
            return _answer({"codObjeto": code, "mensagem": message})
        events = [_event(e, shift) for e in reversed(history)]
        if request.url.params.get("resultado") == "U":
            events = events[:1]
        return _answer({"codObjeto": code, "tipoPostal": {"sigla": code[:2]}, "eventos": events})

    return httpx.MockTransport(handle)
