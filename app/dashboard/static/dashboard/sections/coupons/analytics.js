// Analytics: redemptions per day and discount given per coupon, drawn as inline SVG.

import { formatDate, formatMoney, formatNumber, t } from "../../i18n.js";
import { clear, emptyState, field, h, pageHeader } from "../../ui.js";
import { barChart, columnChart } from "../../charts.js";

const PERIODS = [7, 30, 90, 365];

function moneyText(amounts) {
  const entries = Object.entries(amounts || {});
  return entries.length ? entries.map(([currency, amount]) => formatMoney(amount, currency)).join(" + ") : formatMoney("0", "USD");
}

export async function analytics(ctx) {
  const { root, api, query } = ctx;
  const days = PERIODS.includes(Number(query.days)) ? Number(query.days) : 30;
  const period = field({ name: "days", label: t("analytics.days"), kind: "select", value: String(days), options: PERIODS.map((n) => [String(n), t("analytics.days_n", { n })]) });
  period.input.addEventListener("change", () => ctx.setQuery({ days: period.input.value }));
  root.append(pageHeader({ title: t("analytics.title"), subtitle: t("analytics.subtitle") }), h("div", { class: "toolbar" }, period));
  const body = h("div");
  root.append(body);
  const data = await api.get("/analytics", { days });
  if (!ctx.alive()) return;
  clear(body);
  const total = data.per_day.reduce((sum, d) => sum + d.count, 0);
  const totals = {};
  data.per_day.forEach((d) => Object.entries(d.amounts).forEach(([cur, amount]) => { totals[cur] = (totals[cur] || 0) + Number(amount); }));
  const totalText = Object.keys(totals).length ? Object.entries(totals).map(([cur, amount]) => formatMoney(amount.toFixed(2), cur)).join(" + ") : "—";
  body.append(
    h(
      "div",
      { class: "stats" },
      h("div", { class: "stat" }, h("div", { class: "label" }, t("analytics.total")), h("div", { class: "value" }, formatNumber(total))),
      h("div", { class: "stat" }, h("div", { class: "label" }, t("analytics.coupons_used")), h("div", { class: "value" }, formatNumber(data.per_coupon.length))),
      h("div", { class: "stat" }, h("div", { class: "label" }, t("analytics.discount")), h("div", { class: "value" }, totalText)),
    ),
  );
  if (!total && !data.per_coupon.length) {
    body.append(emptyState({ title: t("analytics.empty") }));
    return;
  }
  const short = new Intl.DateTimeFormat(document.documentElement.lang || "en", { day: "numeric", month: "short" });
  body.append(
    columnChart({
      title: t("analytics.per_day"),
      headers: [t("analytics.col.day"), t("analytics.col.count")],
      integer: true,
      format: (v) => formatNumber(v),
      points: data.per_day.map((d) => ({
        label: short.format(new Date(`${d.date}T00:00:00`)),
        value: d.count,
        title: `${formatDate(`${d.date}T12:00:00`)}: ${formatNumber(d.count)} · ${moneyText(d.amounts)}`,
      })),
    }),
    barChart({
      title: t("analytics.per_coupon"),
      headers: [t("analytics.col.coupon"), t("analytics.col.discount")],
      items: data.per_coupon.map((c) => ({
        label: c.name,
        value: Object.values(c.amounts).reduce((sum, a) => sum + Number(a), 0),
        display: `${moneyText(c.amounts)} · ${t("analytics.uses", { n: formatNumber(c.uses) })}`,
      })),
    }),
  );
}
