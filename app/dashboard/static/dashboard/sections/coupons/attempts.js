// The attempts log: who tried which code on which checkout, and why it failed; "Diagnose" prefilled.

import { formatDateTime, t } from "../../i18n.js";
import { button, clear, emptyState, errorBanner, field, h, loading, pageHeader, pill, table } from "../../ui.js";
import { buildHash } from "../../frame.js";

const RESULT_KIND = { applied: "success", rejected: "critical", unknown: "warning" };

export async function attemptsLog(ctx) {
  const { root, api, query } = ctx;
  root.append(pageHeader({ title: t("attempts.title"), subtitle: t("attempts.subtitle") }));
  const code = field({ name: "code", label: t("attempts.code"), kind: "search", value: query.code || "", attrs: { spellcheck: "false", autocomplete: "off" } });
  const customer = field({ name: "customer", label: t("attempts.customer"), kind: "search", value: query.customer || "", attrs: { autocomplete: "off" } });
  const checkout = field({ name: "checkout", label: t("attempts.checkout"), kind: "search", value: query.checkout || "", attrs: { spellcheck: "false", autocomplete: "off" } });
  const result = field({
    name: "result",
    label: t("attempts.result"),
    kind: "select",
    value: query.result || "",
    options: [["", t("common.all")], ...["applied", "rejected", "unknown"].map((r) => [r, t(`attempts.result.${r}`)])],
  });
  const apply = () =>
    ctx.setQuery({ code: code.input.value.trim(), customer: customer.input.value.trim(), checkout: checkout.input.value.trim(), result: result.input.value });
  result.input.addEventListener("change", apply);
  root.append(
    h("form", { class: "toolbar", role: "search", onsubmit: (event) => { event.preventDefault(); apply(); } }, code, customer, checkout, result, button(t("attempts.filter"), null, { type: "submit" })),
  );
  const results = h("div", { "aria-live": "polite" }, loading());
  root.append(results);
  let data;
  try {
    data = await api.get("/attempts", { code: query.code, customer: query.customer, checkout: query.checkout, result: query.result });
  } catch (error) {
    if (ctx.alive()) clear(results).append(errorBanner(error, () => ctx.frame.render()));
    return;
  }
  if (!ctx.alive()) return;
  clear(results);
  const filtered = query.code || query.customer || query.checkout || query.result;
  if (!data.results.length) {
    results.append(emptyState({ title: filtered ? t("attempts.empty_filtered") : t("attempts.empty") }));
    return;
  }
  results.append(
    table({
      caption: t("attempts.title"),
      columns: [
        { label: t("attempts.col.date"), render: (a) => formatDateTime(a.created_at, { compact: true }) },
        { label: t("attempts.col.code"), render: (a) => h("code", null, a.code_typed || a.code) },
        { label: t("attempts.col.customer"), render: (a) => a.customer_email || a.customer_id || t("attempts.anonymous") },
        { label: t("attempts.col.checkout"), render: (a) => (a.checkout_id ? h("code", { class: "small" }, a.checkout_id) : "—") },
        { label: t("attempts.col.result"), render: (a) => pill(t(`attempts.result.${a.result}`), RESULT_KIND[a.result]) },
        { label: t("attempts.col.why"), class: "why", render: (a) => a.message || a.reason || "—" },
        {
          label: t("attempts.col.actions"),
          class: "actions",
          render: (a) =>
            h(
              "a",
              {
                class: "btn btn-small diagnose-link",
                href: buildHash("/diagnose", { code: a.code_typed || a.code, email: a.customer_email, checkout: a.checkout_id, run: "1" }),
                "aria-label": t("attempts.diagnose_label", { code: a.code_typed || a.code, customer: a.customer_email || t("attempts.anonymous") }),
              },
              t("attempts.diagnose"),
            ),
        },
      ],
      rows: data.results,
    }),
  );
}
