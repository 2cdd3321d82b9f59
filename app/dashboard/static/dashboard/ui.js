// Small DOM helpers: every text goes through textContent (no HTML injection), every control is a real
// button / link / labelled input, dialogs are <dialog> (Esc closes them, focus returns to the opener).

import { t } from "./i18n.js";

let uid = 0;
export function nextId(prefix = "f") {
  uid += 1;
  return `${prefix}-${uid}`;
}

// h("button", {class: "btn", onclick: fn, "aria-label": "x"}, "Text", childNode, [more])
export function h(tag, attrs, ...children) {
  const el = tag === "svg" || attrs?.svg ? document.createElementNS("http://www.w3.org/2000/svg", tag) : document.createElement(tag);
  if (attrs) {
    Object.entries(attrs).forEach(([key, value]) => {
      if (value === undefined || value === null || value === false || key === "svg") return;
      if (key.startsWith("on") && typeof value === "function") {
        el.addEventListener(key.slice(2), value);
      } else if (key === "dataset") {
        Object.assign(el.dataset, value);
      } else if (key === "value" && "value" in el) {
        el.value = value;
      } else if (key === "checked" || key === "selected") {
        el[key] = Boolean(value);
      } else {
        el.setAttribute(key, value === true ? "" : String(value));
      }
    });
  }
  append(el, children);
  return el;
}

function append(el, children) {
  children.forEach((child) => {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.append(child);
    else el.append(document.createTextNode(String(child)));
  });
}

export function svg(tag, attrs, ...children) {
  return h(tag, { ...attrs, svg: true }, ...children);
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

export function link(href, text, attrs = {}) {
  return h("a", { href, ...attrs }, text);
}

export function button(text, onclick, { kind = "", type = "button", ...attrs } = {}) {
  const classes = ["btn", kind ? `btn-${kind}` : ""].concat(attrs.class ? [attrs.class] : []).join(" ").trim();
  return h("button", { ...attrs, type, class: classes, onclick }, text);
}

export function pageHeader({ title, subtitle, back, actions = [] }) {
  return h(
    "div",
    { class: "page-header" },
    h(
      "div",
      null,
      back ? h("a", { class: "back-link", href: back.href }, `← ${back.label}`) : null,
      h("h1", null, title),
      subtitle ? h("p", { class: "subtitle" }, subtitle) : null,
    ),
    actions.length ? h("div", { class: "actions" }, actions) : null,
  );
}

export function emptyState({ title, text, action }) {
  return h("div", { class: "empty", role: "status" }, h("h2", null, title), text ? h("p", null, text) : null, action || null);
}

export function banner(kind, ...content) {
  return h("div", { class: `banner ${kind}`, role: kind === "critical" ? "alert" : "status" }, content.map((c) => (typeof c === "string" ? h("p", null, c) : c)));
}

export function errorBanner(error, retry) {
  return banner(
    "critical",
    h("p", null, t("frame.load_failed", { message: error.message || String(error) })),
    retry ? button(t("frame.retry"), retry, { class: "btn-small" }) : null,
  );
}

export function loading() {
  return h("div", { class: "loading", role: "status", "aria-live": "polite" }, t("common.loading"));
}

export function pill(text, kind = "") {
  return h("span", { class: `pill ${kind}`.trim() }, text);
}

// A labelled form field. kind: text | number | email | search | datetime-local | select | textarea | checkbox
export function field({ name, label, kind = "text", value, hint, options, required, placeholder, step, min, max, attrs = {} }) {
  const id = nextId(name ? name.replace(/[^a-z0-9]+/gi, "-") : "f");
  const hintId = hint ? `${id}-hint` : null;
  const errorId = `${id}-error`;
  let input;
  if (kind === "checkbox") {
    input = h("input", { id, name, type: "checkbox", checked: Boolean(value), "aria-describedby": hintId, ...attrs });
    const wrap = h(
      "div",
      { class: "field check-field", dataset: { field: name } },
      h("div", { class: "check" }, input, h("label", { for: id }, label, hint ? h("span", { class: "hint", id: hintId }, hint) : null)),
      h("div", { class: "error", id: errorId, hidden: true }),
    );
    return withError(wrap, input, errorId);
  }
  if (kind === "select") {
    input = h(
      "select",
      { id, name, required, "aria-describedby": hintId, ...attrs },
      (options || []).map(([optionValue, optionLabel]) =>
        h("option", { value: optionValue, selected: String(optionValue) === String(value ?? "") }, optionLabel),
      ),
    );
  } else if (kind === "textarea") {
    input = h("textarea", { id, name, required, placeholder, "aria-describedby": hintId, ...attrs });
    input.value = value ?? "";
  } else {
    input = h("input", { id, name, type: kind, required, placeholder, step, min, max, "aria-describedby": hintId, ...attrs });
    input.value = value ?? "";
  }
  const wrap = h(
    "div",
    { class: "field", dataset: { field: name } },
    h("label", { for: id }, label, required ? " *" : ""),
    input,
    hint ? h("div", { class: "hint", id: hintId }, hint) : null,
    h("div", { class: "error", id: errorId, hidden: true }),
  );
  return withError(wrap, input, errorId);
}

/** Gives a field wrapper `input` and `setError(message)`; the error is announced on `input` (or the group). */
export function withError(wrap, input, errorId) {
  wrap.input = input;
  wrap.setError = (message) => {
    const box = wrap.querySelector(`#${CSS.escape(errorId)}`);
    box.textContent = message || "";
    box.hidden = !message;
    wrap.classList.toggle("has-error", Boolean(message));
    if (message) {
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-errormessage", errorId);
    } else {
      input.removeAttribute("aria-invalid");
      input.removeAttribute("aria-errormessage");
    }
  };
  return wrap;
}

// Show the API's 400 `fields` beside the matching fields (data-field="conditions.min_subtotal");
// returns the messages that matched no field.
export function showFieldErrors(form, fields) {
  form.querySelectorAll(".field").forEach((el) => el.setError && el.setError(""));
  const unmatched = [];
  let first = null;
  Object.entries(fields || {}).forEach(([path, message]) => {
    const text = Array.isArray(message) ? message.join(" ") : String(message);
    const el = [...form.querySelectorAll(`[data-field="${CSS.escape(path)}"]`)].find((node) => !node.closest("[hidden]"));
    if (el && el.setError) {
      el.setError(text);
      first = first || el.input;
    } else {
      unmatched.push(path === "__all__" ? text : `${path}: ${text}`);
    }
  });
  if (first) first.focus();
  return unmatched;
}

export function table({ columns, rows, caption }) {
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "data" },
      caption ? h("caption", { class: "visually-hidden" }, caption) : null,
      h("thead", null, h("tr", null, columns.map((c) => h("th", { scope: "col", class: c.class || null }, c.label)))),
      h(
        "tbody",
        null,
        rows.map((row) => h("tr", { dataset: row.__data || {} }, columns.map((c) => h("td", { class: c.class || null }, c.render(row))))),
      ),
    ),
  );
}

export function pagination({ page, hasNext, onPage }) {
  if (page <= 1 && !hasNext) return document.createDocumentFragment();
  return h(
    "nav",
    { class: "pagination", "aria-label": t("common.page", { page }) },
    button(t("common.previous"), () => onPage(page - 1), { disabled: page <= 1 }),
    h("span", { class: "muted" }, t("common.page", { page })),
    button(t("common.next"), () => onPage(page + 1), { disabled: !hasNext }),
  );
}

export function tabs(items, current) {
  return h(
    "nav",
    { class: "tabs", "aria-label": items.label || "Tabs" },
    items.map((item) => h("a", { href: item.href, "aria-current": item.key === current ? "page" : null }, item.label)),
  );
}

// A confirm dialog; resolves true when confirmed. Esc or Cancel resolves false.
export function confirmDialog({ title, body, confirmLabel, danger = false, extra = null }) {
  return new Promise((resolve) => {
    const opener = document.activeElement;
    const titleId = nextId("dlg");
    const dialog = h(
      "dialog",
      { "aria-labelledby": titleId },
      h("h2", { id: titleId }, title),
      (Array.isArray(body) ? body : [body]).map((p) => (typeof p === "string" ? h("p", null, p) : p)),
      extra,
      h(
        "div",
        { class: "dialog-actions" },
        button(t("common.cancel"), () => dialog.close("cancel"), { class: "dialog-cancel" }),
        button(confirmLabel || t("common.confirm"), () => dialog.close("confirm"), {
          kind: danger ? "danger-solid" : "primary",
          class: "dialog-confirm",
        }),
      ),
    );
    dialog.addEventListener("close", () => {
      dialog.remove();
      if (opener && opener.focus) opener.focus();
      resolve(dialog.returnValue === "confirm");
    });
    document.body.append(dialog);
    dialog.showModal();
    dialog.querySelector(".dialog-cancel").focus();
  });
}

export function toast(message, kind = "info") {
  const area = document.getElementById("toasts");
  const el = h("div", { class: `toast ${kind}`, role: kind === "error" ? "alert" : "status" }, message);
  area.append(el);
  setTimeout(() => el.remove(), 5000);
}

export function progressBar(ratio, label) {
  const percent = Math.round(Math.max(0, Math.min(1, ratio)) * 100);
  const bar = h("span");
  bar.style.width = `${percent}%`;
  return h(
    "div",
    {
      class: `progress${percent >= 100 ? " done" : ""}`,
      role: "progressbar",
      "aria-valuemin": "0",
      "aria-valuemax": "100",
      "aria-valuenow": String(percent),
      "aria-label": label,
    },
    bar,
  );
}
