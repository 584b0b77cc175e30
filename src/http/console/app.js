// The customer console: sign in with email and password (the server sets an
// HTTP-only session cookie, which this script never sees), or with an API key
// (kept in this tab's session storage, sent as a Bearer header, never in a
// URL); then read the same REST and GraphQL endpoints a customer's scripts
// use, showing only the buttons the caller's role allows. Plain JS; charts by Chart.js.
(() => {
  const $ = (id) => document.getElementById(id);
  let apiKey = sessionStorage.getItem("apiKey");
  let permissions = [];
  /** The API key's header; a session's cookie goes by itself (same origin). */
  const authHeaders = () => (apiKey ? { authorization: `Bearer ${apiKey}` } : {});
  let currency = "usd";
  const charts = {};
  let watching = null;

  async function api(path) {
    return answer(await fetch(path, { headers: authHeaders() }));
  }

  async function send(method, path, body) {
    const res = await fetch(path, { method, headers: { ...authHeaders(), ...(body ? { "content-type": "application/json" } : {}) }, body: body ? JSON.stringify(body) : undefined });
    return answer(res);
  }

  async function answer(res) {
    const body = res.status === 204 ? null : await res.json();
    if (!res.ok) throw Object.assign(new Error(body?.error?.message ?? `HTTP ${res.status}`), { code: body?.error?.code, status: res.status });
    return body;
  }

  async function gql(query, variables) {
    const res = await fetch("/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", ...authHeaders() },
      body: JSON.stringify({ query, variables }),
    });
    const body = await res.json();
    if (body.errors?.length) throw new Error(body.errors[0].message);
    return body.data;
  }

  /** A GraphQL subscription over SSE (fetch carries the Authorization header; EventSource could not). */
  async function subscribe(query, variables, onData, signal) {
    const res = await fetch("/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream", ...authHeaders() },
      body: JSON.stringify({ query, variables }),
      signal,
    });
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const message = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = message.split("\n").filter((line) => line.startsWith("data:")).map((line) => line.slice(5)).join("");
        if (data) onData(JSON.parse(data));
      }
    }
  }

  const text = (value) => document.createTextNode(value === null || value === undefined ? "—" : String(value));
  function row(cells, attributes = {}) {
    const tr = document.createElement("tr");
    Object.assign(tr.dataset, attributes);
    for (const cell of cells) {
      const td = document.createElement("td");
      td.append(cell instanceof Node ? cell : text(cell));
      tr.append(td);
    }
    return tr;
  }
  function link(label, onClick) {
    const a = document.createElement("a");
    a.textContent = label;
    a.addEventListener("click", onClick);
    return a;
  }
  /** A link that DELETEs `path` and shows the page again; nothing for a caller without the permission. */
  function deleteLink(label, permission, path, reload) {
    if (!allowed(permission)) return "";
    return link(label, () => send("DELETE", path).then(reload).catch(showError));
  }
  const money = (minor) => new Intl.NumberFormat("en", { style: "currency", currency: currency.toUpperCase() }).format(minor / 100);
  const seconds = (value) => (value === null ? "—" : value < 120 ? `${value.toFixed(1)} s` : `${(value / 60).toFixed(1)} min`);
  const percent = (value) => (value === null ? "—" : `${(value * 100).toFixed(1)} %`);

  function chart(id, config) {
    charts[id]?.destroy();
    charts[id] = new Chart($(id), config);
  }

  function showError(error) {
    $("error").textContent = error ? error.message : "";
  }

  // ---- pages ----

  const PAGES = {
    async overview() {
      const o = await api("/v1/dashboard/overview");
      currency = o.currency;
      const cards = [
        ["Spend this month", money(o.spend_this_month), "spend"],
        ["Median turnaround", seconds(o.turnaround_seconds.median), "median"],
        ["p90 turnaround", seconds(o.turnaround_seconds.p90), "p90"],
        ["Submitted 24 h / 7 d", `${o.submitted.last_24h} / ${o.submitted.last_7d}`, "submitted"],
        ["Completed 24 h / 7 d", `${o.completed.last_24h} / ${o.completed.last_7d}`, "completed"],
        ["Labels left in quota", `${o.quota.labels_remaining} of ${o.quota.label_quota}`, "quota"],
        ["Open batches / jobs", `${o.open_batches} / ${o.open_jobs}`, "open"],
      ];
      $("overview-cards").replaceChildren(
        ...cards.map(([label, value, key]) => {
          const card = document.createElement("div");
          card.className = "card";
          card.dataset.card = key;
          card.append(text(label));
          const b = document.createElement("b");
          b.textContent = value;
          card.append(b);
          return card;
        }),
      );
      $("status-counts").replaceChildren(...Object.entries(o.counts).map(([status, count]) => row([status, count], { status })));
    },

    async usage() {
      const { days } = await api("/v1/dashboard/usage");
      chart("usage-chart", {
        type: "bar",
        data: {
          labels: days.map((d) => d.date.slice(5)),
          datasets: [
            { label: "Submitted", data: days.map((d) => d.submitted), backgroundColor: "#748ffc" },
            { label: "Completed", data: days.map((d) => d.completed), backgroundColor: "#40c057" },
            { label: `Spend (${currency.toUpperCase()})`, data: days.map((d) => d.spend / 100), type: "line", yAxisID: "spend", borderColor: "#e8590c" },
          ],
        },
        options: { animation: false, scales: { y: { beginAtZero: true }, spend: { axis: "y", position: "right", beginAtZero: true, grid: { drawOnChartArea: false } } } },
      });
      const total = days.reduce((sum, d) => ({ submitted: sum.submitted + d.submitted, completed: sum.completed + d.completed, spend: sum.spend + d.spend }), { submitted: 0, completed: 0, spend: 0 });
      $("usage-total").textContent = `30 days: ${total.submitted} submitted, ${total.completed} completed, ${money(total.spend)} spent.`;
    },

    async quality() {
      const { task_types: types } = await api("/v1/dashboard/quality");
      $("quality-rows").replaceChildren(
        ...types.map((t) => row([t.task_type, t.completed, percent(t.mean_confidence), percent(t.agreement), percent(t.gold_accuracy), percent(t.extra_judgment_share)], { type: t.task_type })),
      );
      chart("quality-chart", {
        type: "bar",
        data: {
          labels: Array.from({ length: 10 }, (_, i) => `${(i / 10).toFixed(1)}–${((i + 1) / 10).toFixed(1)}`),
          datasets: types.map((t) => ({ label: t.task_type, data: t.confidence_histogram })),
        },
        options: { animation: false, plugins: { title: { display: true, text: "Confidence of completed tasks" } } },
      });
    },

    async tasks(page = 1) {
      const params = new URLSearchParams({ page, per_page: 25, status: $("task-status").value, sort: $("task-sort").value });
      const table = await api(`/v1/dashboard/tasks?${params}`);
      $("task-rows").replaceChildren(
        ...table.items.map((t) => row([link(t.task_id, () => showTask(t.task_id)), t.task_type, t.status, t.priority, t.created_at.replace("T", " ").slice(0, 19)], { task: t.task_id })),
      );
      $("page-info").textContent = `page ${table.page} of ${Math.max(1, table.total_pages)} · ${table.total} tasks`;
      $("prev-page").disabled = table.page <= 1;
      $("next-page").disabled = table.page >= table.total_pages;
      $("prev-page").onclick = () => PAGES.tasks(table.page - 1).catch(showError);
      $("next-page").onclick = () => PAGES.tasks(table.page + 1).catch(showError);
    },

    async progress() {
      const jobs = await api("/v1/jobs?limit=25");
      $("job-rows").replaceChildren(
        ...jobs.data.map((j) => row([j.job_id, j.status, j.counts.total_lines, j.counts.tasks_created, percent(j.progress)], { job: j.job_id })),
      );
    },

    async audit() {
      const select = $("audit-action");
      if (select.options.length === 1) {
        // The actions as the API documents them (one list, in the server's code).
        const doc = await fetch("/v1/openapi.json").then((r) => r.json());
        for (const action of doc.components.schemas.AuditEvent.properties.action.enum) select.append(new Option(action, action));
        select.addEventListener("change", () => PAGES.audit().catch(showError));
      }
      const query = select.value ? `&action=${encodeURIComponent(select.value)}` : "";
      const show = async (cursor, append) => {
        const page = await api(`/v1/audit-events?limit=50${query}${cursor ? `&cursor=${cursor}` : ""}`);
        const rows = page.data.map((e) =>
          row([new Date(e.created_at).toLocaleString(), e.action, `${e.actor.type} ${e.actor.id}`, e.target_id, JSON.stringify(e.details), e.client_address], { audit: e.id }),
        );
        if (append) $("audit-rows").append(...rows);
        else $("audit-rows").replaceChildren(...rows);
        $("audit-more").hidden = !page.next_cursor;
        $("audit-more").onclick = () => show(page.next_cursor, true).catch(showError);
      };
      await show(null, false);
    },

    async webhooks() {
      const hooks = await api("/v1/webhooks");
      $("webhook-rows").replaceChildren(
        ...hooks.data.map((w) =>
          row([w.callback_url, w.events.join(", "), w.status, link("Deliveries", () => showDeliveries(w.webhook_id)), deleteLink("Delete", "webhooks.manage", `/v1/webhooks/${w.webhook_id}`, PAGES.webhooks)], { webhook: w.webhook_id }),
        ),
      );
    },

    async keys() {
      const keys = await api("/v1/api-keys");
      $("key-rows").replaceChildren(
        ...keys.data.map((k) =>
          row([`${k.prefix}…`, k.environment, k.scope, k.last_used_at, k.revoked_at, k.revoked_at ? "" : deleteLink("Revoke", "keys.manage", `/v1/api-keys/${k.key_id}`, PAGES.keys)], { key: k.key_id }),
        ),
      );
    },

    async members() {
      const members = await api("/v1/members");
      $("member-rows").replaceChildren(
        ...members.data.map((m) =>
          row([m.email, m.role, m.status, deleteLink("Remove", "members.manage", `/v1/members/${m.member_id}`, PAGES.members)], { member: m.member_id }),
        ),
      );
    },
  };

  async function showTask(taskId) {
    const result = await fetch(`/v1/tasks/${taskId}/result`, { headers: authHeaders() }).then((r) => r.json());
    $("task-detail").hidden = false;
    $("detail-title").textContent = `${taskId} · ${result.status}`;
    $("detail-result").textContent = result.result ? `Result ${JSON.stringify(result.result)}, confidence ${percent(result.confidence)} (${result.aggregation?.method ?? "—"})` : "No result yet.";
    $("detail-votes").replaceChildren(...(result.aggregation?.votes ?? []).map((v) => row([v.annotator_id, JSON.stringify(v.answer), v.reliability])));
  }

  async function showDeliveries(webhookId) {
    const data = await gql(`query($id: ID!) { webhook(id: $id) { callbackUrl deliveries(last: 20) { id eventId status attempts lastStatusCode } } }`, { id: webhookId });
    $("deliveries").hidden = false;
    $("deliveries-title").textContent = `Deliveries to ${data.webhook.callbackUrl}`;
    $("delivery-rows").replaceChildren(
      ...data.webhook.deliveries.map((d) =>
        row([d.eventId, d.status, d.attempts, d.lastStatusCode, allowed("webhooks.manage") ? link("Redeliver", async () => {
          await gql(`mutation($id: ID!) { redeliver(deliveryId: $id) { __typename } }`, { id: d.id });
          await showDeliveries(webhookId);
        }) : ""], { delivery: d.id }),
      ),
    );
  }

  const FOLLOW_BATCH = `subscription FollowBatch($id: ID) {
    taskUpdates(batchId: $id) { batch { id status taskCount counts { pending inProgress completed failed canceled } } }
  }`;

  /** Follows a batch: the subscription sends its counts now, then again with each of its tasks' changes. */
  function watchBatch(batchId) {
    watching?.abort();
    const controller = (watching = new AbortController());
    const show = (batch) => {
      const { counts } = batch;
      const done = counts.completed + counts.failed + counts.canceled;
      $("batch-progress").hidden = false;
      $("batch-title").textContent = `${batch.id} · ${batch.status.toLowerCase()}`;
      $("batch-bar").value = batch.taskCount ? done / batch.taskCount : 1;
      $("batch-counts").textContent = `${done} of ${batch.taskCount} done (${counts.completed} completed, ${counts.inProgress} in progress, ${counts.pending} pending)`;
    };
    subscribe(FOLLOW_BATCH, { id: batchId }, (message) => {
      if (message.errors) return showError(new Error(message.errors[0].message));
      const batch = message.data.taskUpdates.batch;
      show(batch);
      if (batch.status.toLowerCase() === "completed") controller.abort();
    }, controller.signal).catch((error) => {
      if (error.name !== "AbortError") showError(error);
    });
  }

  // ---- navigation and sign-in ----

  async function route() {
    const name = (location.hash.slice(1) || "overview").split("/")[0];
    const page = PAGES[name] ? name : "overview";
    for (const section of document.querySelectorAll(".page")) section.hidden = section.id !== page;
    for (const a of document.querySelectorAll("nav a")) a.classList.toggle("on", a.getAttribute("href") === `#${page}`);
    showError(null);
    try {
      await PAGES[page]();
    } catch (error) {
      showError(error);
    }
  }

  const allowed = (permission) => permissions.includes(permission);

  /** Signed in (by key or cookie): who, what they may do, then the page. */
  async function start() {
    const [me, caller] = await Promise.all([api("/v1/customers/me"), api("/v1/sessions/current")]);
    permissions = caller.permissions;
    const who = caller.member ? `${caller.member.email}, ${caller.member.role}` : `API key ${caller.key_id}`;
    $("who").textContent = `· ${me.name} (${caller.environment}) · ${who}`;
    // Buttons and forms for what the caller may not do are not shown at all.
    for (const element of document.querySelectorAll("[data-needs]")) element.hidden = !allowed(element.dataset.needs);
    $("sign-in").hidden = true;
    $("accept").hidden = true;
    $("nav").hidden = false;
    $("sign-out").hidden = false;
    await route();
  }

  async function signInWithKey(candidate) {
    apiKey = candidate;
    try {
      await start();
      sessionStorage.setItem("apiKey", apiKey);
    } catch (error) {
      apiKey = null;
      sessionStorage.removeItem("apiKey");
      $("sign-in-error").textContent = error.status === 401 ? "That API key was not accepted." : error.message;
    }
  }

  async function signInWithPassword() {
    try {
      const environment = $("environment").value || undefined;
      await send("POST", "/v1/sessions", { email: $("email").value.trim(), password: $("password").value, environment, cookie: true });
      $("password").value = "";
      await start();
    } catch (error) {
      $("sign-in-error").textContent = error.status === 401 ? "That email and password were not accepted." : error.message;
    }
  }

  $("sign-in").addEventListener("submit", (event) => {
    event.preventDefault();
    $("sign-in-error").textContent = "";
    if ($("with-key").hidden) signInWithPassword();
    else signInWithKey($("api-key").value.trim());
  });
  $("toggle-key").addEventListener("click", () => {
    const useKey = $("with-key").hidden;
    $("with-key").hidden = !useKey;
    $("with-password").hidden = useKey;
    $("toggle-key").textContent = useKey ? "Use email and password instead" : "Use an API key instead";
  });
  $("accept").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const token = location.hash.slice("#accept=".length);
      const member = await send("POST", "/v1/invitations/accept", { token, password: $("new-password").value });
      history.replaceState(null, "", "/console");
      $("accept").hidden = true;
      $("sign-in").hidden = false;
      $("email").value = member.email;
    } catch (error) {
      $("accept-error").textContent = error.message;
    }
  });
  $("sign-out").addEventListener("click", async () => {
    if (!apiKey) await send("DELETE", "/v1/sessions/current").catch(() => {});
    sessionStorage.removeItem("apiKey");
    location.hash = "";
    location.reload();
  });
  $("create-key").addEventListener("click", async () => {
    try {
      const created = await send("POST", "/v1/api-keys", {});
      $("new-key").hidden = false;
      $("new-key-value").textContent = created.api_key;
      await PAGES.keys();
    } catch (error) {
      showError(error);
    }
  });
  $("invite").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const invited = await send("POST", "/v1/members", { email: $("invite-email").value.trim(), role: $("invite-role").value });
      $("invite-link").hidden = false;
      $("invite-link-value").textContent = invited.invitation.url;
      await PAGES.members();
    } catch (error) {
      showError(error);
    }
  });
  $("add-webhook").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await send("POST", "/v1/webhooks", { callback_url: $("webhook-url").value.trim() });
      await PAGES.webhooks();
    } catch (error) {
      showError(error);
    }
  });
  $("task-status").addEventListener("change", () => PAGES.tasks(1).catch(showError));
  $("task-sort").addEventListener("change", () => PAGES.tasks(1).catch(showError));
  $("watch-batch").addEventListener("submit", (event) => {
    event.preventDefault();
    watchBatch($("batch-id").value.trim());
  });
  window.addEventListener("hashchange", () => !$("nav").hidden && route());
  // An invitation link, a key kept by this tab, a session cookie, or the sign-in form.
  if (location.hash.startsWith("#accept=")) $("accept").hidden = false;
  else if (apiKey) signInWithKey(apiKey);
  else start().catch(() => ($("sign-in").hidden = false));
})();
