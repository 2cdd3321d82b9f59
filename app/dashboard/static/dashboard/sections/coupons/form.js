// Create / edit a coupon: every field of the engine's rule (conditions, benefit, stacking), with the
// API's validation errors shown beside each field.

import { t } from "../../i18n.js";
import { banner, button, clear, field, h, nextId, pageHeader, showFieldErrors, toast, withError } from "../../ui.js";
import { normaliseFieldErrors, splitList } from "./common.js";
import { membersText } from "./lists.js";

const KINDS = ["percentage", "fixed_amount", "fixed_per_unit", "shipping", "buy_x_get_y", "gift", "tiered"];
const ID_LISTS = ["product_ids", "variant_ids", "category_ids", "collection_ids", "product_type_ids"];

function toLocalInput(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function fromLocalInput(value) {
  if (!value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toISOString();
}

function text(input) {
  return input.value.trim();
}

// Decimal amounts travel as strings ("12.50"); a French decimal comma is accepted.
function decimal(input) {
  const value = text(input).replace(",", ".");
  return value === "" ? null : value;
}

function integer(input) {
  const value = text(input);
  if (value === "") return null;
  const number = Number(value);
  return Number.isInteger(number) ? number : value;
}

function keyValuesToText(map) {
  return Object.entries(map || {})
    .map(([key, values]) => (values && values.length ? `${key}=${values.join("|")}` : key))
    .join("\n");
}

function textToKeyValues(value) {
  const out = {};
  String(value || "")
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean)
    .forEach((line) => {
      const [key, rest = ""] = line.split("=");
      out[key.trim()] = rest
        .split("|")
        .map((v) => v.trim())
        .filter(Boolean);
    });
  return out;
}

function listField(name, label, values, hint) {
  return field({ name, label, kind: "textarea", value: (values || []).join("\n"), hint, attrs: { rows: "2", spellcheck: "false" } });
}

// "Customer lists": one checkbox per list of the installation (names shown, keys stored in
// conditions.customer_groups). A key the rule names but no list has any more stays listed, ticked, so the
// merchant sees it and can untick it.
function listChoice(lists, selected, failed) {
  const hintId = nextId("lists-hint");
  const errorId = nextId("lists-error");
  const known = new Set(lists.map((l) => l.key));
  const items = [
    ...lists.map((l) => ({ key: l.key, name: l.name, hint: membersText(l.members_count) })),
    ...(selected || []).filter((key) => !known.has(key)).map((key) => ({ key, name: key, hint: t("form.customer_lists_missing") })),
  ];
  const boxes = items.map((item) => {
    const id = nextId("list");
    const input = h("input", { id, type: "checkbox", name: "customer_groups", value: item.key, checked: (selected || []).includes(item.key) });
    return h("div", { class: "check" }, input, h("label", { for: id }, item.name, h("span", { class: "hint" }, item.hint)));
  });
  const wrap = h(
    "fieldset",
    { class: "field list-choice", dataset: { field: "rule.conditions.customer_groups" }, "aria-describedby": hintId },
    h("legend", { class: "label" }, t("form.customer_groups")),
    failed ? banner("warning", t("form.customer_lists_failed", { message: failed.message })) : null,
    boxes.length ? h("div", { class: "stack" }, boxes) : h("p", { class: "muted small" }, t("form.customer_lists_none")),
    h("div", { class: "hint", id: hintId }, t("form.customer_groups_hint"), " ", h("a", { href: "#/lists" }, t("form.customer_lists_manage"))),
    h("div", { class: "error", id: errorId, hidden: true }),
  );
  withError(wrap, wrap, errorId); // the error is announced on the group of checkboxes
  wrap.input = wrap.querySelector("input") || wrap.querySelector("a"); // what focus goes to
  wrap.selected = () => [...wrap.querySelectorAll('input[name="customer_groups"]:checked')].map((input) => input.value);
  return wrap;
}

function omitEmpty(object) {
  return Object.fromEntries(
    Object.entries(object).filter(([, v]) => v !== null && v !== undefined && v !== "" && !(Array.isArray(v) && !v.length) && !(typeof v === "object" && !Array.isArray(v) && !Object.keys(v).length)),
  );
}

export async function couponForm(ctx, id) {
  const { root, api } = ctx;
  let coupon = null;
  let listsFailed = null;
  const listsCall = api.get("/lists/choices").then((data) => data.results, (error) => {
    listsFailed = error;
    return [];
  });
  if (id) {
    coupon = await api.get(`/coupons/${encodeURIComponent(id)}`);
    if (!ctx.alive()) return;
  }
  const lists = await listsCall;
  if (!ctx.alive()) return;
  const rule = (coupon && coupon.rule) || { benefit: { kind: "percentage" }, conditions: {} };
  const c = rule.conditions || {};
  const b = rule.benefit || { kind: "percentage" };
  const f = {}; // every field, by name

  root.append(
    pageHeader({
      title: coupon ? t("form.edit_title", { name: coupon.name }) : t("form.new_title"),
      back: coupon ? { href: `#/coupons/${coupon.id}`, label: t("form.back_coupon") } : { href: "#/coupons", label: t("form.back_list") },
    }),
  );
  const messages = h("div", { "aria-live": "assertive" });

  // --- general ---
  f.name = field({ name: "name", label: t("form.name"), value: coupon?.name, hint: t("form.name_hint"), required: true, attrs: { maxlength: "255" } });
  f.description = field({ name: "description", label: t("form.description"), kind: "textarea", value: coupon?.description, attrs: { rows: "2" } });
  f.status = field({
    name: "status",
    label: t("form.status"),
    kind: "select",
    value: coupon?.status || "active",
    options: [["active", t("coupons.status.active")], ["disabled", t("coupons.status.disabled")]],
  });
  f.requires_code = field({ name: "rule.requires_code", label: t("form.requires_code"), kind: "checkbox", value: rule.requires_code !== false, hint: t("form.requires_code_hint") });
  f.codes = field({ name: "codes", label: t("form.codes"), kind: "textarea", value: (coupon?.codes || []).join("\n"), hint: t("form.codes_hint"), attrs: { rows: "3", spellcheck: "false", autocapitalize: "characters" } });
  f.usage_limit = field({ name: "usage_limit", label: t("form.usage_limit"), kind: "number", value: coupon?.usage_limit ?? "", hint: t("form.usage_limit_hint"), min: "1", step: "1" });
  f.usage_limit_per_customer = field({ name: "usage_limit_per_customer", label: t("form.usage_limit_per_customer"), kind: "number", value: coupon?.usage_limit_per_customer ?? "", hint: t("form.usage_limit_per_customer_hint"), min: "1", step: "1" });
  const syncCodes = () => {
    f.codes.hidden = !f.requires_code.input.checked;
  };
  f.requires_code.input.addEventListener("change", syncCodes);
  syncCodes();

  // --- benefit ---
  const bv = (kind, key, fallback = "") => (b.kind === kind && b[key] !== undefined && b[key] !== null ? b[key] : fallback);
  f.kind = field({ name: "rule.benefit.kind", label: t("form.kind"), kind: "select", value: b.kind, options: KINDS.map((k) => [k, t(`form.kind.${k}`)]) });
  const applyOptions = [["eligible", t("form.apply_to.eligible")], ["order", t("form.apply_to.order")]];
  const k = {};
  k.percentage = {
    percent: field({ name: "rule.benefit.percent", label: t("form.percent"), kind: "number", value: bv("percentage", "percent"), min: "0", max: "100", step: "any" }),
    apply_to: field({ name: "rule.benefit.apply_to", label: t("form.apply_to"), kind: "select", value: bv("percentage", "apply_to", "eligible"), options: applyOptions }),
    max_discount: field({ name: "rule.benefit.max_discount", label: t("form.max_discount"), kind: "number", value: bv("percentage", "max_discount"), min: "0", step: "any" }),
  };
  k.fixed_amount = {
    amount: field({ name: "rule.benefit.amount", label: t("form.amount"), kind: "number", value: bv("fixed_amount", "amount"), min: "0", step: "any" }),
    apply_to: field({ name: "rule.benefit.apply_to", label: t("form.apply_to"), kind: "select", value: bv("fixed_amount", "apply_to", "eligible"), options: applyOptions }),
  };
  k.fixed_per_unit = {
    amount: field({ name: "rule.benefit.amount", label: t("form.amount"), kind: "number", value: bv("fixed_per_unit", "amount"), min: "0", step: "any" }),
  };
  k.shipping = {
    percent: field({ name: "rule.benefit.percent", label: t("form.shipping_percent"), kind: "number", value: bv("shipping", "percent", "100"), hint: t("form.shipping_percent_hint"), min: "0", max: "100", step: "any" }),
    amount: field({ name: "rule.benefit.amount", label: t("form.shipping_amount"), kind: "number", value: bv("shipping", "amount"), min: "0", step: "any" }),
  };
  k.buy_x_get_y = {
    buy_quantity: field({ name: "rule.benefit.buy_quantity", label: t("form.buy_quantity"), kind: "number", value: bv("buy_x_get_y", "buy_quantity", "2"), min: "1", step: "1" }),
    get_quantity: field({ name: "rule.benefit.get_quantity", label: t("form.get_quantity"), kind: "number", value: bv("buy_x_get_y", "get_quantity", "1"), min: "1", step: "1" }),
    percent: field({ name: "rule.benefit.percent", label: t("form.get_percent"), kind: "number", value: bv("buy_x_get_y", "percent", "100"), hint: t("form.get_percent_hint"), min: "0", max: "100", step: "any" }),
    max_applications: field({ name: "rule.benefit.max_applications", label: t("form.max_applications"), kind: "number", value: bv("buy_x_get_y", "max_applications"), min: "1", step: "1" }),
    get_product_ids: listField("rule.benefit.get_product_ids", t("form.get_product_ids"), bv("buy_x_get_y", "get_product_ids", []), t("form.get_hint")),
    get_variant_ids: listField("rule.benefit.get_variant_ids", t("form.get_variant_ids"), bv("buy_x_get_y", "get_variant_ids", [])),
    get_category_ids: listField("rule.benefit.get_category_ids", t("form.get_category_ids"), bv("buy_x_get_y", "get_category_ids", [])),
  };
  k.gift = {
    variant_id: field({ name: "rule.benefit.variant_id", label: t("form.gift_variant"), value: bv("gift", "variant_id"), attrs: { spellcheck: "false" } }),
    quantity: field({ name: "rule.benefit.quantity", label: t("form.gift_quantity"), kind: "number", value: bv("gift", "quantity", "1"), min: "1", step: "1" }),
    value: field({ name: "rule.benefit.value", label: t("form.gift_value"), kind: "number", value: bv("gift", "value"), hint: t("form.gift_value_hint"), min: "0", step: "any" }),
  };
  k.tiered = {
    basis: field({ name: "rule.benefit.basis", label: t("form.basis"), kind: "select", value: bv("tiered", "basis", "subtotal"), options: [["subtotal", t("form.basis.subtotal")], ["quantity", t("form.basis.quantity")]] }),
    apply_to: field({ name: "rule.benefit.apply_to", label: t("form.apply_to"), kind: "select", value: bv("tiered", "apply_to", "eligible"), options: applyOptions }),
  };
  const tierRows = h("div", { class: "tiers" });
  const tiers = [];
  const renumberTiers = () => {
    clear(tierRows);
    tiers.forEach((tier, i) => {
      tier.threshold.dataset.field = `rule.benefit.tiers.${i}.threshold`;
      tier.percent.dataset.field = `rule.benefit.tiers.${i}.percent`;
      tier.amount.dataset.field = `rule.benefit.tiers.${i}.amount`;
      tier.remove.setAttribute("aria-label", t("form.tier_remove", { n: i + 1 }));
      tierRows.append(tier.row);
    });
  };
  const addTier = (tier = {}) => {
    const entry = {
      threshold: field({ name: "tier-threshold", label: t("form.tier_threshold"), kind: "number", value: tier.threshold ?? "", min: "0", step: "any" }),
      percent: field({ name: "tier-percent", label: t("form.tier_percent"), kind: "number", value: tier.percent ?? "", min: "0", max: "100", step: "any" }),
      amount: field({ name: "tier-amount", label: t("form.tier_amount"), kind: "number", value: tier.amount ?? "", min: "0", step: "any" }),
    };
    entry.remove = button("×", () => {
      tiers.splice(tiers.indexOf(entry), 1);
      renumberTiers();
    });
    entry.row = h("div", { class: "tiers-row" }, entry.threshold, entry.percent, entry.amount, entry.remove);
    tiers.push(entry);
    renumberTiers();
  };
  (b.kind === "tiered" ? b.tiers || [] : []).forEach(addTier);
  if (!tiers.length) addTier();
  const kindPanels = {};
  KINDS.forEach((kind) => {
    const fields = Object.values(k[kind]);
    kindPanels[kind] = h(
      "div",
      { class: "grid-2", dataset: { kind } },
      fields,
      kind === "tiered" ? h("div", { class: "field tiers-field" }, h("span", { class: "label" }, t("form.tiers")), tierRows, button(t("form.tier_add"), () => addTier(), { class: "btn-small" })) : null,
    );
  });
  const syncKind = () => {
    KINDS.forEach((kind) => {
      kindPanels[kind].hidden = kind !== f.kind.input.value;
    });
  };
  f.kind.input.addEventListener("change", syncKind);
  syncKind();

  // --- validity and conditions ---
  f.starts_at = field({ name: "rule.conditions.starts_at", label: t("form.starts_at"), kind: "datetime-local", value: toLocalInput(c.starts_at) });
  f.ends_at = field({ name: "rule.conditions.ends_at", label: t("form.ends_at"), kind: "datetime-local", value: toLocalInput(c.ends_at), hint: t("form.ends_at_hint") });
  f.channels = listField("rule.conditions.channels", t("form.channels"), c.channels, t("form.channels_hint"));
  f.currency = field({ name: "rule.conditions.currency", label: t("form.currency"), value: c.currency || "", hint: t("form.currency_hint"), attrs: { maxlength: "3", autocapitalize: "characters", spellcheck: "false" } });
  f.min_subtotal = field({ name: "rule.conditions.min_subtotal", label: t("form.min_subtotal"), kind: "number", value: c.min_subtotal ?? "", min: "0", step: "any" });
  f.subtotal_scope = field({ name: "rule.conditions.subtotal_scope", label: t("form.subtotal_scope"), kind: "select", value: c.subtotal_scope || "cart", options: [["cart", t("form.subtotal_scope.cart")], ["eligible", t("form.subtotal_scope.eligible")]] });
  f.min_quantity = field({ name: "rule.conditions.min_quantity", label: t("form.min_quantity"), kind: "number", value: c.min_quantity ?? "", min: "1", step: "1" });
  ID_LISTS.forEach((name) => {
    f[name] = listField(`rule.conditions.${name}`, t(`form.${name}`), c[name]);
    f[`excluded_${name}`] = listField(`rule.conditions.excluded_${name}`, t(`form.${name}`), c[`excluded_${name}`]);
  });
  f.excluded_line_attributes = field({ name: "rule.conditions.excluded_line_attributes", label: t("form.excluded_line_attributes"), kind: "textarea", value: keyValuesToText(c.excluded_line_attributes), hint: t("form.key_values_hint"), attrs: { rows: "2", spellcheck: "false" } });
  f.excluded_line_metadata = field({ name: "rule.conditions.excluded_line_metadata", label: t("form.excluded_line_metadata"), kind: "textarea", value: keyValuesToText(c.excluded_line_metadata), hint: t("form.key_values_hint"), attrs: { rows: "2", spellcheck: "false" } });
  f.required_product_ids = listField("rule.conditions.required_product_ids", t("form.required_product_ids"), c.required_product_ids);
  f.required_variant_ids = listField("rule.conditions.required_variant_ids", t("form.required_variant_ids"), c.required_variant_ids);
  f.required_mode = field({ name: "rule.conditions.required_mode", label: t("form.required_mode"), kind: "select", value: c.required_mode || "all", options: [["all", t("form.required_mode.all")], ["any", t("form.required_mode.any")]] });
  f.first_order_only = field({ name: "rule.conditions.first_order_only", label: t("form.first_order_only"), kind: "checkbox", value: c.first_order_only, hint: t("form.first_order_only_hint") });
  f.login_required = field({ name: "rule.conditions.login_required", label: t("form.login_required"), kind: "checkbox", value: c.login_required });
  f.customers = listField("rule.conditions.customers", t("form.customer_list"), c.customers, t("form.customer_list_hint"));
  f.customer_groups = listChoice(lists, c.customer_groups, listsFailed);
  f.stacking = field({ name: "rule.stacking", label: t("form.stacking_mode"), kind: "select", value: rule.stacking || "exclusive", options: [["exclusive", t("form.stacking.exclusive")], ["cumulative", t("form.stacking.cumulative")]] });
  f.cascade = field({ name: "rule.cascade", label: t("form.cascade"), kind: "checkbox", value: rule.cascade, hint: t("form.cascade_hint") });
  f.priority = field({ name: "rule.priority", label: t("form.priority"), kind: "number", value: rule.priority ?? 0, hint: t("form.priority_hint"), step: "1" });

  const hasAny = (...names) => names.some((name) => {
    const v = c[name];
    return Array.isArray(v) ? v.length : v && typeof v === "object" ? Object.keys(v).length : Boolean(v);
  });
  const section = (legend, hint, open, ...children) =>
    h("details", { class: "more", open: open || null }, h("summary", null, legend), hint ? h("p", { class: "muted small" }, hint) : null, h("div", { class: "grid-2" }, children));

  const submit = button(coupon ? t("common.save") : t("form.save_new"), null, { kind: "primary", type: "submit" });
  const form = h(
    "form",
    { class: "coupon-form", novalidate: true },
    messages,
    h("fieldset", { class: "card" }, h("legend", null, t("form.general")), h("div", { class: "grid-2" }, f.name, f.status), f.description, h("div", { class: "stack" }, f.requires_code, f.codes), h("div", { class: "grid-2" }, f.usage_limit, f.usage_limit_per_customer)),
    h("fieldset", { class: "card" }, h("legend", null, t("form.benefit")), h("div", { class: "grid-2" }, f.kind), h("div", { class: "stack" }, Object.values(kindPanels))),
    h("fieldset", { class: "card" }, h("legend", null, t("form.validity")), h("div", { class: "grid-2" }, f.starts_at, f.ends_at)),
    h(
      "fieldset",
      { class: "card" },
      h("legend", null, t("form.conditions")),
      h("div", { class: "grid-2" }, f.currency, f.channels, f.min_subtotal, f.subtotal_scope, f.min_quantity),
      section(t("form.products"), t("form.products_hint"), hasAny(...ID_LISTS), ID_LISTS.map((n) => f[n])),
      section(t("form.exclusions"), t("form.exclusions_hint"), hasAny(...ID_LISTS.map((n) => `excluded_${n}`), "excluded_line_attributes", "excluded_line_metadata"), ID_LISTS.map((n) => f[`excluded_${n}`]), f.excluded_line_attributes, f.excluded_line_metadata),
      section(t("form.required"), t("form.required_hint"), hasAny("required_product_ids", "required_variant_ids"), f.required_product_ids, f.required_variant_ids, f.required_mode),
      section(t("form.customers"), null, hasAny("first_order_only", "login_required", "customers", "customer_groups"), f.first_order_only, f.login_required, f.customers, f.customer_groups),
    ),
    h("fieldset", { class: "card" }, h("legend", null, t("form.stacking")), h("div", { class: "grid-2" }, f.stacking, f.priority), f.cascade),
    h("div", { class: "form-actions" }, h("a", { class: "btn", href: coupon ? `#/coupons/${coupon.id}` : "#/coupons" }, t("common.cancel")), submit),
  );
  root.append(form);

  function collectBenefit() {
    const kind = f.kind.input.value;
    const p = k[kind];
    const benefit = { kind };
    if (kind === "percentage") Object.assign(benefit, { percent: decimal(p.percent.input), apply_to: p.apply_to.input.value, max_discount: decimal(p.max_discount.input) });
    if (kind === "fixed_amount") Object.assign(benefit, { amount: decimal(p.amount.input), apply_to: p.apply_to.input.value });
    if (kind === "fixed_per_unit") Object.assign(benefit, { amount: decimal(p.amount.input) });
    if (kind === "shipping") Object.assign(benefit, { percent: decimal(p.percent.input), amount: decimal(p.amount.input) });
    if (kind === "buy_x_get_y") {
      Object.assign(benefit, {
        buy_quantity: integer(p.buy_quantity.input),
        get_quantity: integer(p.get_quantity.input),
        percent: decimal(p.percent.input),
        max_applications: integer(p.max_applications.input),
        get_product_ids: splitList(p.get_product_ids.input.value),
        get_variant_ids: splitList(p.get_variant_ids.input.value),
        get_category_ids: splitList(p.get_category_ids.input.value),
      });
    }
    if (kind === "gift") Object.assign(benefit, { variant_id: text(p.variant_id.input), quantity: integer(p.quantity.input), value: decimal(p.value.input) });
    if (kind === "tiered") {
      Object.assign(benefit, {
        basis: p.basis.input.value,
        apply_to: p.apply_to.input.value,
        tiers: tiers.map((tier) => omitEmpty({ threshold: decimal(tier.threshold.input), percent: decimal(tier.percent.input), amount: decimal(tier.amount.input) })),
      });
    }
    return omitEmpty(benefit);
  }

  function collect() {
    const conditions = {
      starts_at: fromLocalInput(f.starts_at.input.value),
      ends_at: fromLocalInput(f.ends_at.input.value),
      channels: splitList(f.channels.input.value),
      currency: text(f.currency.input).toUpperCase() || null,
      min_subtotal: decimal(f.min_subtotal.input),
      subtotal_scope: f.subtotal_scope.input.value,
      min_quantity: integer(f.min_quantity.input),
      excluded_line_attributes: textToKeyValues(f.excluded_line_attributes.input.value),
      excluded_line_metadata: textToKeyValues(f.excluded_line_metadata.input.value),
      required_product_ids: splitList(f.required_product_ids.input.value),
      required_variant_ids: splitList(f.required_variant_ids.input.value),
      required_mode: f.required_mode.input.value,
      first_order_only: f.first_order_only.input.checked,
      login_required: f.login_required.input.checked,
      customers: splitList(f.customers.input.value),
      customer_groups: f.customer_groups.selected(),
    };
    ID_LISTS.forEach((name) => {
      conditions[name] = splitList(f[name].input.value);
      conditions[`excluded_${name}`] = splitList(f[`excluded_${name}`].input.value);
    });
    const requiresCode = f.requires_code.input.checked;
    const body = {
      name: text(f.name.input),
      description: text(f.description.input),
      status: f.status.input.value,
      usage_limit: integer(f.usage_limit.input),
      usage_limit_per_customer: integer(f.usage_limit_per_customer.input),
      codes: requiresCode ? splitList(f.codes.input.value) : [],
      rule: {
        requires_code: requiresCode,
        benefit: collectBenefit(),
        conditions: omitEmpty(conditions),
        stacking: f.stacking.input.value,
        cascade: f.cascade.input.checked,
        priority: integer(f.priority.input) ?? 0,
      },
    };
    if (coupon) body.version = coupon.version;
    return body;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear(messages);
    showFieldErrors(form, {});
    submit.disabled = true;
    try {
      const saved = coupon ? await api.put(`/coupons/${coupon.id}`, collect()) : await api.post("/coupons", collect());
      toast(coupon ? t("form.saved") : t("form.created"));
      ctx.navigate(`/coupons/${saved.id}`);
    } catch (error) {
      submit.disabled = false;
      if (error.code === "version_conflict") {
        messages.append(banner("warning", h("p", null, t("form.conflict")), button(t("form.reload"), () => ctx.frame.render(), { class: "btn-small" })));
        messages.scrollIntoView({ block: "nearest" });
        return;
      }
      const unmatched = showFieldErrors(form, normaliseFieldErrors(error));
      const fieldErrors = Object.keys(normaliseFieldErrors(error)).length;
      if (!fieldErrors || unmatched.length) {
        const list = unmatched.length ? h("ul", null, unmatched.map((m) => h("li", null, m))) : null;
        messages.append(banner("critical", h("p", null, fieldErrors ? t("common.fix_fields") : error.message), list));
        messages.scrollIntoView({ block: "nearest" });
      }
    }
  });
  f.name.input.focus();
}
