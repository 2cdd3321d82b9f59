// Coupons list: search by code or name, filters by status and validity, empty states.

import { formatNumber, t } from "../../i18n.js";
import { button, clear, emptyState, errorBanner, field, h, loading, pageHeader, pagination, table } from "../../ui.js";
import { benefitSummary, statusPill, validityPill, validityText } from "./common.js";

export async function couponList(ctx) {
  const { root, api, query } = ctx;
  const filters = { q: query.q || "", status: query.status || "", validity: query.validity || "", page: Number(query.page || 1) };
  const create = button(t("coupons.create"), () => ctx.navigate("/coupons/new"), { kind: "primary" });
  root.append(pageHeader({ title: t("coupons.title"), subtitle: t("coupons.subtitle"), actions: [create] }));

  const search = field({ name: "q", label: t("coupons.search"), kind: "search", value: filters.q, attrs: { autocomplete: "off" } });
  search.classList.add("grow");
  const status = field({
    name: "status",
    label: t("coupons.status"),
    kind: "select",
    value: filters.status,
    options: [["", t("common.all")], ["active", t("coupons.status.active")], ["disabled", t("coupons.status.disabled")]],
  });
  const validity = field({
    name: "validity",
    label: t("coupons.validity"),
    kind: "select",
    value: filters.validity,
    options: [
      ["", t("common.all")],
      ["current", t("coupons.validity.current")],
      ["scheduled", t("coupons.validity.scheduled")],
      ["expired", t("coupons.validity.expired")],
    ],
  });
  const apply = () =>
    ctx.setQuery({ q: search.input.value.trim(), status: status.input.value, validity: validity.input.value });
  const form = h(
    "form",
    { class: "toolbar", role: "search", onsubmit: (event) => { event.preventDefault(); apply(); } },
    search,
    status,
    validity,
    button(t("common.search"), null, { type: "submit" }),
  );
  status.input.addEventListener("change", apply);
  validity.input.addEventListener("change", apply);
  root.append(form);

  const results = h("div", { "aria-live": "polite" }, loading());
  root.append(results);
  let data;
  try {
    data = await api.get("/coupons", { q: filters.q, status: filters.status, validity: filters.validity, page: filters.page });
  } catch (error) {
    if (ctx.alive()) clear(results).append(errorBanner(error, () => ctx.frame.render()));
    return;
  }
  if (!ctx.alive()) return;
  clear(results);
  const filtered = filters.q || filters.status || filters.validity;
  if (!data.results.length && filters.page === 1) {
    results.append(
      filtered
        ? emptyState({
            title: t("coupons.empty_filtered.title"),
            text: t("coupons.empty_filtered.text"),
            action: button(t("coupons.clear_filters"), () => ctx.setQuery({})),
          })
        : emptyState({ title: t("coupons.empty.title"), text: t("coupons.empty.text"), action: button(t("coupons.create"), () => ctx.navigate("/coupons/new"), { kind: "primary" }) }),
    );
    return;
  }
  results.append(
    table({
      caption: t("coupons.title"),
      columns: [
        {
          label: t("coupons.col.name"),
          render: (c) =>
            h(
              "div",
              null,
              h("a", { href: `#/coupons/${c.id}`, class: "coupon-link" }, c.name),
              h("div", { class: "muted small" }, c.rule.requires_code === false ? t("coupons.automatic") : c.description || ""),
            ),
        },
        { label: t("coupons.col.discount"), render: (c) => benefitSummary(c.rule) },
        { label: t("coupons.col.validity"), render: (c) => h("div", null, validityPill(c.validity), h("div", { class: "muted small" }, validityText(c))) },
        { label: t("coupons.col.uses"), class: "num", render: (c) => (c.usage_limit ? `${formatNumber(c.uses)} / ${formatNumber(c.usage_limit)}` : formatNumber(c.uses)) },
        { label: t("coupons.col.status"), render: (c) => statusPill(c.status) },
        {
          label: t("coupons.col.actions"),
          class: "actions",
          render: (c) => h("a", { class: "btn btn-small", href: `#/coupons/${c.id}`, "aria-label": `${t("coupons.view")} ${c.name}` }, t("coupons.view")),
        },
      ],
      rows: data.results,
    }),
    pagination({ page: data.page, hasNext: data.has_next, onPage: (page) => ctx.setQuery({ ...filters, page }) }),
  );
}
