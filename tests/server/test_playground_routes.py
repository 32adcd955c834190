"""The playground's API, assets and SVG graph, against an in-memory backend."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from langchain_core.runnables.graph import Edge, Graph, Node

from agent.graph import build_graph
from server.graph_svg import render_svg
from server.routes import playground
from server.routes.playground import PlaygroundBackend
from server.signatures import hex_signature

SVG = "{http://www.w3.org/2000/svg}"


def now() -> str:
    return datetime.now(UTC).isoformat()


ANA = "5511987654321"


@dataclass
class FakePlayground:
    """What the app would expose: messages the bot sent and the last turn, per customer."""

    app_secret: str = "dev-secret"
    phone_number_id: str = "109876543210"
    outbox: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    turns: dict[str, dict[str, Any]] = field(default_factory=dict)
    typed: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    handoffs: dict[str, dict[str, Any]] = field(default_factory=dict)

    async def conversation(self, wa_id: str) -> list[dict[str, Any]]:
        theirs = [{**m, "from": "bot"} for m in self.outbox.get(wa_id, [])]
        return sorted(self.typed.get(wa_id, []) + theirs, key=lambda m: str(m["at"]))

    async def note_typed(self, wa_id: str, text: str) -> None:
        entry = {"from": "customer", "type": "text", "text": text, "at": now()}
        self.typed.setdefault(wa_id, []).append(entry)

    async def handoff(self, wa_id: str) -> dict[str, Any] | None:
        return self.handoffs.get(wa_id)

    async def last_turn(self, wa_id: str) -> dict[str, Any] | None:
        return self.turns.get(wa_id)


def playground_app(backend: PlaygroundBackend | None) -> FastAPI:
    app = FastAPI()
    app.include_router(playground.router)
    if backend is not None:
        app.state.playground = backend
    return app


@pytest.fixture
def backend() -> FakePlayground:
    return FakePlayground()


@pytest.fixture
async def http(backend: FakePlayground) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=playground_app(backend))
    async with httpx.AsyncClient(transport=transport, base_url="http://dev") as client:
        yield client


def svg_tree(text: str) -> ET.Element:
    return ET.fromstring(text)


def node_names(root: ET.Element) -> set[str]:
    return {g.attrib["data-node"] for g in root.iter(f"{SVG}g") if "data-node" in g.attrib}


def edge_names(root: ET.Element) -> set[str]:
    return {p.attrib["data-edge"] for p in root.iter(f"{SVG}path") if "data-edge" in p.attrib}


async def test_config_gives_the_dev_identity_and_the_demo_customers(
    http: httpx.AsyncClient,
) -> None:
    body = (await http.get("/playground/api/config")).json()
    assert "dev-secret" not in json.dumps(body), "the app secret never reaches the browser"
    assert body["phone_number_id"] == "109876543210"
    assert body["display_phone_number"].isdigit()
    customers = {c["name"]: c["wa_id"] for c in body["customers"]}
    assert customers == {
        "Ana": "5511987654321",
        "Bruno": "5521998765432",
        "Carla": "5531912345678",
        "Desconhecido": "5511900000000",
    }


async def test_messages_and_turn_proxy_the_backend(
    http: httpx.AsyncClient, backend: FakePlayground
) -> None:
    sent = {"type": "text", "text": "Olá, Ana!", "at": "2026-11-24T17:00:00+00:00"}
    backend.outbox[ANA] = [sent]
    backend.turns[ANA] = {"path": ["guard", "reply"], "intent": "greeting", "tools": []}

    messages = (await http.get("/playground/api/messages", params={"wa_id": ANA})).json()
    turn = (await http.get("/playground/api/turn", params={"wa_id": ANA})).json()

    assert messages == {"wa_id": ANA, "messages": [{**sent, "from": "bot"}], "handoff": None}
    assert turn["turn"]["intent"] == "greeting"


async def test_the_config_lists_each_demo_customers_orders(http: httpx.AsyncClient) -> None:
    body = (await http.get("/playground/api/config")).json()
    orders = {c["name"]: c["orders"] for c in body["customers"]}
    assert [o.split(" ·")[0] for o in orders["Ana"]] == ["#1001", "#1004"]
    assert orders["Desconhecido"] == []
    assert body["inbox_url"] == "/inbox"


async def test_a_customer_without_history_has_no_messages_and_no_turn(
    http: httpx.AsyncClient,
) -> None:
    messages = await http.get("/playground/api/messages", params={"wa_id": "5511900000000"})
    turn = await http.get("/playground/api/turn", params={"wa_id": "5511900000000"})
    assert messages.json()["messages"] == []
    assert turn.json() == {"wa_id": "5511900000000", "turn": None}


@pytest.mark.parametrize("wa_id", ["", "55 11", "../etc", "x" * 65])
async def test_a_malformed_wa_id_is_refused(http: httpx.AsyncClient, wa_id: str) -> None:
    response = await http.get("/playground/api/messages", params={"wa_id": wa_id})
    assert response.status_code == 422


async def test_another_customers_replies_are_not_shown(http: httpx.AsyncClient) -> None:
    for path in ("/playground/api/messages", "/playground/api/turn"):
        response = await http.get(path, params={"wa_id": "5541987650000"})
        assert response.status_code == 404, path


async def test_the_playground_answers_only_on_this_machine(backend: FakePlayground) -> None:
    transport = httpx.ASGITransport(app=playground_app(backend), client=("192.168.0.23", 5000))
    async with httpx.AsyncClient(transport=transport, base_url="http://dev") as client:
        for path in ("/", "/playground/api/config", f"/playground/api/messages?wa_id={ANA}"):
            assert (await client.get(path)).status_code == 404, path
        sent = await client.post("/playground/api/send", json={"wa_id": ANA, "type": "text"})
        assert sent.status_code == 404


async def test_send_posts_a_meta_payload_signed_on_the_server(backend: FakePlayground) -> None:
    received: list[tuple[bytes, str]] = []
    app = playground_app(backend)

    @app.post("/webhooks/whatsapp")
    async def webhook(request: Request) -> dict[str, int]:
        received.append((await request.body(), request.headers["x-hub-signature-256"]))
        return {"stored": 1}

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://dev") as client:
        text = {"wa_id": ANA, "type": "text", "text": {"body": "cadê meu pedido?"}}
        assert (await client.post("/playground/api/send", json=text)).status_code == 200
        stranger = {**text, "wa_id": "5541987650000"}
        assert (await client.post("/playground/api/send", json=stranger)).status_code == 404
    [(body, signature)] = received
    assert signature == "sha256=" + hex_signature("dev-secret", body)
    payload = json.loads(body)
    value = payload["entry"][0]["changes"][0]["value"]
    assert value["metadata"]["phone_number_id"] == "109876543210"
    [message] = value["messages"]
    assert message["from"] == ANA and message["text"] == {"body": "cadê meu pedido?"}
    assert message["id"].startswith("wamid.")


async def test_without_a_backend_the_api_answers_503() -> None:
    transport = httpx.ASGITransport(app=playground_app(None))
    async with httpx.AsyncClient(transport=transport, base_url="http://dev") as client:
        response = await client.get("/playground/api/config")
    assert response.status_code == 503


async def test_the_page_loads_only_its_own_assets(http: httpx.AsyncClient) -> None:
    page = await http.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy
    assert 'lang="pt-BR"' in page.text
    assert "http://" not in page.text and "https://" not in page.text
    for name, kind in [("playground.css", "text/css"), ("playground.js", "text/javascript")]:
        assert f"/playground/static/{name}" in page.text
        asset = await http.get(f"/playground/static/{name}")
        assert asset.status_code == 200
        assert asset.headers["content-type"].startswith(kind)
        assert "https://" not in asset.text


@pytest.mark.parametrize("name", ["nope.js", "..%2Fapp.py", "__init__.py"])
async def test_only_shipped_assets_are_served(http: httpx.AsyncClient, name: str) -> None:
    assert (await http.get(f"/playground/static/{name}")).status_code == 404


async def test_graph_svg_has_a_group_per_node_and_a_path_per_edge(
    http: httpx.AsyncClient,
) -> None:
    response = await http.get("/playground/graph.svg")
    assert response.headers["content-type"].startswith("image/svg+xml")
    root = svg_tree(response.text)
    drawable = build_graph().get_graph()
    assert node_names(root) == set(drawable.nodes)
    assert edge_names(root) == {f"{e.source}->{e.target}" for e in drawable.edges}


def tiny_graph(*names: str, cycle: bool = False) -> Graph:
    nodes = {name: Node(id=name, name=name, data=None, metadata=None) for name in names}
    edges = [Edge(a, b) for a, b in zip(names, names[1:], strict=False)]
    if cycle:
        edges.append(Edge(names[-1], names[1], conditional=True))
    return Graph(nodes=nodes, edges=edges)


def test_svg_fits_every_node_inside_its_view_box() -> None:
    root = svg_tree(render_svg(tiny_graph("__start__", "a", "b", "c", "__end__", cycle=True)))
    _, _, width, height = (float(n) for n in root.attrib["viewBox"].split())
    for rect in root.iter(f"{SVG}rect"):
        x, y = float(rect.attrib["x"]), float(rect.attrib["y"])
        assert 0 <= x and x + float(rect.attrib["width"]) <= width
        assert 0 <= y and y + float(rect.attrib["height"]) <= height
    labels = [t.text for t in root.iter(f"{SVG}text")]
    assert "start" in labels and "end" in labels


def test_svg_marks_conditional_edges_and_starts_back_edges_at_their_source() -> None:
    root = svg_tree(render_svg(tiny_graph("__start__", "a", "b", "c", cycle=True)))
    paths = {p.attrib["data-edge"]: p for p in root.iter(f"{SVG}path") if "data-edge" in p.attrib}
    assert "conditional" in paths["c->a"].attrib["class"]
    assert "conditional" not in paths["a->b"].attrib["class"]
    boxes = {
        g.attrib["data-node"]: g.find(f"{SVG}rect")
        for g in root.iter(f"{SVG}g")
        if "data-node" in g.attrib
    }

    def centre(name: str) -> tuple[float, float]:
        rect = boxes[name]
        assert rect is not None
        return (
            float(rect.attrib["x"]) + float(rect.attrib["width"]) / 2,
            float(rect.attrib["y"]) + float(rect.attrib["height"]) / 2,
        )

    first = paths["c->a"].attrib["d"].split(" L")[0].lstrip("M")
    _, y = (float(n) for n in first.split(","))
    assert abs(y - centre("c")[1]) < abs(y - centre("a")[1])


def test_svg_escapes_node_names() -> None:
    text = render_svg(tiny_graph("__start__", 'a<b&"c"', "__end__"))
    root = svg_tree(text)
    assert 'a<b&"c"' in node_names(root)
    assert '__start__->a<b&"c"' in edge_names(root)
