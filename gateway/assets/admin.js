// vdx admin console. Talks only to this gateway: /oauth/token for an admin
// token (kept in sessionStorage), then the /admin/v1 API. Helpers (elements,
// the confirmation dialog, audit comparisons) come from admin-kit.js.
(function () {
  "use strict";
  const { $, el, paths, confirmAction, changeList } = window.vdxAdmin;
  // The controlled list of purposes (vdx_catalog::purposes), in its order.
  const PURPOSES = ["smart_charging", "usage_based_insurance", "location_based_offers", "in_car_delivery", "fleet_management", "predictive_maintenance"];
  // The products as last loaded, and the draft loaded into the version form, if any.
  let products = [];
  let editing = null;
  const productNamed = (slug) => products.find((p) => p.slug === slug);
  const versionPath = (slug, version) => `/admin/v1/products/${encodeURIComponent(slug)}/versions/${encodeURIComponent(version)}`;

  // The status line is fixed at the bottom of the window, where the admin acts.
  function status(message, isError) {
    $("status").textContent = message;
    $("status").classList.toggle("error", Boolean(isError));
    $("status-bar").classList.toggle("error", Boolean(isError));
    $("status-bar").classList.toggle("shown", Boolean(message));
    $("status-dismiss").hidden = !message;
  }

  async function api(method, path, body) {
    const headers = { authorization: "Bearer " + sessionStorage.getItem("vdx-admin-token") };
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    if (res.status === 401) {
      signOut();
      throw new Error("your session expired; sign in again");
    }
    const text = await res.text();
    const data = text ? JSON.parse(text) : null;
    if (!res.ok) {
      const lines = (data && data.errors) || [];
      throw new Error(((data && data.detail) || res.statusText) + (lines.length ? ": " + lines.join("; ") : ""));
    }
    return data;
  }

  async function run(what, fn) {
    try {
      await fn();
      if (what) status(what);
    } catch (e) {
      status(e.message, true);
    }
  }

  // The token comes by client_secret_post: credentials in the form body, never
  // an Authorization header, so a failure is a plain 400 and the browser has no
  // Basic challenge to answer with its own dialog. A request that hangs anyway
  // is given up after 15 s.
  async function signIn(event) {
    event.preventDefault();
    const form = new URLSearchParams({
      grant_type: "client_credentials",
      client_id: $("client-id").value.trim(),
      client_secret: $("client-secret").value,
      scope: "admin",
    });
    const button = $("login-form").querySelector("button[type=submit]");
    button.disabled = true;
    status("Signing in…");
    try {
      const res = await fetch("/oauth/token", { method: "POST", body: form, credentials: "omit", signal: AbortSignal.timeout(15000) });
      const data = await res.json().catch(() => ({}));
      if (!res.ok || !data.access_token) {
        const why = res.status === 400 || res.status === 401 ? data.error_description || data.error : `the server answered ${res.status}`;
        return status("Sign-in failed: " + (why || "no token in the answer") + ".", true);
      }
      sessionStorage.setItem("vdx-admin-token", data.access_token);
      $("client-secret").value = "";
      show();
    } catch (e) {
      status("Sign-in failed: " + (e.name === "TimeoutError" ? "the server did not answer in time" : "the server could not be reached") + ".", true);
    } finally {
      button.disabled = false;
    }
  }

  function signOut() {
    sessionStorage.removeItem("vdx-admin-token");
    $("app").hidden = true;
    $("logout").hidden = true;
    $("login").hidden = false;
  }

  function show() {
    $("login").hidden = true;
    $("app").hidden = false;
    $("logout").hidden = false;
    status("Signed in.");
    run(null, loadProducts);
  }

  function selectTab(name) {
    status("");
    for (const b of document.querySelectorAll("[data-tab]")) b.setAttribute("aria-pressed", String(b.dataset.tab === name));
    for (const s of document.querySelectorAll(".tab")) s.hidden = s.id !== "tab-" + name;
    const loaders = { products: loadProducts, subscriptions: loadSubscriptions, usage: loadUsage, audit: loadAudit };
    run(null, loaders[name]);
  }

  // What each lifecycle step asks before it happens.
  const QUESTIONS = {
    publish: (what) => ({ title: "Publish to the marketplace?", message: `${what} will be offered to every partner in the public marketplace. A published version cannot be changed or deleted.` }),
    deprecate: (what) => ({ title: "Deprecate this version?", message: `${what} keeps serving until its sunset date; partner calls carry Deprecation and Sunset headers.` }),
    retire: (what) => ({ title: "Retire this version?", message: `${what} stops serving at once: every partner call under it is refused. This cannot be undone.` }),
  };

  async function lifecycle(p, version, action) {
    const what = `${p.name} (${p.slug}) version ${version}`;
    let days;
    if (action === "deprecate") days = el("input", { id: "sunset-days", type: "number", min: "1", value: "90", required: "" });
    const extra = days && el("div", {}, el("label", { for: "sunset-days" }, "Sunset in how many days?"), days);
    const ok = `${action[0].toUpperCase()}${action.slice(1)} ${p.name} ${version}`;
    if (!(await confirmAction({ ...QUESTIONS[action](what), ok, extra }))) return;
    const body = days ? { sunset_at: new Date(Date.now() + Number(days.value) * 86400000).toISOString() } : undefined;
    await run(`${p.slug}@${version}: ${action} done.`, async () => {
      await api("POST", `${versionPath(p.slug, version)}/${action}`, body);
      if (editing && editing.slug === p.slug && editing.version === version) stopEditing();
      await loadProducts();
    });
  }

  async function deleteDraft(p, version) {
    const asked = { title: "Delete this draft?", message: `Draft ${version} of ${p.name} (${p.slug}) will be deleted. It was never published.`, ok: `Delete draft ${version}` };
    if (!(await confirmAction(asked))) return;
    await run(`Draft ${version} of ${p.slug} deleted.`, async () => {
      await api("DELETE", versionPath(p.slug, version));
      if (editing && editing.slug === p.slug && editing.version === version) stopEditing();
      await loadProducts();
    });
  }

  // Says in the form which product (and which draft) a save goes to.
  function showTarget() {
    const p = productNamed($("v-product").value);
    const name = p ? `${p.name} (${p.slug})` : "no product yet";
    $("v-target").textContent = editing ? `Editing draft ${editing.version} of ${name}` : `A new draft of ${name}`;
    $("v-save").textContent = editing ? `Save draft ${editing.version}` : "Save new draft";
    $("v-stop").hidden = !editing;
    $("v-product").disabled = Boolean(editing);
    $("v-version").readOnly = Boolean(editing);
  }

  function purposeBoxes(checked) {
    const names = [...PURPOSES, ...checked.filter((c) => !PURPOSES.includes(c))];
    $("v-purposes").replaceChildren(...names.map((p) => el("label", {}, el("input", { type: "checkbox", name: "purposes", value: p }), " " + p)));
    for (const box of document.querySelectorAll("#v-purposes input")) box.checked = checked.includes(box.value);
  }

  // Loads a draft into the version form; saving then replaces it (PUT).
  function editDraft(p, v) {
    editing = { slug: p.slug, version: v.version };
    $("version-details").open = true;
    $("v-product").value = p.slug;
    $("v-version").value = v.version;
    $("v-signals").value = v.signals.join("\n");
    $("v-commands").value = v.commands.join("\n");
    purposeBoxes(v.purposes.map((x) => x.name));
    $("v-history").value = v.terms.history_days;
    $("v-retention").value = v.terms.retention_days;
    $("v-precision").value = v.terms.location_precision_km === null ? "" : v.terms.location_precision_km;
    $("v-consent").value = v.terms.default_consent_days;
    showTarget();
    $("version-details").scrollIntoView({ block: "start" });
    $("v-signals").focus({ preventScroll: true });
    status(`Draft ${v.version} of ${p.slug} loaded into the form.`);
  }

  function stopEditing() {
    editing = null;
    $("v-version").value = "";
    showTarget();
  }

  const table = (headers, rows) => el("div", { class: "table-wrap" }, el("table", {},
    el("thead", {}, el("tr", {}, ...headers.map((h) => el("th", { scope: "col" }, h)))), el("tbody", {}, ...rows)));

  async function loadProducts() {
    products = await api("GET", "/admin/v1/products");
    const box = $("products");
    box.replaceChildren();
    // Re-rendering keeps each picker's choice (and the draft being edited).
    for (const id of ["v-product", "pl-product"]) {
      const keep = id === "v-product" && editing ? editing.slug : $(id).value;
      $(id).replaceChildren(...products.map((p) => el("option", { value: p.slug }, `${p.name} (${p.slug})`)));
      if (productNamed(keep)) $(id).value = keep;
    }
    if (editing && !productNamed(editing.slug)?.versions.some((v) => v.version === editing.version && v.status === "draft")) stopEditing();
    showTarget();
    for (const p of products) {
      const rows = p.versions.map((v) => {
        const actions = el("td", { class: "row-actions" });
        const button = (action, onclick) => el("button", { type: "button", "data-action": action, "data-product": p.slug, "data-version": v.version, onclick }, action);
        if (v.status === "draft") actions.append(button("edit", () => editDraft(p, v)), button("delete", () => deleteDraft(p, v.version)));
        const next = { draft: "publish", published: "deprecate", deprecated: "retire" }[v.status];
        if (next) actions.append(button(next, () => lifecycle(p, v.version, next)));
        return el("tr", {}, el("td", {}, v.version), el("td", {}, el("span", { class: "badge" }, v.status)),
          el("td", {}, paths(v.signals)), el("td", {}, paths(v.commands)),
          el("td", {}, v.purposes.map((x) => x.name).join(", ")), actions);
      });
      const plans = p.plans.map((pl) => `${pl.name} (${pl.rate_per_second}/s, burst ${pl.burst}, ${pl.daily_quota}/day, ${pl.price_model} ${pl.price_minor} ${pl.currency})`).join("; ");
      box.append(el("div", { class: "card", id: "product-" + p.slug },
        el("h3", {}, `${p.name} `, el("code", {}, p.slug), " ", el("span", { class: "badge" }, p.category)),
        el("p", {}, p.description),
        table(["Version", "Status", "Signals", "Commands", "Purposes", "Actions"], rows),
        el("p", {}, "Plans: " + (plans || "none yet"))));
    }
  }

  async function loadSubscriptions() {
    const subs = await api("GET", "/admin/v1/subscriptions");
    const rows = subs.map((s) => {
      const actions = el("td");
      const decide = (decision) => run(`Subscription ${s.id}: ${decision} done.`, async () => {
        let reason = null;
        if (decision !== "approve" && decision !== "resume") {
          reason = prompt(`Reason to ${decision} subscription ${s.id}?`);
          if (!reason) return;
        }
        await api("POST", `/admin/v1/subscriptions/${s.id}/decision`, { decision, reason });
        await loadSubscriptions();
      });
      const options = { pending: ["approve", "reject"], active: ["suspend", "end"], suspended: ["resume", "end"] }[s.status] || [];
      for (const d of options) actions.append(el("button", { type: "button", "data-decision": d, "data-subscription": s.id, onclick: () => decide(d) }, d));
      return el("tr", { id: "subscription-" + s.id }, el("td", {}, s.id), el("td", {}, s.partner), el("td", {}, s.app),
        el("td", {}, `${s.product}@${s.version}`), el("td", {}, s.plan), el("td", {}, el("span", { class: "badge" }, s.status)), el("td", {}, s.reason || ""), actions);
    });
    $("subscriptions").replaceChildren(table(["Id", "Partner", "App", "Product", "Plan", "Status", "Reason", "Actions"], rows));
  }

  function barChart(container, entries) {
    const ns = "http://www.w3.org/2000/svg";
    const max = Math.max(1, ...entries.map((e) => e[1]));
    const svg = document.createElementNS(ns, "svg");
    const rowH = 28;
    svg.setAttribute("viewBox", `0 0 600 ${Math.max(1, entries.length) * rowH}`);
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", entries.map((e) => `${e[0]}: ${e[1]} calls`).join(", ") || "no calls");
    entries.forEach(([label, value], i) => {
      const text = document.createElementNS(ns, "text");
      text.setAttribute("x", "0");
      text.setAttribute("y", String(i * rowH + 18));
      text.textContent = label;
      const rect = document.createElementNS(ns, "rect");
      rect.setAttribute("x", "220");
      rect.setAttribute("y", String(i * rowH + 4));
      rect.setAttribute("height", "18");
      rect.setAttribute("width", String((value / max) * 320));
      const count = document.createElementNS(ns, "text");
      count.setAttribute("x", String(228 + (value / max) * 320));
      count.setAttribute("y", String(i * rowH + 18));
      count.textContent = String(value);
      svg.append(text, rect, count);
    });
    container.replaceChildren(entries.length ? svg : el("p", {}, "No calls this month."));
  }

  async function loadUsage() {
    if (!$("u-month").value) $("u-month").value = new Date().toISOString().slice(0, 7);
    const month = $("u-month").value;
    const statement = await api("GET", `/admin/v1/statements?month=${month}`);
    const sum = (key) => {
      const totals = new Map();
      for (const l of statement.lines) totals.set(l[key], (totals.get(l[key]) || 0) + l.calls);
      return [...totals.entries()].sort((a, b) => b[1] - a[1]);
    };
    barChart($("chart-products"), sum("product"));
    barChart($("chart-partners"), sum("partner"));
    $("u-csv").onclick = async (e) => {
      e.preventDefault();
      const res = await fetch(`/admin/v1/statements?month=${month}&format=csv`, { headers: { authorization: "Bearer " + sessionStorage.getItem("vdx-admin-token") } });
      const url = URL.createObjectURL(await res.blob());
      el("a", { href: url, download: `vdx-statement-${month}.csv` }).click();
    };
  }

  async function loadAudit() {
    const records = await api("GET", "/admin/v1/audit?limit=100");
    $("audit").replaceChildren(table(["When", "Who", "What", "Target", "Before → after"], records.map((r) => el("tr", {},
      el("td", {}, new Date(r.at).toLocaleString()), el("td", { title: "client id " + r.actor }, r.actor_name || r.actor),
      el("td", {}, el("code", {}, r.action)), el("td", {}, r.target), el("td", {}, changeList(r.before, r.after))))));
  }

  const lines = (text) => text.split("\n").map((s) => s.trim()).filter(Boolean);
  const num = (id) => ($(id).value === "" ? null : Number($(id).value));

  $("import-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const file = $("vss-file").files[0];
    if (!file) return;
    status("Importing " + file.name + "…");
    run(null, async () => {
      const s = await api("POST", "/admin/v1/catalog/import", JSON.parse(await file.text()));
      status(`Catalog imported: ${s.added} added, ${s.changed} changed, ${s.unchanged} unchanged, ${s.deprecated} deprecated.`);
    });
  });
  $("product-form").addEventListener("submit", (e) => {
    e.preventDefault();
    run("Product created.", async () => {
      await api("POST", "/admin/v1/products", { slug: $("p-slug").value.trim(), name: $("p-name").value, category: $("p-category").value, description: $("p-description").value });
      e.target.reset();
      await loadProducts();
    });
  });
  $("version-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const product = $("v-product").value;
    const version = $("v-version").value.trim();
    const [method, path, done] = editing
      ? ["PUT", versionPath(editing.slug, editing.version), "updated"]
      : ["POST", `/admin/v1/products/${encodeURIComponent(product)}/versions`, "saved"];
    run(`Draft ${version} of ${product} ${done}.`, async () => {
      await api(method, path, {
        version,
        signals: lines($("v-signals").value),
        commands: lines($("v-commands").value),
        purposes: [...document.querySelectorAll("#v-purposes input:checked")].map((c) => c.value),
        terms: { history_days: num("v-history"), retention_days: num("v-retention"), location_precision_km: num("v-precision"), default_consent_days: num("v-consent") },
      });
      await loadProducts();
    });
  });
  $("plan-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const product = $("pl-product").value;
    run(`Plan added to ${product}.`, async () => {
      await api("POST", `/admin/v1/products/${encodeURIComponent(product)}/plans`, {
        name: $("pl-name").value.trim(), rate_per_second: num("pl-rate"), burst: num("pl-burst"), daily_quota: num("pl-quota"),
        vehicle_daily_budget: num("pl-budget"), price_model: $("pl-model").value, price_minor: num("pl-price"), currency: $("pl-currency").value.trim(),
      });
      await loadProducts();
    });
  });
  $("u-month").addEventListener("change", () => run(null, loadUsage));
  $("v-product").addEventListener("change", showTarget);
  $("v-stop").addEventListener("click", stopEditing);
  $("status-dismiss").addEventListener("click", () => status(""));
  purposeBoxes([]);
  for (const b of document.querySelectorAll("[data-tab]")) b.addEventListener("click", () => selectTab(b.dataset.tab));
  $("login-form").addEventListener("submit", signIn);
  $("logout").addEventListener("click", signOut);
  if (sessionStorage.getItem("vdx-admin-token")) show();
})();
