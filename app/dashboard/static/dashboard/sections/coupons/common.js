// Shared bits of the Coupons pages: how a rule reads in one line, status pills, order links.

import { formatDate, formatMoney, t } from "../../i18n.js";
import { banner, button, clear, field, h, pill, toast } from "../../ui.js";

function trimNumber(value) {
  const text = String(value);
  return text.includes(".") ? text.replace(/\.?0+$/, "") : text;
}

export function benefitSummary(rule) {
  const b = (rule && rule.benefit) || {};
  const currency = (rule && rule.conditions && rule.conditions.currency) || "";
  const money = (amount) => (currency ? formatMoney(amount, currency) : trimNumber(amount));
  switch (b.kind) {
    case "percentage": {
      const text = t(b.apply_to === "order" ? "benefit.percentage_order" : "benefit.percentage", { percent: trimNumber(b.percent) });
      return b.max_discount ? `${text} ${t("benefit.capped", { amount: money(b.max_discount) })}` : text;
    }
    case "fixed_amount":
      return t("benefit.fixed_amount", { amount: money(b.amount) });
    case "fixed_per_unit":
      return t("benefit.fixed_per_unit", { amount: money(b.amount) });
    case "shipping":
      if (b.amount) return t("benefit.shipping_amount", { amount: money(b.amount) });
      if (Number(b.percent ?? 100) >= 100) return t("benefit.shipping_free");
      return t("benefit.shipping_percent", { percent: trimNumber(b.percent) });
    case "buy_x_get_y":
      if (Number(b.percent ?? 100) >= 100) return t("benefit.buy_x_get_y_free", { buy: b.buy_quantity, get: b.get_quantity });
      return t("benefit.buy_x_get_y", { buy: b.buy_quantity, get: b.get_quantity, percent: trimNumber(b.percent) });
    case "gift":
      return t("benefit.gift", { quantity: b.quantity || 1, variant: b.variant_id });
    case "tiered": {
      const tiers = (b.tiers || [])
        .map((tier) => {
          const from = b.basis === "quantity" ? trimNumber(tier.threshold) : money(tier.threshold);
          const off = tier.percent ? `${trimNumber(tier.percent)} %` : money(tier.amount);
          return `${off} ≥ ${from}`;
        })
        .join(", ");
      return t("benefit.tiered", { tiers });
    }
    default:
      return "—";
  }
}

export function statusPill(status) {
  return pill(t(`coupons.status.${status}`), status === "active" ? "success" : "");
}

export function validityPill(validity) {
  const kinds = { current: "info", scheduled: "warning", expired: "critical" };
  return pill(t(`coupons.validity.${validity}`), kinds[validity] || "");
}

export function validityText(coupon) {
  const parts = [];
  if (coupon.starts_at) parts.push(t("coupons.from", { date: formatDate(coupon.starts_at) }));
  if (coupon.ends_at) parts.push(t("coupons.until", { date: formatDate(coupon.ends_at) }));
  return parts.length ? parts.join(" ") : t("coupons.always");
}

// "Open the order in the Dashboard": asks the Dashboard to navigate (AppBridge redirect action).
export function orderLink(bridge, orderId, number) {
  const label = number ? t("usage.order", { number }) : orderId;
  return h(
    "a",
    {
      href: bridge.dashboardUrl(`/orders/${encodeURIComponent(orderId)}`),
      target: "_blank",
      rel: "noopener",
      class: "order-link",
      "aria-label": t("usage.open_order", { number: number || orderId }),
      onclick: (event) => {
        event.preventDefault();
        bridge.redirect(`/orders/${encodeURIComponent(orderId)}`);
      },
    },
    label,
  );
}

// Lists typed one per line (or separated by commas) -> trimmed, non-empty strings.
export function splitList(text) {
  return String(text || "")
    .split(/[\n,]+/)
    .map((item) => item.trim())
    .filter(Boolean);
}

const BENEFIT_KINDS = new Set(["percentage", "fixed_amount", "fixed_per_unit", "shipping", "buy_x_get_y", "gift", "tiered"]);

// The coupons part names fields "rule.benefit.percentage.percent": the form knows "rule.benefit.percent".
export function normaliseFieldErrors(error) {
  const out = {};
  const add = (path, message) => {
    const parts = String(path).split(".");
    const i = parts.indexOf("benefit");
    if (i >= 0 && BENEFIT_KINDS.has(parts[i + 1]) && parts.length > i + 2) parts.splice(i + 1, 1);
    const key = parts.join(".");
    out[key] = out[key] ? `${out[key]} ${message}` : message;
  };
  Object.entries(error.fields || {}).forEach(([path, message]) => add(path, message));
  (error.details.errors || []).forEach((item) => {
    if (item.field) add(item.field, item.message);
  });
  return out;
}


/**
 * A card that exports a CSV and imports one (all or nothing: the API answers the errors per line).
 * `imported(result)` gives the success sentence; `after()` refreshes what the import changed.
 */
export function csvCard({ api, hint, exportPath, exportName, exportClass, importPath, imported, after }) {
  const importMessages = h("div", { "aria-live": "polite" });
  const fileInput = field({ name: "file", label: t("codes.import_file"), kind: "file", hint, attrs: { accept: ".csv,text/csv" } });
  const exportButton = button(t("codes.export"), async () => {
    exportButton.disabled = true;
    try {
      const file = await api.download(exportPath, null, exportName);
      toast(t("codes.exported", { name: file.name }));
    } catch (error) {
      toast(error.message, "error");
    } finally {
      exportButton.disabled = false;
    }
  }, { class: exportClass });
  const importButton = button(t("codes.import_start"), null, { type: "submit" });
  const importForm = h(
    "form",
    { class: "card import-form", novalidate: true },
    h("div", { class: "row" }, h("h2", { class: "grow" }, t("codes.import")), exportButton),
    importMessages,
    fileInput,
    h("div", { class: "row" }, importButton),
  );
  importForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear(importMessages);
    const file = fileInput.input.files && fileInput.input.files[0];
    if (!file) {
      fileInput.setError(t("codes.pick_file"));
      fileInput.input.focus();
      return;
    }
    fileInput.setError("");
    importButton.disabled = true;
    try {
      const result = await api.upload(importPath, file, "text/csv");
      importMessages.append(banner("success", imported(result)));
      fileInput.input.value = "";
      await after();
    } catch (error) {
      const lines = (error.details && error.details.errors) || [];
      importMessages.append(
        banner(
          "critical",
          h("p", null, lines.length ? t("codes.import_errors") : error.message),
          lines.length ? h("ul", null, lines.map((e) => h("li", null, e.line ? `${t("codes.line", { line: e.line })}: ${e.message}` : e.message))) : null,
        ),
      );
    } finally {
      importButton.disabled = false;
    }
  });
  return importForm;
}
