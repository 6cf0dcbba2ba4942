// vdx admin console, the page-independent parts: building elements, VSS
// paths that wrap at their dots, the in-page confirmation dialog, and the
// before/after comparison of audit records. admin.js uses them through
// window.vdxAdmin; nothing here talks to the server.
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);

  const el = (tag, attrs, ...children) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v);
    }
    for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return node;
  };

  // Text (a VSS path) that may break after each dot, so long paths wrap inside a table cell.
  function path(text, tag) {
    const node = el(tag || "code");
    String(text).split(".").forEach((part, i, all) => {
      node.append(i < all.length - 1 ? part + "." : part);
      if (i < all.length - 1) node.append(el("wbr"));
    });
    return node;
  }

  // One path per line; "—" for none.
  const paths = (list) => (list.length ? el("ul", { class: "paths" }, ...list.map((p) => el("li", {}, path(p)))) : "—");

  // Asks in the page's <dialog>; resolves true only for the confirming button
  // (Cancel, Escape and closing resolve false). `extra` is a node shown above
  // the buttons, e.g. an input the action needs.
  function confirmAction({ title, message, ok, extra }) {
    const dialog = $("confirm");
    $("confirm-title").textContent = title;
    $("confirm-message").textContent = message;
    $("confirm-extra").replaceChildren(...(extra ? [extra] : []));
    $("confirm-ok").textContent = ok;
    dialog.returnValue = "";
    dialog.showModal();
    return new Promise((resolve) => dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true }));
  }

  // Leaf values of a JSON value by dotted key: {terms: {history_days: 7}} → "terms.history_days" → 7.
  function flatten(value, prefix, out) {
    if (value && typeof value === "object" && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
    } else if (value !== null || prefix) {
      out.set(prefix || "value", value);
    }
    return out;
  }

  const parse = (text) => {
    if (text === null || text === undefined) return null;
    try {
      return JSON.parse(text);
    } catch (e) {
      return text;
    }
  };

  // What an audit record changed: [key, before, after] for every leaf that
  // differs (undefined where the side has no such key).
  function changes(beforeText, afterText) {
    const before = flatten(parse(beforeText), "", new Map());
    const after = flatten(parse(afterText), "", new Map());
    const keys = [...new Set([...before.keys(), ...after.keys()])];
    return keys
      .filter((k) => JSON.stringify(before.get(k)) !== JSON.stringify(after.get(k)))
      .map((k) => [k, before.get(k), after.get(k)]);
  }

  const empty = (value) => value === undefined || value === null || (Array.isArray(value) && !value.length);

  // A value in words (times as local dates), breakable after dots.
  function shown(tag, key, value) {
    let text;
    if (empty(value)) text = "none";
    else if (Array.isArray(value)) text = value.join(", ");
    else if (typeof value === "number" && /(_at|^at)$/.test(key)) text = new Date(value).toLocaleString();
    else text = String(value);
    return path(text, tag);
  }

  // The changes as a list: "status: draft → published". A created record
  // lists the values it was created with, a deleted one what it held.
  function changeList(beforeText, afterText) {
    const absent = (text) => text === null || text === undefined;
    const whole = absent(beforeText) ? afterText : absent(afterText) ? beforeText : null;
    const rows = changes(beforeText, afterText).filter(([, before, after]) => whole === null || !empty(before ?? after));
    if (!rows.length) return "no change";
    return el("ul", { class: "changes" }, ...rows.map(([key, before, after]) => {
      const item = el("li", {}, el("span", { class: "key" }, key), ": ");
      if (whole !== null) item.append(shown("span", key, before ?? after));
      else item.append(shown("del", key, before), " → ", shown("ins", key, after));
      return item;
    }));
  }

  window.vdxAdmin = { $, el, path, paths, confirmAction, changes, changeList };
})();
