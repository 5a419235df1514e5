// signon local simulator: the parent's side of the WhatsApp conversation.
// The server pushes the whole State over SSE after every change, so the page
// simply re-renders from the latest State; it never patches messages in place.
// Every piece of data goes in through textContent: bodies are user input.
"use strict";

const OPTIONAL_FIELDS = new Set([
  "parent_last_name",
  "player_last_name",
  "current_registration_season",
  "membership_fee_amount",
  "subscription_fee_amount",
]);

const view = {
  state: null, // the latest State from the server
  selected: null, // phone of the open conversation
  pendingDigits: null, // last 10 digits of an invite's number, to open its chat when it appears
  renderedKey: "", // which chat/messages are on screen, to scroll only when they change
  apiKeyFilled: false,
  exportKeyFilled: false,
  sending: false, // a reply is in flight: SSE re-renders must not re-enable the box
};

const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, text) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

const digits = (s) => String(s ?? "").replace(/\D/g, "");
const last10 = (s) => digits(s).slice(-10);

// Enough grouping for the numbers this project uses (+44 and +1); anything else stays as given.
function formatPhone(e164) {
  if (!e164) return "";
  const d = digits(e164);
  if (d.startsWith("44") && d.length === 12) return `+44 ${d.slice(2, 6)} ${d.slice(6)}`;
  if (d.startsWith("1") && d.length === 11) return `+1 ${d.slice(1, 4)} ${d.slice(4, 7)} ${d.slice(7)}`;
  return e164;
}

const timeOf = (iso) => new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
const dayOf = (iso) => new Date(iso).toLocaleDateString([], { weekday: "short", day: "numeric", month: "short", year: "numeric" });
const isToday = (iso) => new Date(iso).toDateString() === new Date().toDateString();
const initials = (conv) => (conv.name ? conv.name.trim().slice(0, 1).toUpperCase() : "#");
const titleOf = (conv) => conv.name || formatPhone(conv.phone);

// ---- connection -------------------------------------------------------------

function connect() {
  const source = new EventSource("/simulator/events");
  source.addEventListener("state", (event) => applyState(JSON.parse(event.data)));
  source.addEventListener("open", () => setConnection("live"));
  // EventSource reconnects by itself; we only have to say so.
  source.addEventListener("error", () => setConnection("offline"));
}

function setConnection(state) {
  const badge = $("connection");
  badge.dataset.state = state;
  badge.textContent = state === "live" ? "Live" : "Offline";
  badge.title = state === "live" ? "Receiving updates" : "Connection lost: reconnecting automatically";
}

// ---- state ------------------------------------------------------------------

function applyState(state) {
  view.state = state;
  const convs = state.conversations ?? [];
  if (view.pendingDigits) {
    const match = convs.find((c) => last10(c.phone) === view.pendingDigits);
    if (match) {
      view.selected = match.phone;
      view.pendingDigits = null;
    }
  }
  if (!convs.some((c) => c.phone === view.selected)) view.selected = convs[0]?.phone ?? null;
  fillFormDefaults(state);
  render();
  // Live: every change to the chats (an invite, a reply) may have changed a registration.
  scheduleRegistrations();
}

function fillFormDefaults({ club, apiKey, exportApiKey }) {
  const exportKey = $("registrations-form").elements.exportApiKey;
  if (!view.exportKeyFilled && exportApiKey) {
    exportKey.value = exportApiKey;
    view.exportKeyFilled = true;
  }
  const form = $("invite-form");
  form.elements.current_registration_season.placeholder = club?.season ?? "";
  form.elements.membership_fee_amount.placeholder = club?.membershipFee ?? "";
  form.elements.subscription_fee_amount.placeholder = club?.subscriptionFee ?? "";
  // Prefill once: later pushes must not overwrite a key the user is editing.
  if (!view.apiKeyFilled && apiKey) {
    form.elements.apiKey.value = apiKey;
    view.apiKeyFilled = true;
  }
}

// ---- registrations (the secretary's view, from GET /registrations) ----------

const answerText = (value) => (typeof value === "boolean" ? (value ? "yes" : "no") : value);

/** The columns: the player's and the parent's, then one per optional question as the state lists them, then the club's. */
function registrationColumns() {
  // Each optional question's label and answers, from the server: a new question shows here without a change to this page.
  const questions = (view.state?.optionalQuestions ?? []).map(({ label, answerKeys }) => [
    label,
    (r) =>
      answerKeys
        .map((key) => answerText(r[key]))
        .filter((text) => text !== undefined && text !== "")
        .join(" "),
  ]);
  return [
    ["Player", (r) => [r.player_first_name, r.player_last_name].filter(Boolean).join(" ")],
    ["Status", (r) => r.status],
    ["Legal name", (r) => r.player_legal_name],
    ["Date of birth", (r) => r.date_of_birth],
    ["Parent", (r) => [r.parent_first_name, r.parent_last_name].filter(Boolean).join(" ")],
    ...questions,
    // What the parent wrote after the hand-over, one message a line.
    ["For the club", (r) => r.messages_for_club],
    // Twilio's delivery status of the invite, with its error code when it failed.
    ["Invite", (r) => [r.invite_status, r.invite_error_code && `(${r.invite_error_code})`].filter(Boolean).join(" ")],
    // The payment, in a stack with signon:payments: the fee, then the Direct Debit and the monthly payments.
    ["Payment", (r) => (r.fee_status ? `fee ${r.fee_status}, mandate ${r.mandate_status}, subscription ${r.subscription_status}` : "")],
  ];
}
let registrationsTimer = null;

function scheduleRegistrations() {
  clearTimeout(registrationsTimer);
  registrationsTimer = setTimeout(() => void loadRegistrations(), 250);
}

async function loadRegistrations() {
  const status = $("registrations-status");
  const key = $("registrations-form").elements.exportApiKey.value;
  if (!key) {
    status.textContent = "Enter the export key to see the registrations.";
    return;
  }
  let response;
  try {
    response = await fetch("/registrations", { headers: { "x-api-key": key, Accept: "application/json" } });
  } catch {
    status.textContent = "Could not reach signon.";
    return;
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    status.textContent = `${response.status}: ${body.error ?? body.message ?? "refused"}`;
    return;
  }
  renderRegistrations(body.registrations ?? []);
  status.textContent = `${body.registrations.length} registration${body.registrations.length === 1 ? "" : "s"}`;
}

/** One table per team and age group; erased ones (no team) under their own heading. Text only, never HTML. */
function renderRegistrations(registrations) {
  const container = $("registrations-tables");
  const teams = new Map();
  for (const registration of registrations) {
    const team = registration.team_name ? `${registration.team_name} ${registration.age_group ?? ""}`.trim() : "Erased";
    if (!teams.has(team)) teams.set(team, []);
    teams.get(team).push(registration);
  }
  const columns = registrationColumns();
  const tables = [...teams].map(([team, rows]) => {
    const section = document.createElement("section");
    const heading = document.createElement("h3");
    heading.textContent = team;
    const table = document.createElement("table");
    table.dataset.team = team;
    const headRow = table.createTHead().insertRow();
    for (const [title] of columns) {
      const cell = document.createElement("th");
      cell.textContent = title;
      headRow.append(cell);
    }
    const tbody = table.createTBody();
    for (const registration of rows) {
      const row = tbody.insertRow();
      row.dataset.registrationId = registration.registration_id;
      for (const [, value] of columns) row.insertCell().textContent = value(registration) ?? "";
    }
    section.append(heading, table);
    return section;
  });
  container.replaceChildren(...tables);
}

const selectedConversation = () => view.state?.conversations?.find((c) => c.phone === view.selected) ?? null;

// ---- rendering --------------------------------------------------------------

function render() {
  const { club } = view.state;
  $("club-name").textContent = club?.name ?? "signon";
  $("club-number").textContent = [club?.assistantName, formatPhone(club?.whatsappNumber)].filter(Boolean).join(" · ");
  document.title = `${club?.name ?? "signon"} · WhatsApp simulator`;
  renderChatList();
  renderChat();
}

function renderChatList() {
  const convs = view.state.conversations ?? [];
  const items = convs.map((conv) => {
    const last = conv.messages.at(-1);
    const item = el("li", {
      class: "chat-item",
      role: "option",
      tabindex: "0",
      "data-testid": "chat-item",
      "data-phone": conv.phone,
      "aria-selected": String(conv.phone === view.selected),
    });
    item.append(
      el("div", { class: "avatar", "aria-hidden": "true" }, initials(conv)),
      el("span", { class: "name" }, titleOf(conv)),
      el("span", { class: "time" }, last ? (isToday(last.at) ? timeOf(last.at) : dayOf(last.at)) : ""),
      el("span", { class: "phone" }, formatPhone(conv.phone)),
      el("span", { class: "preview" }, last ? previewOf(last) : ""),
    );
    item.addEventListener("click", () => selectChat(conv.phone));
    item.addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === " ") {
        e.preventDefault();
        selectChat(conv.phone);
      }
    });
    return item;
  });
  $("chat-list").replaceChildren(...items);
  $("chat-list-empty").hidden = convs.length > 0;
}

function previewOf(message) {
  const firstLine = message.body.split("\n").find((line) => line.trim()) ?? "";
  return message.direction === "from-parent" ? `You: ${firstLine}` : firstLine;
}

function selectChat(phone) {
  view.selected = phone;
  $("reply-error").hidden = true;
  render();
  $("reply-input").focus();
  markRead(phone);
}

// The parent opens the chat: the stand-in marks the club's delivered messages read and tells POST /status.
function markRead(phone) {
  fetch("/simulator/api/read", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ to: phone }),
  }).catch(() => setConnection("offline"));
}

// What the club sees of its own messages, as WhatsApp draws it: one grey tick sent, two grey
// delivered, two blue read; a failure said plainly with Twilio's error code.
const ticks = {
  queued: ["🕓", "Queued at Twilio"],
  sending: ["🕓", "Sending"],
  sent: ["✓", "Sent"],
  delivered: ["✓✓", "Delivered"],
  read: ["✓✓", "Read"],
};

function tickOf(message) {
  if (message.status === "failed" || message.status === "undelivered") {
    const code = message.error_code ? ` (${message.error_code})` : "";
    return el("span", { class: "ticks", "data-status": message.status, "data-testid": "ticks" }, `Not delivered${code}`);
  }
  const [symbol, label] = ticks[message.status] ?? [];
  if (!symbol) return null;
  return el("span", { class: "ticks", "data-status": message.status, "data-testid": "ticks", title: label, "aria-label": label }, symbol);
}

function renderChat() {
  const conv = selectedConversation();
  const list = $("chat-messages");
  $("chat-name").textContent = conv ? titleOf(conv) : "No chat selected";
  $("chat-phone").textContent = conv?.name ? formatPhone(conv.phone) : "";
  $("chat-avatar").textContent = conv ? initials(conv) : "";
  setReplyEnabled(Boolean(conv));
  $("reply-input").placeholder = conv ? `Reply as ${titleOf(conv)}` : "Select a chat to reply";
  $("reply-label").textContent = conv ? `Reply as ${titleOf(conv)}` : "Reply";

  if (!conv) {
    const hint = (view.state.conversations ?? []).length ? "Select a chat" : "No invites yet — send one with the form";
    list.replaceChildren(el("li", { class: "placeholder" }, hint));
    view.renderedKey = "";
    return;
  }
  const nodes = [];
  let lastDay = "";
  for (const message of conv.messages) {
    const day = dayOf(message.at);
    if (day !== lastDay) {
      nodes.push(el("li", { class: "day", "aria-hidden": "true" }, isToday(message.at) ? "Today" : day));
      lastDay = day;
    }
    nodes.push(bubble(message));
  }
  list.replaceChildren(...nodes);
  // Scroll to the newest message only when the chat or its messages changed, not on every push.
  const key = `${conv.phone}|${conv.messages.length}|${conv.messages.at(-1)?.sid ?? ""}`;
  if (key !== view.renderedKey) list.scrollTop = list.scrollHeight;
  view.renderedKey = key;
}

// A link in a message (the payment link, the code of conduct) opens as WhatsApp opens it: in a new tab.
const linkPattern = /\bhttps?:\/\/[^\s<>"]+[^\s<>".,;:!?)]/g;

/** `node` with `text` in it, each http(s) URL an <a>; the rest stays text, never parsed as HTML. */
function withLinks(node, text) {
  let from = 0;
  for (const match of text.matchAll(linkPattern)) {
    node.append(text.slice(from, match.index), el("a", { href: match[0], target: "_blank", rel: "noopener" }, match[0]));
    from = match.index + match[0].length;
  }
  node.append(text.slice(from));
  return node;
}

function bubble(message) {
  const node = el("li", {
    class: "bubble",
    "data-testid": "message",
    "data-sid": message.sid ?? "",
    "data-direction": message.direction,
    "data-kind": message.kind ?? "",
  });
  if (message.kind === "template") node.append(el("div", { class: "tag" }, "Invite"));
  node.append(withLinks(el("span", { class: "body" }), message.body));
  const meta = [timeOf(message.at)];
  if (message.direction === "from-parent") meta.push("✓✓");
  const time = el("time", { class: "meta", datetime: message.at, title: message.status ?? "" }, meta.join(" "));
  // Replies carry no status callback: only the messages Twilio delivers get ticks.
  const tick = message.direction === "to-parent" && message.kind !== "reply" ? tickOf(message) : null;
  if (tick) time.append(" ", tick);
  node.append(time);
  return node;
}

// ---- replying as the parent ---------------------------------------------------

function setReplyEnabled(enabled) {
  $("reply-input").disabled = !enabled || view.sending;
  $("reply-send").disabled = !enabled || view.sending;
  $("reply-send").textContent = view.sending ? "Sending…" : "Send";
}

async function sendReply(event) {
  event.preventDefault();
  const input = $("reply-input");
  const text = input.value.trim();
  const to = view.selected;
  if (!text || !to) return;
  $("reply-error").hidden = true;
  view.sending = true;
  setReplyEnabled(true);
  try {
    const response = await fetch("/simulator/api/reply", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ to, text }),
    });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(answer.message || answer.error || `The simulator answered ${response.status}`);
    input.value = "";
    autoGrow();
  } catch (error) {
    $("reply-error").textContent = `Reply not sent: ${error.message}`;
    $("reply-error").hidden = false;
  } finally {
    view.sending = false;
    setReplyEnabled(Boolean(selectedConversation()));
    input.focus();
  }
}

function autoGrow() {
  const input = $("reply-input");
  input.style.height = "auto";
  input.style.height = `${Math.min(input.scrollHeight, 120)}px`;
}

// ---- the invite form ----------------------------------------------------------

function invitePayload(form) {
  const payload = {};
  for (const input of form.querySelectorAll("input[name]")) {
    if (input.name === "apiKey") continue;
    const value = input.value.trim();
    if (value || !OPTIONAL_FIELDS.has(input.name)) payload[input.name] = value;
  }
  return payload;
}

function outcomeText(status, answer) {
  if (status === 403) return "The API key was refused (403 Forbidden): check the x-api-key value.";
  if (status === 429) return "The throttle refused it (429 Too Many Requests): wait a moment and send again.";
  return answer.message || answer.error || `The trigger answered ${status}.`;
}

function showResult(status, text, problems = []) {
  const result = $("invite-result");
  result.dataset.status = String(status);
  result.className = `result ${status === 200 ? "ok" : "fail"}`;
  const line = el("p");
  line.append(el("span", { class: "status" }, status ? `${status}` : "Network error"), ` ${text}`);
  result.replaceChildren(line);
  if (problems.length) {
    const list = el("ul");
    for (const p of problems) list.append(el("li", {}, `${p.field}: ${p.message}`));
    result.append(list);
  }
}

function clearFieldErrors(form) {
  for (const input of form.querySelectorAll("input.invalid")) {
    input.classList.remove("invalid");
    input.removeAttribute("aria-invalid");
    input.removeAttribute("aria-describedby");
  }
  for (const note of form.querySelectorAll(".field-error")) note.remove();
}

// The 400 answer names each bad field: mark it where the user typed it.
function markFieldErrors(form, problems) {
  for (const [i, p] of problems.entries()) {
    const input = form.elements[p.field];
    if (!(input instanceof HTMLInputElement)) continue;
    const note = el("span", { class: "field-error", id: `field-error-${i}` }, p.message);
    input.classList.add("invalid");
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", note.id);
    input.after(note);
  }
  form.querySelector("input.invalid")?.focus();
}

async function sendInvite(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const button = $("invite-send");
  const payload = invitePayload(form);
  clearFieldErrors(form);
  button.disabled = true;
  button.textContent = "Sending…";
  try {
    const response = await fetch("/trigger", {
      method: "POST",
      headers: { "Content-Type": "application/json", "x-api-key": form.elements.apiKey.value },
      body: JSON.stringify(payload),
    });
    const answer = await response.json().catch(() => ({}));
    const problems = Array.isArray(answer.problems) ? answer.problems : [];
    showResult(response.status, outcomeText(response.status, answer), problems);
    if (response.ok) openInvitedChat(payload.parent_tel);
    else markFieldErrors(form, problems);
  } catch (error) {
    showResult(0, `The trigger could not be reached (${error.message}).`);
  } finally {
    button.disabled = false;
    button.textContent = "Send invite";
  }
}

// The SSE push may arrive before or after the trigger's answer: cover both orders.
function openInvitedChat(typedPhone) {
  view.pendingDigits = last10(typedPhone);
  if (view.state) applyState(view.state);
}

// ---- reminders -----------------------------------------------------------------

// POST /local/reminders runs the same handler EventBridge runs in AWS, with this clock.
async function runReminders(event) {
  event.preventDefault();
  const input = $("reminders-now");
  const result = $("reminders-result");
  const when = new Date(input.value);
  if (Number.isNaN(when.getTime())) {
    result.className = "result fail";
    result.replaceChildren(el("p", {}, "Choose a date and time first."));
    return;
  }
  $("reminders-run").disabled = true;
  try {
    const response = await fetch("/local/reminders", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ now: when.toISOString() }),
    });
    showReminders(response.status, await response.json().catch(() => ({})));
  } catch (error) {
    showReminders(0, { error: `the reminders could not be reached (${error.message})` });
  } finally {
    $("reminders-run").disabled = false;
  }
}

function showReminders(status, answer) {
  const result = $("reminders-result");
  result.dataset.status = String(status);
  result.className = `result ${status === 200 ? "ok" : "fail"}`;
  if (status !== 200) {
    result.replaceChildren(el("p", {}, answer.message || answer.error || `The run answered ${status}.`));
    return;
  }
  let summary = `Sent ${answer.sent.length}, skipped ${answer.skipped.length}.`;
  if (!answer.configured) summary = "No reminder template is configured: nothing was sent.";
  else if (answer.quiet_hours) summary = "Quiet hours in London (20:00 to 09:00): nothing was sent.";
  const list = el("ul");
  for (const sent of answer.sent) list.append(el("li", {}, `${sent.registration_id.slice(0, 8)}: sent`));
  for (const skip of answer.skipped) list.append(el("li", {}, `${skip.registration_id.slice(0, 8)}: ${skip.reason.replaceAll("_", " ")}`));
  result.replaceChildren(el("p", {}, summary), list);
}

// ---- wiring --------------------------------------------------------------------

function setInviteOpen(open) {
  $("app").classList.toggle("invite-closed", !open);
  $("toggle-invite").setAttribute("aria-expanded", String(open));
  $("toggle-invite").textContent = open ? "Hide invite form" : "Send an invite";
}

function wire() {
  $("reply-form").addEventListener("submit", sendReply);
  $("reply-input").addEventListener("input", autoGrow);
  $("reply-input").addEventListener("keydown", (e) => {
    // Enter sends, Shift+Enter starts a new line, as in WhatsApp Web.
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      $("reply-form").requestSubmit();
    }
  });
  $("invite-form").addEventListener("submit", sendInvite);
  $("reminders-form").addEventListener("submit", runReminders);
  $("registrations-form").addEventListener("submit", (e) => {
    e.preventDefault();
    void loadRegistrations();
  });
  $("toggle-key").addEventListener("click", () => {
    const key = $("api-key");
    const show = key.type === "password";
    key.type = show ? "text" : "password";
    $("toggle-key").textContent = show ? "Hide" : "Show";
    $("toggle-key").setAttribute("aria-pressed", String(show));
  });
  $("toggle-invite").addEventListener("click", () => setInviteOpen($("app").classList.contains("invite-closed")));
  $("close-invite").addEventListener("click", () => setInviteOpen(false));
  // On a narrow window the form is a drawer over the chat: start with it closed.
  setInviteOpen(!window.matchMedia("(max-width: 1100px)").matches);
}

wire();
connect();
