// The playground page: sends what a demo customer types to /playground/api/send, which
// posts it to the real webhook signed as Meta signs it (the secret stays on the server),
// then polls the conversation (both sides, from the server), whether a person owns it,
// and which graph nodes the turn visited.
"use strict";

const FAST_POLL_MS = 350;
const SLOW_POLL_MS = 3000;
const FAST_WINDOW_MS = 20000;

const $ = (id) => document.getElementById(id);
const state = {
  config: null,
  waId: null,
  messages: [],
  pending: [],
  handoff: null,
  rendered: "",
  turnKey: "",
  awaiting: null,
  fastUntil: 0,
  timer: null,
  generation: 0,
  pollFailed: false,
};

async function getJSON(url) {
  const response = await fetch(url, { cache: "no-store" });
  if (!response.ok) throw new Error(`HTTP ${response.status} em ${url}`);
  return response.json();
}

function setStatus(text, isError = false) {
  $("status").textContent = text;
  $("status").classList.toggle("error", isError);
}

// Both sides come from the server; a message on its way shows until the server has it.
async function deliver(message, shownText) {
  const waId = state.waId;
  const entry = { text: shownText, at: new Date().toISOString(), from: "customer", type: "text" };
  state.pending.push(entry);
  render();
  try {
    const response = await fetch("/playground/api/send", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ wa_id: waId, ...message }),
    });
    if (!response.ok) throw new Error(`o envio respondeu HTTP ${response.status}`);
    state.pending = state.pending.filter((m) => m !== entry);
    const answers = state.messages.filter((m) => m.from !== "customer").length;
    state.awaiting = { waId, count: answers, since: Date.now() };
    setStatus(state.handoff ? "" : "Aguardando a resposta do atendente…");
  } catch (error) {
    entry.failed = true;
    setStatus(`Falha ao enviar: ${error.message}`, true);
  }
  state.rendered = "";
  state.fastUntil = Date.now() + FAST_WINDOW_MS;
  restartPolling();
}

function sendText(text) {
  return deliver({ type: "text", text: { body: text } }, text);
}

function sendChoice(kind, choice, source) {
  const reply = { id: choice.id, title: choice.title };
  if (kind === "list_reply" && choice.description) reply.description = choice.description;
  const message = { type: "interactive", interactive: { type: kind, [kind]: reply } };
  if (source.id) message.context = { from: state.config.display_phone_number, id: source.id };
  return deliver(message, choice.title);
}

function timeLabel(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  return date.toLocaleTimeString("pt-BR", { hour: "2-digit", minute: "2-digit" });
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function choiceButtons(message) {
  const group = element("div", "choices");
  group.setAttribute("role", "group");
  if (message.buttons && message.buttons.length) {
    group.setAttribute("aria-label", "Botões de resposta");
    for (const button of message.buttons) {
      const control = element("button", "choice", button.title);
      control.type = "button";
      control.addEventListener("click", () => sendChoice("button_reply", button, message));
      group.append(control);
    }
  }
  if (message.rows && message.rows.length) {
    group.setAttribute("aria-label", message.button || "Opções da lista");
    for (const row of message.rows) {
      const control = element("button", "choice row", row.title);
      control.type = "button";
      if (row.description) control.append(element("small", "", row.description));
      control.addEventListener("click", () => sendChoice("list_reply", row, message));
      group.append(control);
    }
  }
  return group.childElementCount ? group : null;
}

function bubble(message, who) {
  const item = element("li", `bubble ${who}${message.failed ? " failed" : ""}`);
  item.setAttribute("aria-label", who === "bot" ? "Mensagem do atendente" : "Sua mensagem");
  if (message.type === "template") item.append(element("span", "kind", "Modelo"));
  if (message.type === "image" || message.type === "document") {
    const icon = message.type === "image" ? "📷 Foto" : "📄 Arquivo";
    item.append(element("span", "attachment", `${icon}: ${message.filename || ""}`));
  }
  const text = element("p", "text");
  text.append(window.WhatsAppFormat.render(message.text || ""));
  if (message.text || !message.filename) item.append(text);
  const choices = who === "bot" ? choiceButtons(message) : null;
  if (choices) item.append(choices);
  const meta = element("time", "meta", message.failed ? "não enviada" : timeLabel(message.at));
  meta.dateTime = message.at || "";
  item.append(meta);
  return item;
}

function renderHandoff() {
  const banner = $("handoff");
  const handoff = state.handoff;
  banner.hidden = !handoff;
  if (handoff) {
    $("handoff-text").textContent =
      `Com uma pessoa: ${handoff.label} cuida do atendimento ${handoff.ticket}.`;
  }
}

function render() {
  if (!state.waId) return;
  const timeline = [...state.messages, ...state.pending]
    .map((m) => ({ ...m, who: m.from === "customer" ? "customer" : "bot" }));
  const key = JSON.stringify([state.waId, timeline, state.handoff]);
  if (key === state.rendered) return;
  state.rendered = key;
  renderHandoff();
  const list = $("messages");
  list.replaceChildren(...timeline.map((m) => bubble(m, m.who)));
  if (!timeline.length) {
    list.append(element("li", "empty", "Nenhuma mensagem ainda. Diga um “oi”!"));
  }
  list.scrollTop = list.scrollHeight;
}

function describeTools(tools) {
  if (!tools || !tools.length) return "nenhuma";
  return tools.map((t) => `${t.name}(${JSON.stringify(t.args ?? {})})`).join(", ");
}

function highlight(turn) {
  const graph = $("graph");
  for (const lit of graph.querySelectorAll(".is-active")) lit.classList.remove("is-active");
  const path = turn ? turn.path || [] : [];
  $("intent").textContent = turn ? turn.intent || "—" : "—";
  $("path").textContent = path.length ? path.join(" → ") : "—";
  $("tools").textContent = turn ? describeTools(turn.tools) : "—";
  if (!path.length) return;
  const edge = (a, b) => graph.querySelector(`[data-edge="${CSS.escape(`${a}->${b}`)}"]`);
  const steps = [...path];
  if (steps[0] !== "__start__" && edge("__start__", steps[0])) steps.unshift("__start__");
  const last = steps[steps.length - 1];
  if (last !== "__end__" && edge(last, "__end__")) steps.push("__end__");
  steps.forEach((name, i) => {
    graph.querySelector(`[data-node="${CSS.escape(name)}"]`)?.classList.add("is-active");
    if (i > 0) edge(steps[i - 1], name)?.classList.add("is-active");
  });
}

async function refresh() {
  const waId = state.waId;
  const query = `wa_id=${encodeURIComponent(waId)}`;
  const [sent, last] = await Promise.all([
    getJSON(`/playground/api/messages?${query}`),
    getJSON(`/playground/api/turn?${query}`),
  ]);
  if (waId !== state.waId) return;
  state.messages = sent.messages;
  state.handoff = sent.handoff;
  render();
  const turnKey = JSON.stringify(last.turn);
  if (turnKey !== state.turnKey) {
    state.turnKey = turnKey;
    highlight(last.turn);
  }
  const waiting = state.awaiting;
  const answers = state.messages.filter((m) => m.from !== "customer").length;
  if (waiting && waiting.waId === waId && (answers > waiting.count || state.handoff)) {
    // A person owns the conversation: their answer comes when they write, not at once.
    state.awaiting = null;
    setStatus("");
  } else if (waiting && Date.now() - waiting.since > FAST_WINDOW_MS) {
    state.awaiting = null;
    setStatus("Sem resposta até agora: o worker está rodando?", true);
  }
}

// Each restart starts a new generation; a poll still in flight from an older one ends
// without scheduling another, so there is only ever one polling loop.
async function tick(generation) {
  try {
    await refresh();
    if (state.pollFailed) setStatus("");
    state.pollFailed = false;
  } catch (error) {
    state.pollFailed = true;
    setStatus(`Não foi possível atualizar: ${error.message}`, true);
  }
  if (generation !== state.generation) return;
  const delay = Date.now() < state.fastUntil ? FAST_POLL_MS : SLOW_POLL_MS;
  state.timer = setTimeout(tick, delay, generation);
}

function restartPolling() {
  clearTimeout(state.timer);
  state.generation += 1;
  state.timer = setTimeout(tick, 0, state.generation);
}

function showOrders(waId) {
  const person = state.config.customers.find((c) => c.wa_id === waId);
  const orders = person?.orders || [];
  $("orders").textContent = orders.length
    ? `Pedidos: ${orders.join("; ")}`
    : "Nenhum pedido na loja de demonstração.";
}

async function releaseCustomer() {
  const button = $("release");
  button.disabled = true;
  try {
    const response = await fetch("/playground/api/release", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ wa_id: state.waId }),
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    setStatus("Conversa devolvida ao robô.");
  } catch (error) {
    setStatus(`Não foi possível devolver: ${error.message}`, true);
  } finally {
    button.disabled = false;
  }
  state.fastUntil = Date.now() + FAST_WINDOW_MS;
  restartPolling();
}

function chooseCustomer(waId) {
  state.waId = waId;
  state.messages = [];
  state.pending = [];
  state.handoff = null;
  showOrders(waId);
  state.rendered = "";
  state.turnKey = "";
  state.awaiting = null;
  setStatus("");
  highlight(null);
  render();
  restartPolling();
}

async function loadGraph() {
  const graph = $("graph");
  const response = await fetch("/playground/graph.svg", { cache: "no-store" });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  graph.innerHTML = await response.text();
  graph.setAttribute("aria-busy", "false");
  state.turnKey = "";
}

async function start() {
  loadGraph().catch((error) => {
    $("graph").textContent = `Não foi possível carregar o grafo (${error.message}).`;
  });
  try {
    state.config = await getJSON("/playground/api/config");
  } catch (error) {
    setStatus(`Playground indisponível: ${error.message}`, true);
    return;
  }
  const select = $("customer");
  for (const person of state.config.customers) {
    select.append(new Option(`${person.name} (+${person.wa_id})`, person.wa_id));
  }
  select.addEventListener("change", () => chooseCustomer(select.value));
  $("release").addEventListener("click", releaseCustomer);
  $("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = $("text");
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    sendText(text);
    input.focus();
  });
  for (const id of ["customer", "text", "send"]) $(id).disabled = false;
  chooseCustomer(select.value);
  $("text").focus();
}

start();
