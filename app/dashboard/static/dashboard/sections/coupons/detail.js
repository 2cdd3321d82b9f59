// A coupon: overview, codes (batches with progress, CSV export / import), usage (cancel one), history.
// Disable vs delete: delete is refused once the coupon was used; the page then offers to disable it.

import { formatDateTime, formatMoney, formatNumber, t } from "../../i18n.js";
import {
  banner,
  button,
  clear,
  confirmDialog,
  emptyState,
  errorBanner,
  field,
  h,
  loading,
  pageHeader,
  pagination,
  pill,
  progressBar,
  showFieldErrors,
  table,
  tabs,
  toast,
} from "../../ui.js";
import { benefitSummary, csvCard, normaliseFieldErrors, orderLink, statusPill, validityPill, validityText } from "./common.js";

const TABS = ["overview", "codes", "usage", "history"];
const POLL_MS = 700;

export async function couponDetail(ctx, tab) {
  const { root, api, params } = ctx;
  if (!TABS.includes(tab)) {
    ctx.navigate(`/coupons/${params.id}`);
    return;
  }
  const coupon = await api.get(`/coupons/${encodeURIComponent(params.id)}`);
  if (!ctx.alive()) return;
  const base = `#/coupons/${coupon.id}`;

  const actions = [
    h("a", { class: "btn", href: `${base}/edit` }, t("detail.edit")),
    coupon.status === "active"
      ? button(t("detail.disable"), () => disable(ctx, coupon), { class: "action-disable" })
      : button(t("detail.enable"), () => enable(ctx, coupon), { class: "action-enable" }),
    button(t("detail.delete"), () => remove(ctx, coupon), { kind: "danger", class: "action-delete" }),
  ];
  root.append(
    pageHeader({
      title: coupon.name,
      subtitle: `${benefitSummary(coupon.rule)} · ${validityText(coupon)}`,
      back: { href: "#/coupons", label: t("form.back_list") },
      actions,
    }),
    h("div", { class: "row status-row" }, statusPill(coupon.status), validityPill(coupon.validity)),
  );
  if (coupon.status === "disabled") root.append(banner("warning", t("detail.disabled_banner")));
  const tabItems = TABS.map((key) => ({ key, href: key === "overview" ? base : `${base}/${key}`, label: t(`detail.tab.${key}`) }));
  tabItems.label = coupon.name;
  root.append(tabs(tabItems, tab));
  const panel = h("div", { class: "tab-panel" });
  root.append(panel);
  const views = { overview, codes, usage, history };
  await views[tab](ctx, coupon, panel);
}

// --- actions ---------------------------------------------------------------------------------------
async function disable(ctx, coupon) {
  const ok = await confirmDialog({ title: t("detail.disable_title"), body: t("detail.disable_body"), confirmLabel: t("detail.disable") });
  if (!ok) return;
  try {
    await ctx.api.post(`/coupons/${coupon.id}/disable`);
    toast(t("detail.disabled_toast"));
    ctx.frame.render();
  } catch (error) {
    toast(error.message, "error");
  }
}

async function enable(ctx, coupon) {
  try {
    await ctx.api.post(`/coupons/${coupon.id}/enable`);
    toast(t("detail.enabled_toast"));
    ctx.frame.render();
  } catch (error) {
    toast(error.message, "error");
  }
}

async function remove(ctx, coupon) {
  const ok = await confirmDialog({ title: t("detail.delete_title"), body: t("detail.delete_body"), confirmLabel: t("detail.delete"), danger: true });
  if (!ok) return;
  try {
    await ctx.api.del(`/coupons/${coupon.id}`);
    toast(t("detail.deleted_toast"));
    ctx.navigate("/coupons");
  } catch (error) {
    if (error.code === "has_redemptions" && coupon.status === "active") {
      const instead = await confirmDialog({ title: t("detail.delete_refused_title"), body: error.message, confirmLabel: t("detail.disable_instead") });
      if (instead) {
        await ctx.api.post(`/coupons/${coupon.id}/disable`);
        toast(t("detail.disabled_toast"));
        ctx.frame.render();
      }
      return;
    }
    await confirmDialog({ title: t("detail.delete_refused_title"), body: error.message, confirmLabel: t("common.close") });
  }
}

// --- overview --------------------------------------------------------------------------------------
function stat(label, value) {
  return h("div", { class: "stat" }, h("div", { class: "label" }, label), h("div", { class: "value" }, value));
}

async function overview(ctx, coupon, panel) {
  const usage = coupon.usage || {};
  const conditions = coupon.rule.conditions || {};
  const discount = (usage.discount || []).map((d) => formatMoney(d.amount, d.currency)).join(" + ") || formatMoney("0", conditions.currency || "EUR");
  panel.append(
    h(
      "div",
      { class: "stats" },
      stat(t("detail.uses"), formatNumber(usage.uses ?? 0)),
      stat(t("detail.uses_left"), usage.uses_left === null || usage.uses_left === undefined ? t("detail.unlimited") : formatNumber(usage.uses_left)),
      stat(t("detail.codes_count"), formatNumber(usage.codes_active ?? 0)),
      stat(t("detail.discount_given"), discount),
    ),
  );
  const mirrorText = {
    synced: t("detail.mirror.synced"),
    pending: t("detail.mirror.pending"),
    failed: t("detail.mirror.failed", { error: coupon.mirror_error }),
    not_expressible: t("detail.mirror.not_expressible"),
  }[coupon.mirror_state];
  const who = [];
  if (conditions.first_order_only) who.push(t("detail.first_order"));
  if (conditions.login_required) who.push(t("detail.login"));
  if ((conditions.customers || []).length) who.push(conditions.customers.join(", "));
  const lists = coupon.customer_lists || (conditions.customer_groups || []).map((key) => ({ key, name: key, id: null }));
  if (lists.length) {
    who.push(h("span", { class: "coupon-lists" }, t("detail.lists"), " ", lists.map((l, i) => [i ? ", " : "", l.id ? h("a", { href: `#/lists/${l.id}` }, l.name) : l.name])));
  }
  panel.append(
    h(
      "div",
      { class: "grid-2" },
      h(
        "section",
        { class: "card" },
        h("h2", null, t("detail.rule")),
        h(
          "dl",
          { class: "props" },
          h("dt", null, t("coupons.col.discount")),
          h("dd", null, benefitSummary(coupon.rule)),
          h("dt", null, t("coupons.col.validity")),
          h("dd", null, validityText(coupon)),
          h("dt", null, t("detail.channels")),
          h("dd", null, (conditions.channels || []).join(", ") || t("detail.all_channels")),
          h("dt", null, t("detail.min_subtotal")),
          h("dd", null, conditions.min_subtotal ? formatMoney(conditions.min_subtotal, conditions.currency) : t("common.none")),
          h("dt", null, t("detail.customers")),
          h("dd", null, who.length ? who.map((item, i) => [i ? " · " : "", item]) : t("detail.everyone")),
          h("dt", null, t("detail.per_customer")),
          h("dd", null, coupon.usage_limit_per_customer ? formatNumber(coupon.usage_limit_per_customer) : t("detail.unlimited")),
          h("dt", null, t("form.stacking_mode")),
          h("dd", null, t(`form.stacking.${coupon.rule.stacking || "exclusive"}`)),
        ),
      ),
      h(
        "section",
        { class: "card" },
        h("h2", null, t("detail.static_codes")),
        coupon.rule.requires_code === false
          ? h("p", { class: "muted" }, t("coupons.automatic"))
          : coupon.codes.length
            ? h("p", null, coupon.codes.map((code, i) => [i ? ", " : "", h("code", { class: "code" }, code)]))
            : h("p", { class: "muted" }, t("detail.no_static_codes")),
        h("h2", null, t("detail.mirror")),
        h("p", { class: coupon.mirror_state === "failed" ? "" : "muted" }, mirrorText || coupon.mirror_state),
        coupon.mirror_state === "failed"
          ? button(t("detail.resync"), async (event) => {
              event.currentTarget.disabled = true;
              try {
                await ctx.api.post(`/coupons/${coupon.id}/resync`);
                toast(t("detail.resynced"));
                ctx.frame.render();
              } catch (error) {
                toast(error.message, "error");
              }
            })
          : null,
        coupon.description ? [h("h2", null, t("form.description")), h("p", null, coupon.description)] : null,
      ),
    ),
  );
}

// --- codes -----------------------------------------------------------------------------------------
function batchRow(batch) {
  const status = { pending: "", running: "info", done: "success", failed: "critical" }[batch.status];
  const label = t("codes.batch_progress", { id: batch.id, generated: formatNumber(batch.generated), count: formatNumber(batch.count) });
  return h(
    "tr",
    { dataset: { batch: String(batch.id), status: batch.status } },
    h("td", null, `#${batch.id}`, h("div", { class: "muted small" }, `${batch.prefix}${batch.pattern}${batch.suffix}`)),
    h("td", null, progressBar(batch.progress, label), h("div", { class: "muted small batch-label" }, label)),
    h("td", null, pill(t(`codes.batch.${batch.status}`), status), batch.error ? h("div", { class: "small" }, batch.error) : null),
    h("td", null, formatDateTime(batch.created_at)),
  );
}

async function codes(ctx, coupon, panel) {
  const { api } = ctx;
  if (coupon.rule.requires_code === false) {
    panel.append(emptyState({ title: t("coupons.automatic"), text: t("detail.no_static_codes") }));
    return;
  }
  // Generate
  const count = field({ name: "count", label: t("codes.count"), kind: "number", value: "100", min: "1", step: "1", required: true });
  const pattern = field({ name: "pattern", label: t("codes.pattern"), value: "####-####", required: true, attrs: { spellcheck: "false" } });
  const prefix = field({ name: "prefix", label: t("codes.prefix"), value: "", attrs: { spellcheck: "false", autocapitalize: "characters" } });
  const suffix = field({ name: "suffix", label: t("codes.suffix"), value: "", attrs: { spellcheck: "false", autocapitalize: "characters" } });
  const uses = field({ name: "uses_per_code", label: t("codes.uses_per_code"), kind: "number", value: "1", min: "1", step: "1" });
  const generateMessages = h("div", { "aria-live": "polite" });
  const generateButton = button(t("codes.start"), null, { kind: "primary", type: "submit" });
  const generateForm = h(
    "form",
    { class: "card generate-form", novalidate: true },
    h("h2", null, t("codes.generate")),
    h("p", { class: "muted small" }, t("codes.generate_hint")),
    generateMessages,
    h("div", { class: "grid-3" }, count, pattern, uses, prefix, suffix),
    h("div", { class: "row" }, generateButton),
  );

  // Batches
  const batchBody = h("tbody");
  const batchesCard = h(
    "section",
    { class: "card" },
    h("h2", null, t("codes.batches")),
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { class: "data batches" },
        h("thead", null, h("tr", null, ["codes.col.batch", "codes.col.progress", "codes.col.status", "codes.col.created"].map((key) => h("th", { scope: "col" }, t(key))))),
        batchBody,
      ),
    ),
  );
  let timer = null;
  ctx.onCleanup(() => clearTimeout(timer));
  const renderBatches = (batches) => {
    clear(batchBody);
    if (!batches.length) batchBody.append(h("tr", null, h("td", { colspan: "4", class: "muted" }, t("codes.no_batches"))));
    batches.forEach((batch) => batchBody.append(batchRow(batch)));
  };
  let batches = (await api.get(`/coupons/${coupon.id}/batches`)).results;
  if (!ctx.alive()) return;
  renderBatches(batches);
  let refreshCodes = () => {};
  const poll = async () => {
    const open = batches.filter((b) => b.status === "pending" || b.status === "running");
    if (!open.length || !ctx.alive()) return;
    try {
      const fresh = await Promise.all(open.map((b) => api.get(`/batches/${b.id}`)));
      if (!ctx.alive()) return;
      const byId = new Map(fresh.map((b) => [b.id, b]));
      const finished = fresh.some((b) => b.status === "done");
      batches = batches.map((b) => byId.get(b.id) || b);
      renderBatches(batches);
      if (finished) refreshCodes();
    } catch (error) {
      if (error.status !== 0) {
        toast(error.message, "error");
        return;
      }
    }
    timer = setTimeout(poll, POLL_MS);
  };
  timer = setTimeout(poll, POLL_MS);

  generateForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear(generateMessages);
    showFieldErrors(generateForm, {});
    generateButton.disabled = true;
    try {
      const batch = await api.post(`/coupons/${coupon.id}/batches`, {
        count: Number(count.input.value),
        pattern: pattern.input.value.trim(),
        prefix: prefix.input.value.trim(),
        suffix: suffix.input.value.trim(),
        uses_per_code: Number(uses.input.value || 1),
      });
      toast(t("codes.batch_started", { count: formatNumber(batch.count) }));
      batches = [batch, ...batches];
      renderBatches(batches);
      clearTimeout(timer);
      timer = setTimeout(poll, POLL_MS);
    } catch (error) {
      const unmatched = showFieldErrors(generateForm, normaliseFieldErrors(error));
      if (unmatched.length || !Object.keys(normaliseFieldErrors(error)).length) {
        generateMessages.append(banner("critical", unmatched.length ? unmatched.join(" ") : error.message));
      }
    } finally {
      generateButton.disabled = false;
    }
  });

  // Export / import
  const importForm = csvCard({
    api, hint: t("codes.import_hint"), exportPath: `/coupons/${coupon.id}/codes.csv`,
    exportName: `coupon-${coupon.id}-codes.csv`, exportClass: "export-codes",
    importPath: `/coupons/${coupon.id}/codes/import`,
    imported: (result) => t("codes.imported", { n: formatNumber(result.created) }),
    after: async () => refreshCodes(),
  });

  // Codes list
  const codesCard = h("section", { class: "card" }, h("h2", null, t("codes.list")));
  const codeSearch = field({ name: "code-search", label: t("codes.search"), kind: "search", attrs: { spellcheck: "false", autocomplete: "off" } });
  const codesResult = h("div", { "aria-live": "polite" });
  let codePage = 1;
  refreshCodes = async () => {
    const data = await api.get(`/coupons/${coupon.id}/codes`, { q: codeSearch.input.value.trim(), page: codePage });
    if (!ctx.alive()) return;
    clear(codesResult);
    if (!data.results.length) {
      codesResult.append(h("p", { class: "muted" }, codeSearch.input.value.trim() ? t("codes.empty_search") : t("codes.empty")));
      return;
    }
    codesResult.append(
      table({
        caption: t("codes.list"),
        columns: [
          { label: t("codes.col.code"), render: (c) => h("code", null, c.code) },
          { label: t("codes.col.kind"), render: (c) => t(`codes.kind.${c.kind}`) },
          { label: t("codes.col.assigned"), render: (c) => c.assigned_customer || "—" },
          { label: t("codes.col.limit"), class: "num", render: (c) => (c.usage_limit ? formatNumber(c.usage_limit) : t("detail.unlimited")) },
          { label: t("codes.col.active"), render: (c) => (c.is_active ? t("common.yes") : t("common.no")) },
        ],
        rows: data.results,
      }),
      pagination({ page: data.page, hasNext: data.has_next, onPage: (page) => { codePage = page; refreshCodes(); } }),
    );
  };
  codesCard.append(
    h("form", { class: "toolbar", role: "search", onsubmit: (event) => { event.preventDefault(); codePage = 1; refreshCodes(); } }, codeSearch, button(t("common.search"), null, { type: "submit" })),
    codesResult,
  );
  panel.append(generateForm, batchesCard, importForm, codesCard);
  await refreshCodes();
}

// --- usage -----------------------------------------------------------------------------------------
async function usage(ctx, coupon, panel) {
  const { api, query } = ctx;
  const customer = field({ name: "customer", label: t("usage.customer"), kind: "search", value: query.customer || "", attrs: { autocomplete: "off" } });
  customer.classList.add("grow");
  const state = field({
    name: "state",
    label: t("usage.state"),
    kind: "select",
    value: query.state || "",
    options: [["", t("common.all")], ["active", t("usage.state.active")], ["released", t("usage.state.released")]],
  });
  const apply = () => ctx.setQuery({ customer: customer.input.value.trim(), state: state.input.value });
  state.input.addEventListener("change", apply);
  const exportButton = button(t("usage.export"), async () => {
    try {
      const file = await api.download(`/coupons/${coupon.id}/usage.csv`, { state: query.state }, `coupon-${coupon.id}-usage.csv`);
      toast(t("codes.exported", { name: file.name }));
    } catch (error) {
      toast(error.message, "error");
    }
  });
  panel.append(
    h(
      "form",
      { class: "toolbar", role: "search", onsubmit: (event) => { event.preventDefault(); apply(); } },
      customer,
      state,
      button(t("common.search"), null, { type: "submit" }),
      exportButton,
    ),
  );
  const results = h("div", { "aria-live": "polite" }, loading());
  panel.append(results);
  const page = Number(query.page || 1);
  let data;
  try {
    data = await api.get(`/coupons/${coupon.id}/usage`, { customer: query.customer, state: query.state, page });
  } catch (error) {
    if (ctx.alive()) clear(results).append(errorBanner(error, () => ctx.frame.render()));
    return;
  }
  if (!ctx.alive()) return;
  clear(results);
  if (!data.results.length && page === 1) {
    results.append(emptyState({ title: query.customer || query.state ? t("usage.empty_filtered") : t("usage.empty") }));
    return;
  }
  const reasonText = (r) => t(`usage.reason.${r.release_reason}`) === `usage.reason.${r.release_reason}` ? r.release_reason : t(`usage.reason.${r.release_reason}`);
  results.append(
    table({
      caption: t("usage.title"),
      columns: [
        { label: t("usage.col.customer"), render: (r) => r.customer_email || r.customer_id || t("usage.guest") },
        { label: t("usage.col.code"), render: (r) => h("code", null, r.code) },
        { label: t("usage.col.amount"), class: "num", render: (r) => formatMoney(r.amount, r.currency) },
        { label: t("usage.col.date"), render: (r) => formatDateTime(r.created_at, { compact: true }) },
        { label: t("usage.col.order"), render: (r) => orderLink(ctx.bridge, r.order_id, r.order_number) },
        {
          label: t("usage.col.state"),
          render: (r) =>
            r.state === "active"
              ? pill(t("usage.state.active"), "success")
              : h("div", null, pill(t("usage.state.released")), h("div", { class: "muted small" }, t("usage.released", { date: formatDateTime(r.released_at), reason: reasonText(r) }))),
        },
        {
          label: t("usage.col.actions"),
          class: "actions",
          render: (r) => (r.state === "active" ? button(t("usage.cancel"), () => cancelUsage(ctx, r), { class: "btn-small cancel-usage" }) : null),
        },
      ],
      rows: data.results.map((r) => ({ ...r, __data: { usage: String(r.id) } })),
    }),
    pagination({ page: data.page, hasNext: data.has_next, onPage: (p) => ctx.setQuery({ ...query, page: p }) }),
  );
}

async function cancelUsage(ctx, redemption) {
  const who = redemption.customer_email || redemption.customer_id || t("usage.guest");
  const ok = await confirmDialog({
    title: t("usage.cancel_title"),
    body: t("usage.cancel_body", { customer: who, order: redemption.order_number || redemption.order_id }),
    confirmLabel: t("usage.cancel"),
    danger: true,
  });
  if (!ok) return;
  try {
    await ctx.api.post(`/usage/${redemption.id}/cancel`);
    toast(t("usage.cancelled"));
    ctx.frame.render();
  } catch (error) {
    toast(error.message, "error");
  }
}

// --- history ---------------------------------------------------------------------------------------
function flatten(value, prefix, out) {
  if (value && typeof value === "object" && !Array.isArray(value)) {
    Object.entries(value).forEach(([key, inner]) => flatten(inner, prefix ? `${prefix}.${key}` : key, out));
  } else {
    out[prefix] = value;
  }
  return out;
}

function show(value) {
  if (value === null || value === undefined || value === "" || (Array.isArray(value) && !value.length)) return t("history.empty_value");
  return Array.isArray(value) ? value.join(", ") : String(value);
}

function changeLines(changes) {
  const lines = [];
  Object.entries(changes || {}).forEach(([name, change]) => {
    const before = flatten(change.before, name, {});
    const after = flatten(change.after, name, {});
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    keys.forEach((key) => {
      if (JSON.stringify(before[key]) === JSON.stringify(after[key])) return;
      lines.push(h("li", { class: "history-change" }, h("code", null, key), ": ", change.before === null ? null : [h("del", null, show(before[key])), " → "], h("ins", null, show(after[key]))));
    });
  });
  return lines;
}

async function history(ctx, coupon, panel) {
  const page = Number(ctx.query.page || 1);
  const data = await ctx.api.get(`/coupons/${coupon.id}/history`, { page });
  if (!ctx.alive()) return;
  if (!data.results.length) {
    panel.append(emptyState({ title: t("history.empty") }));
    return;
  }
  panel.append(
    h("h2", null, t("history.title")),
    table({
      caption: t("history.title"),
      columns: [
        { label: t("usage.col.date"), render: (r) => h("div", null, formatDateTime(r.created_at), h("div", { class: "muted small" }, t("history.version", { version: r.version }))) },
        { label: t("coupons.col.actions"), render: (r) => h("div", null, t(`history.action.${r.action}`), r.actor ? h("div", { class: "muted small" }, t("history.by", { actor: r.actor })) : null) },
        { label: t("detail.tab.history"), render: (r) => h("ul", { class: "plain" }, r.action === "created" ? h("li", { class: "history-change" }, benefitSummary((r.changes.rule && r.changes.rule.after) || coupon.rule)) : changeLines(r.changes)) },
      ],
      rows: data.results,
    }),
    pagination({ page: data.page, hasNext: data.has_next, onPage: (p) => ctx.setQuery({ page: p }) }),
  );
}
