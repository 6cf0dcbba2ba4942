// vdx marketplace: renders /v1/marketplace/products.
(function () {
  "use strict";
  const el = (tag, attrs, ...children) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return node;
  };
  const price = (p) => (p.price_model === "free" ? "free" : `${(p.price_minor / 100).toFixed(2)} ${p.currency} ${p.price_model === "per_call" ? "per call" : "per vehicle and month"}`);
  fetch("/v1/marketplace/products")
    .then((r) => r.json())
    .then((products) => {
      const box = document.getElementById("products");
      if (!products.length) box.append(el("p", {}, "Nothing on offer yet."));
      for (const p of products) {
        const v = p.versions[0];
        const terms = v.terms;
        box.append(el("article", { class: "card", id: "product-" + p.slug },
          el("h2", {}, p.name, " ", el("span", { class: "badge" }, p.category), " ", el("span", { class: "badge" }, `v${v.version} ${v.status}`)),
          el("p", {}, p.description),
          el("p", {}, "Signals: ", el("code", {}, v.signals.join(", "))),
          v.commands.length ? el("p", {}, "Commands: ", el("code", {}, v.commands.join(", "))) : "",
          el("p", {}, "Purposes: " + v.purposes.map((x) => `${x.name} (${x.description})`).join("; ")),
          el("p", {}, `Terms: ${terms.history_days ? "history up to " + terms.history_days + " days" : "latest values only"}; keep data at most ${terms.retention_days} days; location ${terms.location_precision_km ? "rounded to " + terms.location_precision_km + " km" : "exact"}; consent lasts ${terms.default_consent_days} days by default.`),
          v.sunset_at ? el("p", {}, `Deprecated: sunset on ${new Date(v.sunset_at).toDateString()}.`) : "",
          el("p", {}, "Scopes: ", el("code", {}, p.scopes.join(" "))),
          el("p", {}, "Plans: " + p.plans.map((pl) => `${pl.name}: ${pl.rate_per_second}/s (burst ${pl.burst}), ${pl.daily_quota} calls/day, ${price(pl)}`).join("; "))));
      }
    })
    .catch((e) => { document.getElementById("status").textContent = "Could not load the marketplace: " + e.message; });
})();
