// The club's board (BOARD.md): plain JavaScript, no framework, no build step. It talks to
// board/api/ (relative, so it holds under API Gateway's stage prefix) with the session cookie;
// every change is a same-origin fetch with a JSON or CSV body, as the CSRF rule asks.
"use strict";

(() => {
  const refreshEveryMs = 30_000;
  const statusNames = {
    invited: "Invited",
    in_progress: "In progress",
    submitted: "Submitted",
    needs_club: "Needs the club",
    declined: "Declined",
    opted_out: "Opted out",
    lapsed: "Lapsed",
  };
  const glanceStatuses = ["invited", "in_progress", "submitted", "needs_club", "declined", "opted_out"];
  const waitingStatuses = ["invited", "in_progress"];
  // The payment's statuses (PAYMENTS.md) in words; a row without fee_status is in a stack without payments, or not submitted.
  const feeWords = {
    unpaid: "fee not paid",
    link_sent: "payment link sent",
    pending: "fee on its way",
    paid: "fee paid",
    failed: "fee failed",
  };
  const mandateWords = {
    none: "not set up",
    pending: "being set up",
    active: "active",
    failed: "failed",
    cancelled: "cancelled",
    expired: "expired",
  };
  const subscriptionWords = { none: "not started", active: "active", cancelled: "cancelled", finished: "finished" };
  const failedDelivery = ["failed", "undelivered"];
  // What to do about an invite that did not arrive, by Twilio's error code (the API says what it means).
  const checkNumber = "Check the number with the family, then invite the number they use WhatsApp on.";
  const deliveryActions = {
    63016: "Ask the family to send the club's WhatsApp number a message, then resend.",
    63003: checkNumber,
    63024: checkNumber,
    21211: checkNumber,
    30005: checkNumber,
    30006: checkNumber,
    63018: "Resend it in a few minutes.",
    30003: "Resend it later.",
    21610: "The parent asked for no more messages: contact the family another way.",
    63013: "Tell the club's tech volunteer.",
    63112: "Tell the club's tech volunteer.",
  };
  const auditActions = {
    sign_in: "Signed in",
    sign_out: "Signed out",
    invite: "Invited",
    resend: "Resent an invite",
    erase: "Erased a registration",
    export: "Exported the registrations",
    person_added: "Added a team manager",
    person_removed: "Removed a team manager",
  };
  const sheetStatuses = {
    would_send: "Ready to send",
    sent: "Sent",
    already_invited: "Already invited: not sent again",
    repeated: "Repeats an earlier row: not sent twice",
    invalid: "Not sent: fix this row in the sheet",
    opted_out: "Not sent: the parent sent STOP",
    failed: "Not sent",
    not_sent: "Not sent yet: send the same sheet again",
  };
  const answerLabels = [
    ["player_legal_name", "Legal name"],
    ["date_of_birth", "Date of birth"],
    ["playing_up", "Playing up"],
    ["medical_notes", "Medical conditions, allergies, medication"],
    ["emergency_contact_name", "Emergency contact"],
    ["emergency_contact_tel", "Emergency contact's number"],
    ["photo_consent", "Photos and videos"],
    ["code_of_conduct_agreed", "Code of conduct and privacy notice"],
  ];

  const $ = (id) => document.getElementById(id);
  const state = { me: undefined, registrations: [], loadedAt: undefined, people: [], sheetBytes: undefined, rowMessages: {} };
  const dateTime = new Intl.DateTimeFormat("en-GB", {
    day: "numeric",
    month: "short",
    hour: "2-digit",
    minute: "2-digit",
    timeZone: "Europe/London",
  });
  const clock = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", timeZone: "Europe/London" });

  /** An element with attributes and children (strings become text: no data is ever parsed as HTML). */
  function h(tag, attributes, ...children) {
    const element = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes ?? {})) {
      if (value === undefined || value === false) continue;
      if (name === "class") element.className = value;
      else if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
      else element.setAttribute(name, value === true ? "" : value);
    }
    for (const child of children.flat()) if (child !== undefined && child !== null && child !== false) element.append(child);
    return element;
  }

  const when = (iso) => (iso ? dateTime.format(new Date(iso)) : "");
  /** +447700900123 as a UK caller dials it: 07700 900123. */
  const phone = (tel) => (typeof tel === "string" && /^\+44\d{10}$/.test(tel) ? `0${tel.slice(3, 7)} ${tel.slice(7)}` : (tel ?? ""));
  const yesNo = (value) => (value === true || value === "yes" ? "Yes" : value === false || value === "no" ? "No" : "");
  const fullName = (first, last) => [first, last].filter(Boolean).join(" ");
  /** The export's messages_for_club, one `<ISO time> <text>` a line, with the times as people read them. */
  const messagesText = (text) =>
    text
      .split("\n")
      .map((line) => line.replace(/^(\d{4}-\d{2}-\d{2}T[\d:.]+Z) /, (_, iso) => `${when(iso)}: `))
      .join("\n");
  const playerName = (row) => row.player_legal_name || fullName(row.player_first_name, row.player_last_name) || "A player";

  /** `u11s`, `Under 11s`, `U-11` are all U11: the board groups a team however it was typed. */
  function ageGroup(text) {
    const match = /^\s*(?:u|under)[\s-]*(\d{1,2})s?\b\s*(.*)$/i.exec(text ?? "");
    return match ? `U${Number(match[1])}${match[2] ? ` ${match[2].toLowerCase()}` : ""}` : (text ?? "").trim();
  }
  const teamOf = (row) => `${(row.team_name ?? "").trim()} ${ageGroup(row.age_group)}`.trim();
  const teamKey = (label) => label.toLocaleLowerCase("en-GB").replace(/\s+/g, " ");

  // ---- Talking to the API ----

  /** The answer to a request, or `{ status: 0 }` when it never arrived. Never throws. */
  async function api(method, path, { json, bytes, contentType } = {}) {
    const init = { method, headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" };
    if (json !== undefined) {
      init.body = JSON.stringify(json);
      init.headers["Content-Type"] = "application/json";
    } else if (bytes !== undefined) {
      init.body = bytes;
      init.headers["Content-Type"] = contentType;
    }
    let response;
    try {
      response = await fetch(`board/api/${path}`, init);
    } catch {
      return { status: 0, data: {} };
    }
    let data = {};
    try {
      const text = await response.text();
      data = text ? JSON.parse(text) : {};
    } catch {
      data = {};
    }
    if (response.status === 401 && path !== "sign-in/check" && state.me) sessionEnded();
    return { status: response.status, data, retryAfter: response.headers.get("Retry-After") };
  }

  /** What went wrong with `doing`, and what to do about it, in words for a volunteer. */
  function failure(answer, doing) {
    const { status, data, retryAfter } = answer;
    const said = typeof data.message === "string" ? ` ${data.message.replace(/\.?$/, ".")}` : "";
    const quote = data.request_id ? ` If it keeps happening, tell the club's tech volunteer and quote ${data.request_id}.` : "";
    if (status === 0)
      return `Could not ${doing}: the board did not answer. Check your connection and try again; nothing you typed is lost.`;
    if (status === 401) return "Your session has ended. Sign in again: what you typed is kept.";
    if (status === 403) return `Could not ${doing}: you are not allowed to.${said} Ask the club's secretary if you should be.`;
    if (status === 404)
      return `Could not ${doing}: it is not there any more (erased, or not one of your teams). Reload the page to see the latest.`;
    if (status === 429) {
      const wait = Number(retryAfter ?? data.retry_after_seconds);
      return `Could not ${doing}: too many tries.${said} Try again ${wait > 0 ? `after ${clock.format(new Date(Date.now() + wait * 1000))}` : "in a few minutes"}.`;
    }
    if (status >= 500) return `Could not ${doing}: something went wrong at the club's end.${said} Try again in a minute.${quote}`;
    return `Could not ${doing}.${said || " Check what you typed and try again."}${quote}`;
  }

  /** A message in `element`: `problem` marks a failure (its live region says it either way). */
  function say(element, text, problem = false) {
    element.textContent = text;
    element.classList.toggle("problem", problem);
  }

  // ---- Signing in and out ----

  let signInTel = "";

  function showSignIn(message, problem = false) {
    $("account").hidden = true;
    $("views").hidden = true;
    for (const view of document.querySelectorAll(".view")) view.hidden = view.id !== "sign-in";
    say($("sign-in-message"), message ?? "", problem);
  }

  /** Any request answered 401: the person's data leaves the page, what they typed stays. */
  function sessionEnded() {
    state.me = undefined;
    clearData();
    $("check-code-form").hidden = true;
    $("send-code-form").hidden = false;
    showSignIn("Your session has ended. Sign in again: what you typed on the board is kept.", true);
  }

  function clearData() {
    state.registrations = [];
    state.people = [];
    state.rowMessages = {};
    for (const id of ["attention", "players", "people-list", "team-summary", "team-message", "who"]) $(id).replaceChildren();
    for (const id of ["glance", "audit-entries", "sheet-rows"]) $(id).tBodies[0].replaceChildren();
    $("sheet-preview").hidden = true;
  }

  $("send-code-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const tel = $("tel").value.trim();
    if (!tel) {
      $("tel").setAttribute("aria-invalid", "true");
      say($("sign-in-message"), "Type your WhatsApp number, such as 07700 900123, then choose Send code.", true);
      $("tel").focus();
      return;
    }
    $("tel").removeAttribute("aria-invalid");
    say($("sign-in-message"), "Sending…");
    const answer = await api("POST", "sign-in", { json: { tel } });
    if (answer.status !== 202) {
      say($("sign-in-message"), failure(answer, "send a code"), true);
      return;
    }
    signInTel = tel;
    $("send-code-form").hidden = true;
    $("check-code-form").hidden = false;
    say($("sign-in-message"), `If ${tel} may sign in, a code is on its way to its WhatsApp. Type it below.`);
    $("code").focus();
  });

  $("check-code-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const code = $("code").value.replace(/\s+/g, "");
    if (!code) {
      $("code").setAttribute("aria-invalid", "true");
      say($("sign-in-message"), "Type the code from the WhatsApp message, then choose Sign in.", true);
      $("code").focus();
      return;
    }
    say($("sign-in-message"), "Checking…");
    const answer = await api("POST", "sign-in/check", { json: { tel: signInTel, code } });
    if (answer.status === 401) {
      $("code").setAttribute("aria-invalid", "true");
      say(
        $("sign-in-message"),
        "That code did not work. Check the latest code on WhatsApp and type it again, or use another number.",
        true,
      );
      $("code").focus();
      return;
    }
    if (answer.status !== 200) {
      say($("sign-in-message"), failure(answer, "sign you in"), true);
      return;
    }
    $("code").value = "";
    $("code").removeAttribute("aria-invalid");
    await start(true);
  });

  $("change-number").addEventListener("click", () => {
    $("check-code-form").hidden = true;
    $("send-code-form").hidden = false;
    say($("sign-in-message"), "");
    $("tel").focus();
  });

  $("sign-out").addEventListener("click", async () => {
    const answer = await api("POST", "sign-out", { json: {} });
    if (answer.status !== 204 && answer.status !== 401) {
      say($("refresh-message"), failure(answer, "sign you out"), true);
      return;
    }
    state.me = undefined;
    clearData();
    // Nothing of this person's stays in the page's forms either.
    for (const form of document.querySelectorAll("#invite-form, #person-form, #sheet-form")) form.reset();
    $("check-code-form").hidden = true;
    $("send-code-form").hidden = false;
    $("tel").value = "";
    say($("refresh-message"), "");
    showSignIn("You are signed out.");
    $("sign-in-title").focus();
  });

  // ---- Views ----

  const isSecretary = () => state.me?.role === "secretary";

  /** `#team/Lions%20U11/4f1c…` → { view: "team", team: "Lions U11", registration: "4f1c…" } */
  function route() {
    const [view, team, registration] = location.hash.slice(1).split("/").map(decodeURIComponent);
    const known = ["overview", "team", "invite", ...(isSecretary() ? ["people", "audit"] : [])];
    return { view: known.includes(view) ? view : "overview", team, registration };
  }

  function showView(moveFocus) {
    const { view } = route();
    for (const section of document.querySelectorAll(".view")) section.hidden = section.id !== view;
    for (const link of document.querySelectorAll("#views a[href^='#']")) {
      if (link.getAttribute("href") === `#${view}`) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
    render();
    if (view === "people") void loadPeople();
    if (view === "audit") void loadAudit();
    if (moveFocus) focusView(view);
  }

  function focusView(view) {
    const { registration } = route();
    const row = registration && document.getElementById(`summary-${registration}`);
    if (row) {
      row.parentElement.open = true;
      row.focus();
    } else $(`${view}-title`)?.focus();
  }

  window.addEventListener("hashchange", () => state.me && showView(true));

  /** Signed in (or maybe): who this is, then the board. */
  async function start(justSignedIn) {
    const answer = await api("GET", "me");
    $("loading").hidden = true;
    if (answer.status === 401) return showSignIn();
    if (answer.status !== 200) {
      showSignIn(failure(answer, "open the board"), true);
      return;
    }
    state.me = answer.data;
    $("who").textContent = `${state.me.name}, ${state.me.role === "secretary" ? "secretary" : "team manager"}`;
    $("account").hidden = false;
    $("views").hidden = false;
    for (const item of document.querySelectorAll("[data-secretary]")) item.hidden = !isSecretary();
    prefillInvite();
    await loadRegistrations();
    showView(justSignedIn);
  }

  /** A team manager's invites are for their own team and name them: filled in, still editable. */
  function prefillInvite() {
    const teams = scopeTeams();
    const fill = (id, value) => {
      if (value && !$(id).value) $(id).value = value;
    };
    if (!isSecretary()) {
      fill("team_manager_1_full_name", state.me.name);
      fill("team_manager_1_tel", phone(state.me.tel));
      if (teams.length === 1) {
        const [name, age] = splitTeam(teams[0]);
        fill("team_name", name);
        fill("age_group", age);
      }
    }
  }

  /** The person's teams as labels: `Lions U11`; every team seen for a secretary. */
  function scopeTeams() {
    const seen = new Map();
    const add = (label) => label && !seen.has(teamKey(label)) && seen.set(teamKey(label), label);
    const teams = state.me?.teams;
    if (Array.isArray(teams)) {
      for (const team of teams) add(typeof team === "string" ? teamOf(splitTeamObject(team)) : teamOf(team));
    }
    for (const row of state.registrations) if (row.status !== "erased") add(teamOf(row));
    return [...seen.values()].sort((a, b) => a.localeCompare(b, "en-GB", { numeric: true }));
  }

  /** `Lions u11s` → { team_name: "Lions", age_group: "u11s" }: the age group starts at its first word. */
  function splitTeamObject(text) {
    const words = text.trim().split(/\s+/);
    const at = words.findIndex((word, index) => index > 0 && /^(?:u-?\d|under$)/i.test(word));
    return at > 0 ? { team_name: words.slice(0, at).join(" "), age_group: words.slice(at).join(" ") } : { team_name: text, age_group: "" };
  }
  const splitTeam = (label) => {
    const team = splitTeamObject(label);
    return [team.team_name, team.age_group];
  };

  // ---- Loading and refreshing ----

  async function loadRegistrations() {
    const answer = await api("GET", "registrations");
    if (answer.status !== 200) {
      if (answer.status !== 401) {
        const since = state.loadedAt ? ` Showing what was there at ${clock.format(state.loadedAt)};` : "";
        say($("refresh-message"), `${failure(answer, "refresh the registrations")}${since} the board tries again in 30 seconds.`, true);
      }
      return false;
    }
    state.registrations = answer.data.registrations ?? [];
    state.loadedAt = new Date();
    const partial = answer.data.complete === false;
    say($("refresh-message"), partial ? "The season is too big to show in full here: export the CSV for every registration." : "", partial);
    return true;
  }

  async function refresh() {
    if (!state.me) return;
    if (await loadRegistrations()) render();
    const { view } = route();
    if (view === "people") await loadPeople();
    if (view === "audit") await loadAudit();
  }

  setInterval(() => {
    if (!document.hidden) void refresh();
  }, refreshEveryMs);
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) void refresh();
  });

  /**
   * Re-renders the data without disturbing the person: forms are never re-rendered, open rows
   * stay open, and the focused control (by its id) has focus again after.
   */
  function render() {
    const focused = document.activeElement?.id;
    const open = new Set([...document.querySelectorAll("#players details[open]")].map((details) => details.dataset.id));
    renderGlance();
    renderAttention();
    renderTeam(open);
    renderInviteChoices();
    if (focused && document.activeElement?.id !== focused) document.getElementById(focused)?.focus();
  }

  // ---- The season at a glance and Needs attention ----

  function renderGlance() {
    const counts = new Map();
    for (const row of state.registrations) {
      if (row.status === "erased") continue;
      const label = teamOf(row);
      const team = counts.get(teamKey(label)) ?? { label, undelivered: 0, paid: 0 };
      team[row.status] = (team[row.status] ?? 0) + 1;
      if (failedDelivery.includes(row.invite_status)) team.undelivered += 1;
      if (row.fee_status === "paid") team.paid += 1;
      counts.set(teamKey(label), team);
    }
    const teams = [...counts.values()].sort((a, b) => a.label.localeCompare(b.label, "en-GB", { numeric: true }));
    // The paid column once payments exist: a stack without them has no fee to count.
    const payments = state.registrations.some((row) => row.fee_status);
    $("glance-paid").hidden = !payments;
    const body = $("glance").tBodies[0];
    if (teams.length === 0) {
      body.replaceChildren(h("tr", {}, h("td", { colspan: payments ? "9" : "8" }, "No registrations yet: invite players from Invite.")));
      return;
    }
    body.replaceChildren(
      ...teams.map((team) =>
        h(
          "tr",
          {},
          h("th", { scope: "row" }, h("a", { href: `#team/${encodeURIComponent(team.label)}` }, team.label)),
          ...glanceStatuses.map((status) => h("td", { class: "count" }, String(team[status] ?? 0))),
          h("td", { class: "count" }, String(team.undelivered)),
          payments ? h("td", { class: "count" }, String(team.paid)) : undefined,
        ),
      ),
    );
  }

  /** Why a registration was handed to the club, from what it holds. */
  function handOverReason(row) {
    if (row.needs_club_reason) return row.needs_club_reason;
    if (row.code_of_conduct_agreed === false || row.code_of_conduct_agreed === "no")
      return "The parent did not agree to the code of conduct.";
    if (row.date_of_birth) return `The date of birth (${row.date_of_birth}) does not fit the age group ${ageGroup(row.age_group)}.`;
    return "The assistant could not use the parent's answers.";
  }

  function deliveryProblem(row) {
    const meaning =
      row.invite_error_meaning ?? (row.invite_error_code ? `Twilio's error ${row.invite_error_code}` : "WhatsApp did not say why");
    return `The invite was not delivered: ${meaning}. ${deliveryActions[row.invite_error_code] ?? "Check the number with the family, then resend."}`;
  }

  function attentionItem(row, ...details) {
    const label = teamOf(row);
    return h(
      "li",
      {},
      h(
        "p",
        {},
        h("a", { href: `#team/${encodeURIComponent(label)}/${encodeURIComponent(row.registration_id)}` }, playerName(row)),
        ` (${label})`,
      ),
      ...details,
    );
  }

  function renderAttention() {
    const rows = state.registrations;
    const groups = [
      [
        "Handed to the club",
        rows.filter((row) => row.status === "needs_club"),
        (row) => [
          h("p", {}, handOverReason(row)),
          row.messages_for_club ? h("p", { class: "quote" }, `The parent wrote since:\n${messagesText(row.messages_for_club)}`) : undefined,
          h("p", {}, `Contact ${fullName(row.parent_first_name, row.parent_last_name) || "the parent"} on ${phone(row.parent_tel)}.`),
        ],
      ],
      [
        "Invites not delivered",
        rows.filter((row) => row.status !== "erased" && failedDelivery.includes(row.invite_status)),
        (row) => [h("p", {}, deliveryProblem(row))],
      ],
      [
        "Payments that failed",
        rows.filter((row) => row.status !== "erased" && row.payment_problem),
        (row) => [
          h("p", {}, row.payment_problem),
          h("p", {}, `Contact ${fullName(row.parent_first_name, row.parent_last_name) || "the parent"} on ${phone(row.parent_tel)}.`),
        ],
      ],
      [
        "Quiet after reminders",
        rows.filter(
          (row) =>
            waitingStatuses.includes(row.status) &&
            Number(row.reminders_sent) > 0 &&
            !(row.updated_at && row.last_reminder_at && row.updated_at > row.last_reminder_at),
        ),
        (row) => [
          h(
            "p",
            {},
            `No reply since ${row.reminders_sent} reminder${Number(row.reminders_sent) === 1 ? "" : "s"} (the last ${when(row.last_reminder_at)}). Call ${fullName(row.parent_first_name, row.parent_last_name) || "the parent"} on ${phone(row.parent_tel)}.`,
          ),
        ],
      ],
      ["Declined", rows.filter((row) => row.status === "declined"), () => [h("p", {}, "The parent said the player is not joining.")]],
    ];
    const shown = groups.filter(([, matching]) => matching.length > 0);
    $("attention").replaceChildren(
      ...(shown.length === 0
        ? [h("p", {}, "Nothing needs attention right now.")]
        : shown.flatMap(([title, matching, describe]) => [
            h("h3", {}, `${title} (${matching.length})`),
            h("ul", { class: "attention-list" }, ...matching.map((row) => attentionItem(row, ...describe(row)))),
          ])),
    );
  }

  // ---- A team's players ----

  function ticks(row) {
    const status = row.invite_status;
    const marks = { queued: "🕓", sending: "🕓", sent: "✓", delivered: "✓✓", read: "✓✓", failed: "✗", undelivered: "✗" };
    const words = {
      queued: "invite waiting to go",
      sending: "invite waiting to go",
      sent: "invite sent",
      delivered: "invite delivered",
      read: "invite read",
      failed: "invite not sent",
      undelivered: "invite not delivered",
    };
    if (!status) return undefined;
    return h(
      "span",
      { class: `ticks ${status}` },
      h("span", { "aria-hidden": "true" }, marks[status] ?? ""),
      ` ${words[status] ?? status}`,
    );
  }

  /** The fee, the Direct Debit and the monthly payments, for a row with a payment. */
  function paymentText(row) {
    const fee = feeWords[row.fee_status] ?? row.fee_status;
    const paidAt = row.fee_status === "paid" && row.fee_paid_at ? ` ${when(row.fee_paid_at)}` : "";
    return [
      `Signing-on ${fee}${paidAt}.`,
      `Direct Debit ${mandateWords[row.mandate_status] ?? row.mandate_status ?? "not set up"}.`,
      `Monthly payments ${subscriptionWords[row.subscription_status] ?? row.subscription_status ?? "not started"}.`,
    ].join(" ");
  }

  function playerRow(row, open) {
    const id = row.registration_id;
    const facts = [
      ticks(row),
      row.fee_status ? h("span", { class: `fee ${row.fee_status}` }, feeWords[row.fee_status] ?? row.fee_status) : undefined,
      Number(row.reminders_sent) > 0 ? `${row.reminders_sent} reminder${Number(row.reminders_sent) === 1 ? "" : "s"}` : undefined,
      row.last_activity_at || row.updated_at ? `last activity ${when(row.last_activity_at ?? row.updated_at)}` : undefined,
      row.playing_up === true || row.playing_up === "yes" ? "playing up" : undefined,
    ].filter(Boolean);
    const summary = h(
      "summary",
      { id: `summary-${id}` },
      h("span", { class: "player-name" }, playerName(row)),
      h("span", { class: `status ${row.status}` }, statusNames[row.status] ?? row.status),
      h(
        "span",
        { class: "facts" },
        facts.flatMap((fact, index) => (index === 0 ? [fact] : [" · ", fact])),
      ),
    );
    const shown = (key, value) =>
      typeof value === "boolean" || key === "playing_up" || key.endsWith("_consent") || key.endsWith("_agreed")
        ? yesNo(value)
        : key.endsWith("_tel")
          ? phone(value)
          : String(value);
    const answers = h(
      "dl",
      { class: "answers" },
      [
        ["Parent", `${fullName(row.parent_first_name, row.parent_last_name)}, ${phone(row.parent_tel)}`],
        ...answerLabels.filter(([key]) => row[key] !== undefined && row[key] !== "").map(([key, label]) => [label, shown(key, row[key])]),
        ["Invited", when(row.invited_at)],
        row.submitted_at ? ["Submitted", when(row.submitted_at)] : undefined,
        row.fee_status ? ["Payment", paymentText(row)] : undefined,
        row.payment_problem ? ["Payment problem", row.payment_problem] : undefined,
        failedDelivery.includes(row.invite_status) ? ["Invite", deliveryProblem(row)] : undefined,
        row.messages_for_club ? ["Messages for the club", messagesText(row.messages_for_club)] : undefined,
      ]
        .filter(Boolean)
        .flatMap(([label, value]) => [
          h("dt", {}, label),
          h("dd", { class: label === "Messages for the club" ? "quote" : undefined }, value),
        ]),
    );
    // The API refuses a resend of a submitted or opted-out registration: no button to be refused.
    const canResend = !["submitted", "opted_out"].includes(row.status);
    const actions = h(
      "div",
      { class: "actions" },
      canResend ? h("button", { type: "button", id: `resend-${id}`, onclick: () => resend(row) }, "Resend invite") : undefined,
      isSecretary()
        ? h("button", { type: "button", id: `erase-${id}`, class: "danger", onclick: () => confirmErase(row) }, `Erase ${playerName(row)}…`)
        : undefined,
    );
    const message = state.rowMessages[id];
    return h(
      "li",
      {},
      h(
        "details",
        { "data-id": id, open: open.has(id) },
        summary,
        h(
          "div",
          { class: "player-body" },
          answers,
          actions,
          h("p", { id: `message-${id}`, class: `message${message?.problem ? " problem" : ""}`, role: "status" }, message?.text ?? ""),
        ),
      ),
    );
  }

  function renderTeam(open) {
    const teams = scopeTeams();
    const choice = $("team-choice");
    const wanted = route().team || choice.value;
    const selected = teams.find((team) => teamKey(team) === teamKey(wanted)) ?? teams[0];
    choice.replaceChildren(...teams.map((team) => h("option", { value: team, selected: team === selected }, team)));
    if (!selected) {
      $("team-summary").textContent = "No teams yet: invite players from Invite.";
      $("players").replaceChildren();
      return;
    }
    const rows = state.registrations
      .filter((row) => row.status !== "erased" && teamKey(teamOf(row)) === teamKey(selected))
      .sort((a, b) => playerName(a).localeCompare(playerName(b), "en-GB"));
    $("team-title").textContent = `Players: ${selected}`;
    $("team-summary").textContent = `${rows.length} player${rows.length === 1 ? "" : "s"}. Open a player for their answers.`;
    $("players").replaceChildren(...rows.map((row) => playerRow(row, open)));
  }

  $("team-choice").addEventListener("change", () => {
    location.hash = `#team/${encodeURIComponent($("team-choice").value)}`;
  });

  function rowMessage(row, text, problem = false) {
    state.rowMessages[row.registration_id] = { text, problem };
    const element = $(`message-${row.registration_id}`);
    if (element) say(element, text, problem);
  }

  async function resend(row) {
    rowMessage(row, "Resending…");
    const answer = await api("POST", `registrations/${encodeURIComponent(row.registration_id)}/resend`, { json: {} });
    if (answer.status === 200) rowMessage(row, `Invite sent again to ${row.parent_first_name || "the parent"} on WhatsApp.`);
    else if (answer.data.error === "registration_closed")
      rowMessage(row, "Not sent: this registration is submitted or the parent opted out.", true);
    else if (answer.data.error === "parent_opted_out")
      rowMessage(row, "Not sent: the parent sent STOP. Contact the family another way.", true);
    else rowMessage(row, failure(answer, "resend the invite"), true);
    if (await loadRegistrations()) render();
  }

  let erasing;
  function confirmErase(row) {
    erasing = row;
    $("erase-title").textContent = `Erase ${playerName(row)}'s registration?`;
    $("erase-what").textContent =
      `${playerName(row)} (${teamOf(row)}): their answers, names and phone numbers are deleted for good. Only the fact and the date of erasure are kept.`;
    $("erase-confirm").textContent = `Erase ${playerName(row)}`;
    $("erase-dialog").showModal();
  }

  $("erase-dialog").addEventListener("close", async () => {
    const row = erasing;
    erasing = undefined;
    if (!row) return;
    const returnTo = $(`summary-${row.registration_id}`);
    if ($("erase-dialog").returnValue !== "erase") {
      returnTo?.focus();
      return;
    }
    rowMessage(row, "Erasing…");
    const answer = await api("DELETE", `registrations/${encodeURIComponent(row.registration_id)}`, { json: {} });
    if (answer.status === 200) {
      delete state.rowMessages[row.registration_id];
      say($("team-message"), `${playerName(row)}'s registration is erased.`);
    } else rowMessage(row, failure(answer, "erase the registration"), true);
    if (await loadRegistrations()) render();
    ($(`summary-${row.registration_id}`) ?? $("team-title")).focus();
  });

  // ---- Invite one player ----

  function renderInviteChoices() {
    const teams = scopeTeams().map(splitTeam);
    $("team-names").replaceChildren(...[...new Set(teams.map(([name]) => name))].map((name) => h("option", { value: name })));
    $("age-groups").replaceChildren(...[...new Set(teams.map(([, age]) => age))].map((age) => h("option", { value: age })));
  }

  /** Marks each field the API named; the first gets focus. */
  function markProblems(form, problems) {
    for (const old of form.querySelectorAll(".field-problem")) old.remove();
    for (const input of form.querySelectorAll("[aria-invalid]")) {
      input.removeAttribute("aria-invalid");
      input.setAttribute("aria-describedby", (input.getAttribute("aria-describedby") ?? "").replace(/\s*\S+-problem/g, "").trim());
      if (!input.getAttribute("aria-describedby")) input.removeAttribute("aria-describedby");
    }
    let first;
    for (const problem of problems ?? []) {
      const input = form.elements.namedItem(problem.field);
      if (!(input instanceof HTMLElement)) continue;
      const id = `${input.id}-problem`;
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", `${input.getAttribute("aria-describedby") ?? ""} ${id}`.trim());
      input.after(
        h(
          "p",
          { class: "field-problem", id },
          `${form.querySelector(`label[for="${input.id}"]`)?.textContent ?? problem.field} ${problem.message}`,
        ),
      );
      first ??= input;
    }
    return first;
  }

  // A repeat of an invite sends nothing (the trigger's duplicate check), so a retry after a lost answer is safe.
  const inviteForm = $("invite-form");

  inviteForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const invite = {};
    for (const [name, value] of new FormData(inviteForm)) if (String(value).trim()) invite[name] = String(value).trim();
    const missing = [...inviteForm.querySelectorAll("[required]")]
      .filter((input) => !input.value.trim())
      .map((input) => ({ field: input.name, message: "is needed" }));
    if (missing.length > 0) {
      say($("invite-message"), "Some details are missing: fill in the fields marked below, then send again.", true);
      markProblems(inviteForm, missing)?.focus();
      return;
    }
    say($("invite-message"), "Sending…");
    const answer = await api("POST", "invites", { json: invite });
    const first = markProblems(inviteForm, answer.status === 400 ? answer.data.problems : []);
    if (answer.status === 200) {
      const player = fullName(invite.player_first_name, invite.player_last_name);
      say(
        $("invite-message"),
        answer.data.duplicate
          ? `${player} was invited before (${when(answer.data.sent_at)}): nothing sent now. To send it again, open ${player} under Players and choose Resend invite.`
          : `Invite sent on WhatsApp to ${invite.parent_first_name} to register ${player}.`,
      );
      // The team and its manager stay for the next player of the squad.
      for (const name of ["player_first_name", "player_last_name", "parent_first_name", "parent_last_name", "parent_tel"])
        inviteForm.elements.namedItem(name).value = "";
      if (await loadRegistrations()) render();
    } else if (answer.status === 400 && answer.data.problems) {
      say($("invite-message"), "The invite was not sent: fix the fields marked below, then send again.", true);
      first?.focus();
    } else if (answer.data.error === "parent_opted_out") {
      say($("invite-message"), "Not sent: this parent sent STOP to the club's WhatsApp number. Contact the family another way.", true);
    } else {
      say($("invite-message"), failure(answer, "send the invite"), true);
    }
  });

  // ---- A squad sheet ----

  function renderSheet({ rows = [], read_as: readAs }, sent) {
    const counts = {};
    for (const row of rows) counts[row.status] = (counts[row.status] ?? 0) + 1;
    $("sheet-summary").textContent =
      (readAs ? `Read as ${readAs}. ` : "") +
      `${rows.length} row${rows.length === 1 ? "" : "s"}: ` +
      Object.entries(counts)
        .map(([status, count]) => `${count} ${(sheetStatuses[status] ?? status).split(":")[0].toLowerCase()}`)
        .join(", ") +
      ".";
    $("sheet-rows").tBodies[0].replaceChildren(
      ...rows.map((row) =>
        h(
          "tr",
          {},
          h("td", { class: "count" }, String(row.row ?? "")),
          h("td", {}, row.player ?? "", row.team ? h("span", { class: "aside" }, row.team) : undefined),
          h(
            "td",
            {},
            h("strong", {}, sheetStatuses[row.status] ?? row.status),
            ...[...(row.problems ?? []), row.message].filter(Boolean).map((problem) => h("span", { class: "problem-line" }, problem)),
          ),
        ),
      ),
    );
    $("sheet-preview-title").textContent = sent ? "What the sheet sent" : "What the sheet would send";
    $("sheet-send").hidden = sent || !counts.would_send;
    $("sheet-send").textContent = counts.would_send ? `Send invites (${counts.would_send})` : "Send invites";
    $("sheet-preview").hidden = false;
  }

  function sheetFailure(answer, doing) {
    const { message, problems = [], hint } = answer.data;
    const said = [message, ...problems].filter(Boolean).join("; ") || "it is not a CSV file";
    return answer.status === 400 || answer.status === 413
      ? `The sheet could not be read: ${said}. ${hint ?? "Fix it in the spreadsheet, save it as CSV and choose it again."}`
      : failure(answer, doing);
  }

  $("sheet-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = $("sheet-file").files?.[0];
    $("sheet-preview").hidden = true;
    if (!file) {
      say($("sheet-message"), "Choose the squad's CSV file first, then Check the sheet.", true);
      $("sheet-file").focus();
      return;
    }
    say($("sheet-message"), `Checking ${file.name}…`);
    state.sheetBytes = await file.arrayBuffer();
    const answer = await api("POST", "invites/sheet?dry_run=true", { bytes: state.sheetBytes, contentType: "text/csv" });
    if (answer.status !== 200) {
      say($("sheet-message"), sheetFailure(answer, "check the sheet"), true);
      return;
    }
    say($("sheet-message"), `${file.name} checked: nothing is sent until you choose Send invites.`);
    renderSheet(answer.data, false);
    $("sheet-preview-title").setAttribute("tabindex", "-1");
    $("sheet-preview-title").focus();
  });

  $("sheet-send").addEventListener("click", async () => {
    if (!state.sheetBytes) return;
    say($("sheet-message"), "Sending the invites…");
    const answer = await api("POST", "invites/sheet", { bytes: state.sheetBytes, contentType: "text/csv" });
    if (answer.status !== 200) {
      say($("sheet-message"), sheetFailure(answer, "send the invites"), true);
      return;
    }
    const sent = (answer.data.rows ?? []).filter((row) => row.status === "sent").length;
    say($("sheet-message"), `${sent} invite${sent === 1 ? "" : "s"} sent. Rows not sent say why below.`);
    state.sheetBytes = undefined;
    renderSheet(answer.data, true);
    $("sheet-preview-title").focus();
    if (await loadRegistrations()) render();
  });

  // ---- People ----

  async function loadPeople() {
    const answer = await api("GET", "people");
    if (answer.status !== 200) {
      if (answer.status !== 401) say($("person-message"), failure(answer, "load the people"), true);
      return;
    }
    state.people = Array.isArray(answer.data) ? answer.data : (answer.data.people ?? []);
    const teamText = (teams) =>
      Array.isArray(teams) ? teams.map((team) => (typeof team === "string" ? team : teamOf(team))).join(", ") : "";
    $("people-list").replaceChildren(
      ...(state.people.length === 0
        ? [h("li", {}, "No team managers yet: add one below.")]
        : state.people.map((person) =>
            h(
              "li",
              {},
              h("p", {}, h("strong", {}, person.name), `, ${phone(person.tel)}`),
              h("p", {}, `Teams: ${teamText(person.teams)}`),
              h(
                "button",
                { type: "button", class: "secondary", id: `remove-${person.tel}`, onclick: () => removePerson(person) },
                `Remove ${person.name}`,
              ),
            ),
          )),
    );
  }

  async function removePerson(person) {
    const answer = await api("DELETE", "people", { json: { tel: person.tel } });
    say(
      $("person-message"),
      answer.status === 200 || answer.status === 204
        ? `${person.name} is removed and can no longer sign in. Add them again below if that was a mistake.`
        : failure(answer, `remove ${person.name}`),
      !(answer.status === 200 || answer.status === 204),
    );
    await loadPeople();
    $("people-title").focus();
  }

  $("person-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = $("person-form");
    const person = {
      name: $("person-name").value.trim(),
      tel: $("person-tel").value.trim(),
      teams: $("person-teams")
        .value.split(/[\n,;]+/)
        .map((team) => team.trim())
        .filter(Boolean),
    };
    const missing = [
      !person.name && { field: "name", message: "is needed" },
      !person.tel && { field: "tel", message: "is needed" },
      person.teams.length === 0 && { field: "teams", message: "are needed: at least one team, such as Lions U11" },
    ].filter(Boolean);
    if (missing.length > 0) {
      say($("person-message"), "Some details are missing: fill in the fields marked below.", true);
      markProblems(form, missing)?.focus();
      return;
    }
    say($("person-message"), "Adding…");
    const answer = await api("POST", "people", { json: person });
    const first = markProblems(form, answer.status === 400 ? answer.data.problems : []);
    if (answer.status === 200 || answer.status === 201) {
      say($("person-message"), `${person.name} is added: they can sign in with a code on their WhatsApp.`);
      form.reset();
      await loadPeople();
    } else {
      say(
        $("person-message"),
        answer.status === 400 && first ? "Not added: fix the fields marked below." : failure(answer, `add ${person.name}`),
        true,
      );
      first?.focus();
    }
  });

  // ---- Audit ----

  async function loadAudit() {
    const answer = await api("GET", "audit");
    const body = $("audit-entries").tBodies[0];
    if (answer.status !== 200) {
      if (answer.status !== 401)
        body.replaceChildren(h("tr", {}, h("td", { colspan: "3", class: "problem" }, failure(answer, "load the audit log"))));
      return;
    }
    const entries = answer.data.entries ?? [];
    body.replaceChildren(
      ...(entries.length === 0
        ? [h("tr", {}, h("td", { colspan: "3" }, "Nothing yet."))]
        : entries.map((entry) =>
            h(
              "tr",
              {},
              h("td", {}, when(entry.at ?? entry.when)),
              h("td", {}, entry.name ?? entry.who ?? entry.person ?? ""),
              h(
                "td",
                {},
                auditActions[entry.action] ?? entry.action ?? "",
                h(
                  "span",
                  { class: "aside" },
                  [
                    entry.registration_id && `registration ${entry.registration_id}`,
                    entry.count !== undefined && `${entry.count} ${entry.action === "export" ? "registrations" : "invites"}`,
                    entry.subject,
                  ]
                    .filter(Boolean)
                    .join(", "),
                ),
              ),
            ),
          )),
    );
  }

  // A table wider than a phone scrolls in its box: the box takes focus, so a keyboard can scroll it too.
  for (const box of document.querySelectorAll(".table-box")) {
    box.tabIndex = 0;
    box.setAttribute("role", "region");
    box.setAttribute("aria-labelledby", box.closest("section, #sheet-preview").querySelector("h2, h3").id);
  }

  void start(false);
})();
