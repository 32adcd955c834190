// The staff inbox: sign in, see the department's tickets live (server-sent events), read a
// ticket as one timeline, answer (text, photo or file, template), note, assign, transfer,
// and give the customer back to the bot. Every change carries the session's CSRF token.
"use strict";

const $ = (id) => document.getElementById(id);
const state = {
  me: null,
  csrf: "",
  departments: [],
  tickets: [],
  current: null,
  detail: null,
  events: null,
};

const KIND_LABELS = {
  opened: "Atendimento aberto",
  assigned: "Atribuído",
  transferred: "Transferido",
  released: "Devolvido ao robô",
};

class HttpError extends Error {
  constructor(status, detail) {
    super(detail || `HTTP ${status}`);
    this.status = status;
  }
}

// The page's own address, so the inbox works where it is mounted (`/inbox`, or a store's
// `/stores/<slug>/inbox` in a deployment of many stores).
const API = `${location.pathname.replace(/\/+$/, "")}/api`;

async function api(method, url, body, contentType = "application/json") {
  const headers = {};
  if (method !== "GET") headers["x-csrf-token"] = state.csrf;
  let payload;
  if (body instanceof Blob) {
    payload = body;
    headers["content-type"] = contentType;
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers["content-type"] = "application/json";
  }
  const response = await fetch(url, {
    method, headers, body: payload, cache: "no-store", credentials: "same-origin",
  });
  if (response.status === 401 && url !== `${API}/session`) {
    showSignIn();
    throw new HttpError(401, "Sua sessão expirou. Entre de novo.");
  }
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new HttpError(response.status, explain(response.status, data.detail));
  return data;
}

function explain(status, detail) {
  if (status === 429) return "Muitas tentativas. Espere um minuto e tente de novo.";
  if (status === 403) return "A página ficou desatualizada: recarregue e tente de novo.";
  if (status === 409 && String(detail).includes("24 h")) {
    return "A janela de 24 h fechou: envie um modelo aprovado.";
  }
  if (status === 409 && String(detail).includes("mid-turn")) {
    return "O cliente está sendo atendido pelo robô neste instante; tente em alguns segundos.";
  }
  if (status === 409) return "Este atendimento já foi encerrado ou mudou; a lista foi atualizada.";
  if (status === 415) return "Envie uma foto JPEG ou PNG, ou um PDF.";
  if (status === 413) return "O arquivo é grande demais (máximo de 5 MB).";
  if (status === 502) return "O WhatsApp recusou o arquivo. Confira o tipo e o tamanho.";
  return typeof detail === "string" ? detail : `Erro ${status}`;
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

function phone(waId) {
  const digits = String(waId);
  const match = /^55(\d{2})(\d{4,5})(\d{4})$/.exec(digits);
  return match ? `+55 ${match[1]} ${match[2]}-${match[3]}` : digits;
}

function timeLabel(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const sameDay = date.toDateString() === new Date().toDateString();
  const options = sameDay
    ? { hour: "2-digit", minute: "2-digit" }
    : { day: "2-digit", month: "2-digit", hour: "2-digit", minute: "2-digit" };
  return date.toLocaleString("pt-BR", options);
}

function departmentLabel(key) {
  return state.departments.find((d) => d.key === key)?.label || key;
}

// --- sign-in -------------------------------------------------------------------------

function showSignIn(message = "") {
  if (state.events) state.events.close();
  state.events = null;
  $("app").hidden = true;
  $("signin").hidden = false;
  $("signin-error").textContent = message;
  $("login").focus();
}

async function signIn(event) {
  event.preventDefault();
  $("signin-error").textContent = "";
  try {
    await api("POST", `${API}/session`, {
      login: $("login").value.trim().toLowerCase(),
      password: $("password").value,
    });
    $("password").value = "";
    await start();
  } catch (error) {
    $("signin-error").textContent =
      error.status === 401 ? "Login ou senha incorretos." : error.message;
  }
}

async function signOut() {
  try {
    await api("DELETE", `${API}/session`);
  } finally {
    state.me = null;
    showSignIn("Você saiu.");
  }
}

// --- the list --------------------------------------------------------------------------

function renderHours() {
  const mine = state.departments.find((d) => d.key === state.me.department);
  if (!mine) return;
  const box = $("hours");
  box.classList.toggle("closed", !mine.open_now);
  box.textContent = mine.open_now
    ? `${mine.label}: dentro do horário`
    : `${mine.label}: fora do horário (atende ${mine.hours})`;
}

async function loadTickets() {
  const filter = $("department-filter").value;
  const query = filter ? `?department=${encodeURIComponent(filter)}` : "";
  const data = await api("GET", `${API}/tickets${query}`);
  state.tickets = data.tickets;
  renderTickets();
}

function renderTickets() {
  const list = $("tickets");
  const items = state.tickets.map((ticket) => {
    const item = element("li");
    const button = element("button", "ticket-item");
    button.type = "button";
    button.dataset.ticket = ticket.id;
    if (state.current === ticket.id) button.setAttribute("aria-current", "true");
    const top = element("span", "row");
    top.append(element("strong", "", phone(ticket.wa_id)));
    top.append(element("time", "muted", timeLabel(ticket.last_activity || ticket.opened_at)));
    const middle = element("span", "row");
    middle.append(element("span", "", `${ticket.id} · ${ticket.reason_text}`));
    if (ticket.unread) {
      const badge = element("span", "badge", String(ticket.unread));
      badge.setAttribute("aria-label", `${ticket.unread} não lida(s)`);
      middle.append(badge);
    }
    const bottom = element("span", "row muted");
    bottom.append(element("span", "preview", ticket.preview || departmentLabel(ticket.department)));
    if (ticket.assignee) bottom.append(element("span", "", `👤 ${ticket.assignee.name}`));
    button.append(top, middle, bottom);
    button.addEventListener("click", () => openTicket(ticket.id));
    item.append(button);
    return item;
  });
  list.replaceChildren(...items);
  if (!items.length) list.append(element("li", "empty muted", "Nenhum atendimento aberto."));
}

// --- one ticket --------------------------------------------------------------------------

async function openTicket(ticketId) {
  state.current = ticketId;
  document.body.classList.add("reading");
  await loadTicket();
  renderTickets();
  $("reply-text").focus();
}

async function loadTicket() {
  if (!state.current) return;
  try {
    state.detail = await api("GET", `${API}/tickets/${encodeURIComponent(state.current)}`);
  } catch (error) {
    if (error.status === 404) {
      closeTicket();
      return;
    }
    throw error;
  }
  const row = state.tickets.find((t) => t.id === state.current);
  if (row) row.unread = 0;
  renderTicket();
}

function closeTicket() {
  state.current = null;
  state.detail = null;
  document.body.classList.remove("reading");
  $("ticket").hidden = true;
  $("placeholder").hidden = false;
  renderTickets();
}

function entryView(entry) {
  const kind = entry.kind;
  const who = {
    customer_message: "customer", bot: "bot", agent_reply: "agent", note: "note",
  }[kind] || "system";
  const item = element("li", `entry ${who}`);
  if (who === "system") {
    let text = KIND_LABELS[kind] || kind;
    if (kind === "opened") text += `: ${state.detail.ticket.reason_text}`;
    if (kind === "assigned") text += ` a ${entry.details?.assignee?.name}`;
    if (kind === "transferred") text += ` para ${departmentLabel(entry.details?.to)}`;
    if (entry.by) text += ` por ${entry.by.name}`;
    item.append(element("span", "", text));
  } else {
    const label = {
      customer: "Cliente", bot: "Robô", agent: entry.by?.name || "Equipe",
      note: `Nota interna · ${entry.by?.name || ""}`,
    }[who];
    item.append(element("span", "author", label));
    const media = entry.details?.media;
    if (media) {
      const icon = media.kind === "image" ? "📷 Foto" : "📄 Arquivo";
      item.append(element("span", "attachment", `${icon}: ${media.filename}`));
    }
    if (entry.details?.template) item.append(element("span", "attachment", "Modelo aprovado"));
    const text = element("p", "text");
    text.append(window.WhatsAppFormat.render(entry.text || ""));
    if (entry.text) item.append(text);
  }
  const at = element("time", "meta", entry.at ? timeLabel(entry.at) : "antes da transferência");
  if (entry.at) at.dateTime = entry.at;
  item.append(at);
  return item;
}

function renderTicket() {
  const { ticket, timeline, window_open: windowOpen, templates, agents } = state.detail;
  $("placeholder").hidden = true;
  $("ticket").hidden = false;
  $("ticket-title").textContent = `${phone(ticket.wa_id)} · ${ticket.id}`;
  const order = ticket.order_number ? ` · pedido ${ticket.order_number}` : "";
  const owner = ticket.assignee ? ` · com ${ticket.assignee.name}` : " · sem responsável";
  $("ticket-meta").textContent = `${ticket.department_label} · ${ticket.reason_text}${order}${owner}`;

  const assignee = $("assignee");
  assignee.replaceChildren(
    ...agents.map((a) => new Option(a.login === state.me.login ? `${a.name} (você)` : a.name, a.login)),
  );
  assignee.value = ticket.assignee?.login || state.me.login;
  const transfer = $("transfer-to");
  transfer.replaceChildren(
    ...state.departments.filter((d) => d.key !== ticket.department)
      .map((d) => new Option(d.label, d.key)),
  );

  const list = $("timeline");
  list.replaceChildren(...timeline.map(entryView));
  list.scrollTop = list.scrollHeight;

  $("closed-window").hidden = windowOpen;
  $("template").replaceChildren(...templates.map((t) => new Option(t.name, t.name)));
  $("template-preview").textContent = templates[0]?.preview || "";
  const note = document.querySelector('input[name="mode"][value="note"]');
  if (!windowOpen && !note.checked) note.checked = true;
  updateComposer();
}

function updateComposer() {
  const noting = document.querySelector('input[name="mode"]:checked').value === "note";
  const windowOpen = state.detail?.window_open;
  $("reply-text").placeholder = noting ? "Nota para a equipe (o cliente não vê)" : "Escreva sua resposta";
  $("attachment").disabled = noting || !windowOpen;
  document.querySelector('input[name="mode"][value="reply"]').disabled = !windowOpen;
}

function setStatus(text, isError = false) {
  $("ticket-status").textContent = text;
  $("ticket-status").classList.toggle("error", isError);
}

async function act(run, done) {
  setStatus("");
  try {
    await run();
    if (done) setStatus(done);
  } catch (error) {
    setStatus(error.message, true);
  }
  await refresh();
}

function ticketUrl(action) {
  return `${API}/tickets/${encodeURIComponent(state.current)}/${action}`;
}

async function submitComposer(event) {
  event.preventDefault();
  const text = $("reply-text").value.trim();
  const file = $("attachment").files[0];
  const noting = document.querySelector('input[name="mode"]:checked').value === "note";
  if (!text && !file) return;
  await act(async () => {
    if (noting) {
      await api("POST", ticketUrl("note"), { text });
    } else if (file) {
      const query = `?filename=${encodeURIComponent(file.name)}&caption=${encodeURIComponent(text)}`;
      await api("POST", ticketUrl("attachment") + query, file, file.type);
    } else {
      await api("POST", ticketUrl("reply"), { text });
    }
    $("reply-text").value = "";
    $("attachment").value = "";
    $("attachment-name").textContent = "";
  }, noting ? "Nota salva." : "Mensagem enviada.");
}

async function refresh() {
  try {
    await loadTickets();
    await loadTicket();
  } catch (error) {
    setStatus(error.message, true);
  }
}

// --- live updates ----------------------------------------------------------------------

function listen() {
  if (state.events) state.events.close();
  const source = new EventSource(`${API}/events`);
  source.addEventListener("tickets", async (event) => {
    const { changed } = JSON.parse(event.data);
    await loadTickets().catch(() => {});
    if (state.current && changed.includes(state.current)) await loadTicket().catch(() => {});
  });
  source.addEventListener("ready", () => loadTickets().catch(() => {}));
  source.onerror = async () => {
    // EventSource retries by itself; a lost session shows the sign-in form instead.
    try {
      await api("GET", `${API}/me`);
    } catch (error) {
      if (error.status === 401) source.close();
    }
  };
  state.events = source;
}

// --- start -------------------------------------------------------------------------------

async function start() {
  let me;
  try {
    me = await api("GET", `${API}/me`);
  } catch (error) {
    if (error.status !== 401) showSignIn(error.message);
    return;
  }
  state.me = me.agent;
  state.csrf = me.csrf;
  state.departments = me.departments;
  $("signin").hidden = true;
  $("app").hidden = false;
  $("agent-name").textContent = me.agent.name;
  const filter = $("department-filter");
  const visible = me.agent.all_departments
    ? [new Option("Todos os departamentos", ""), ...me.departments.map((d) => new Option(d.label, d.key))]
    : [new Option(me.departments.find((d) => d.key === me.agent.department)?.label || "", me.agent.department)];
  filter.replaceChildren(...visible);
  filter.disabled = !me.agent.all_departments;
  renderHours();
  await loadTickets();
  listen();
}

function wire() {
  $("signin-form").addEventListener("submit", signIn);
  $("signout").addEventListener("click", signOut);
  $("department-filter").addEventListener("change", () => loadTickets());
  $("back").addEventListener("click", closeTicket);
  $("composer").addEventListener("submit", submitComposer);
  $("reply-text").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      $("composer").requestSubmit();
    }
  });
  for (const radio of document.querySelectorAll('input[name="mode"]')) {
    radio.addEventListener("change", updateComposer);
  }
  $("attachment").addEventListener("change", () => {
    $("attachment-name").textContent = $("attachment").files[0]?.name || "";
  });
  $("template").addEventListener("change", () => {
    const chosen = state.detail.templates.find((t) => t.name === $("template").value);
    $("template-preview").textContent = chosen?.preview || "";
  });
  $("send-template").addEventListener("click", () =>
    act(() => api("POST", ticketUrl("template"), { name: $("template").value }), "Modelo enviado."));
  $("assign").addEventListener("click", () =>
    act(() => api("POST", ticketUrl("assign"), { login: $("assignee").value }), "Atribuído."));
  $("transfer").addEventListener("click", () =>
    act(async () => {
      await api("POST", ticketUrl("transfer"), { department: $("transfer-to").value });
    }, "Transferido."));
  $("release").addEventListener("click", () =>
    act(async () => {
      await api("POST", ticketUrl("release"));
      closeTicket();
    }, ""));
}

wire();
start().then(() => {
  if (!state.me) showSignIn();
});
