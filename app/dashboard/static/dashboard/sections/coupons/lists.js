// Customer lists: who a coupon can be reserved to (rule condition customer_groups, by the list's key).
// Pages: the lists (members, coupons using each), create, and one list: its details, its members (add,
// search, remove), CSV import / export, delete (refused while a coupon uses it).

import { formatDateTime, formatNumber, t } from "../../i18n.js";
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
  showFieldErrors,
  table,
  toast,
} from "../../ui.js";
import { csvCard, normaliseFieldErrors } from "./common.js";

// 409 name_taken belongs beside the name field; other refusals keep their field errors.
function listFieldErrors(error) {
  if (error.code === "name_taken") return { name: error.message };
  return normaliseFieldErrors(error);
}

function showFormError(form, messages, error) {
  const fields = listFieldErrors(error);
  const unmatched = showFieldErrors(form, fields);
  if (unmatched.length || !Object.keys(fields).length) {
    messages.append(banner("critical", unmatched.length ? unmatched.join(" ") : error.message));
  }
}

export function membersText(n) {
  return n === 1 ? t("lists.members_one") : t("lists.members_n", { n: formatNumber(n) });
}

function couponLinks(coupons) {
  if (!coupons || !coupons.length) return h("span", { class: "muted" }, "—");
  return h("span", null, coupons.map((c, i) => [i ? ", " : "", h("a", { href: `#/coupons/${c.id}` }, c.name)]));
}

// --- the lists ----------------------------------------------------------------------------------------
export async function listIndex(ctx) {
  const { root, api, query } = ctx;
  const filters = { q: query.q || "", page: Number(query.page || 1) };
  const create = () => ctx.navigate("/lists/new");
  root.append(pageHeader({ title: t("lists.title"), subtitle: t("lists.subtitle"), actions: [button(t("lists.create"), create, { kind: "primary" })] }));
  const search = field({ name: "q", label: t("lists.search"), kind: "search", value: filters.q, attrs: { autocomplete: "off" } });
  search.classList.add("grow");
  root.append(
    h(
      "form",
      { class: "toolbar", role: "search", onsubmit: (event) => { event.preventDefault(); ctx.setQuery({ q: search.input.value.trim() }); } },
      search,
      button(t("common.search"), null, { type: "submit" }),
    ),
  );
  const results = h("div", { "aria-live": "polite" }, loading());
  root.append(results);
  let data;
  try {
    data = await api.get("/lists", { q: filters.q, page: filters.page });
  } catch (error) {
    if (ctx.alive()) clear(results).append(errorBanner(error, () => ctx.frame.render()));
    return;
  }
  if (!ctx.alive()) return;
  clear(results);
  if (!data.results.length && filters.page === 1) {
    results.append(
      filters.q
        ? emptyState({ title: t("lists.empty_filtered"), action: button(t("coupons.clear_filters"), () => ctx.setQuery({})) })
        : emptyState({ title: t("lists.empty.title"), text: t("lists.empty.text"), action: button(t("lists.create"), create, { kind: "primary" }) }),
    );
    return;
  }
  results.append(
    table({
      caption: t("lists.title"),
      columns: [
        {
          label: t("lists.col.name"),
          render: (l) =>
            h("div", null, h("a", { href: `#/lists/${l.id}`, class: "coupon-link" }, l.name), h("div", { class: "muted small" }, l.description || t("lists.key_is", { key: l.key }))),
        },
        { label: t("lists.col.members"), class: "num", render: (l) => formatNumber(l.members_count) },
        { label: t("lists.col.coupons"), render: (l) => couponLinks(l.coupons) },
        {
          label: t("coupons.col.actions"),
          class: "actions",
          render: (l) => h("a", { class: "btn btn-small", href: `#/lists/${l.id}`, "aria-label": t("lists.open_label", { name: l.name }) }, t("lists.open")),
        },
      ],
      rows: data.results.map((l) => ({ ...l, __data: { list: String(l.id) } })),
    }),
    pagination({ page: data.page, hasNext: data.has_next, onPage: (page) => ctx.setQuery({ ...filters, page }) }),
  );
}

// --- create ---------------------------------------------------------------------------------------------
export async function listNew(ctx) {
  const { root, api } = ctx;
  root.append(pageHeader({ title: t("lists.new_title"), back: { href: "#/lists", label: t("lists.title") } }));
  const messages = h("div", { "aria-live": "assertive" });
  const name = field({ name: "name", label: t("lists.name"), hint: t("lists.name_hint"), required: true, attrs: { maxlength: "100", autocomplete: "off" } });
  const description = field({ name: "description", label: t("lists.description"), kind: "textarea", attrs: { rows: "2", maxlength: "2000" } });
  const submit = button(t("lists.create"), null, { kind: "primary", type: "submit" });
  const form = h(
    "form",
    { class: "list-form", novalidate: true },
    messages,
    h("fieldset", { class: "card" }, h("legend", null, t("lists.details")), name, description),
    h("div", { class: "form-actions" }, h("a", { class: "btn", href: "#/lists" }, t("common.cancel")), submit),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear(messages);
    showFieldErrors(form, {});
    if (!name.input.value.trim()) {
      showFieldErrors(form, { name: t("lists.name_needed") });
      return;
    }
    submit.disabled = true;
    try {
      const created = await api.post("/lists", { name: name.input.value.trim(), description: description.input.value.trim() });
      toast(t("lists.created", { name: created.name }));
      ctx.navigate(`/lists/${created.id}`);
    } catch (error) {
      submit.disabled = false;
      showFormError(form, messages, error);
    }
  });
  root.append(form);
  name.input.focus();
}

// --- one list -------------------------------------------------------------------------------------------
export async function listDetail(ctx) {
  const { root, api, params } = ctx;
  let list = await api.get(`/lists/${encodeURIComponent(params.id)}`);
  if (!ctx.alive()) return;
  const base = `/lists/${list.id}`;
  const countText = h("span", null);
  const setCount = (n) => {
    countText.textContent = membersText(n);
  };
  setCount(list.members_count);
  const refreshCount = async () => {
    try {
      list = await api.get(base);
      if (ctx.alive()) setCount(list.members_count);
    } catch {
      // the count is a convenience: the members table itself is up to date
    }
  };

  root.append(
    pageHeader({
      title: list.name,
      subtitle: h("span", null, t("lists.key_is", { key: list.key }), " · ", countText),
      back: { href: "#/lists", label: t("lists.title") },
      actions: [button(t("lists.delete"), () => removeList(ctx, list), { kind: "danger", class: "action-delete" })],
    }),
  );

  // Details (rename; the key stays) + the coupons using the list
  const detailMessages = h("div", { "aria-live": "polite" });
  const name = field({ name: "name", label: t("lists.name"), value: list.name, required: true, attrs: { maxlength: "100", autocomplete: "off" } });
  const description = field({ name: "description", label: t("lists.description"), kind: "textarea", value: list.description, attrs: { rows: "2", maxlength: "2000" } });
  const save = button(t("common.save"), null, { type: "submit" });
  const detailForm = h(
    "form",
    { class: "card list-details", novalidate: true },
    h("h2", null, t("lists.details")),
    detailMessages,
    h("div", { class: "stack" }, name, description, h("p", { class: "muted small" }, t("lists.key_hint", { key: list.key }))),
    h("div", { class: "row" }, save),
  );
  detailForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear(detailMessages);
    showFieldErrors(detailForm, {});
    save.disabled = true;
    try {
      list = await api.put(base, { name: name.input.value.trim(), description: description.input.value.trim() });
      toast(t("lists.saved"));
      const heading = root.querySelector(".page-header h1");
      if (heading) heading.textContent = list.name;
    } catch (error) {
      showFormError(detailForm, detailMessages, error);
    } finally {
      save.disabled = false;
    }
  });
  const usedBy = h(
    "section",
    { class: "card list-coupons" },
    h("h2", null, t("lists.used_by")),
    list.coupons.length
      ? h("ul", { class: "plain" }, list.coupons.map((c) => h("li", null, h("a", { href: `#/coupons/${c.id}` }, c.name), c.status === "disabled" ? h("span", { class: "muted small" }, ` (${t("coupons.status.disabled")})`) : null)))
      : h("p", { class: "muted" }, t("lists.used_by_none")),
    h("p", { class: "muted small" }, t("lists.used_by_hint")),
  );
  root.append(h("div", { class: "grid-2" }, detailForm, usedBy));

  // Add customers
  let refreshMembers = async () => {};
  const addMessages = h("div", { "aria-live": "polite" });
  const entries = field({ name: "members", label: t("lists.add_label"), kind: "textarea", hint: t("lists.add_hint"), attrs: { rows: "3", spellcheck: "false", autocomplete: "off" } });
  const addButton = button(t("lists.add"), null, { kind: "primary", type: "submit" });
  const addForm = h(
    "form",
    { class: "card add-members", novalidate: true },
    h("h2", null, t("lists.add_title")),
    addMessages,
    h("div", { class: "stack" }, entries, h("div", { class: "row" }, addButton)),
  );
  addForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear(addMessages);
    entries.setError("");
    const members = String(entries.input.value || "").split(/[\n,;]+/).map((v) => v.trim()).filter(Boolean);
    if (!members.length) {
      entries.setError(t("lists.add_empty"));
      entries.input.focus();
      return;
    }
    addButton.disabled = true;
    try {
      const result = await api.post(`${base}/members`, { members });
      const summary = t("lists.added", { added: formatNumber(result.added), already: formatNumber(result.already) });
      if (result.invalid.length) {
        addMessages.append(
          banner(
            "warning",
            h("p", null, summary),
            h("p", null, t("lists.invalid_kept")),
            h("ul", null, result.invalid.map((i) => h("li", null, i.message))),
          ),
        );
        entries.input.value = result.invalid.map((i) => i.value).join("\n");
      } else {
        addMessages.append(banner("success", summary));
        entries.input.value = "";
      }
      await Promise.all([refreshMembers(), refreshCount()]);
    } catch (error) {
      const fields = normaliseFieldErrors(error);
      addMessages.append(banner("critical", Object.values(fields).join(" ") || error.message));
    } finally {
      addButton.disabled = false;
    }
  });

  // Members: search, remove, pages
  const membersCard = h("section", { class: "card members" }, h("h2", null, t("lists.members")));
  const memberSearch = field({ name: "member-search", label: t("lists.member_search"), kind: "search", attrs: { spellcheck: "false", autocomplete: "off" } });
  memberSearch.classList.add("grow");
  const membersResult = h("div", { "aria-live": "polite" });
  let page = 1;
  const removeMember = async (member, index) => {
    const who = member.email || member.user_id;
    try {
      await api.post(`${base}/members/remove`, { ids: [member.id] });
      toast(t("lists.removed", { who }));
      await Promise.all([refreshMembers(), refreshCount()]);
      if (!ctx.alive()) return;
      const buttons = membersResult.querySelectorAll("button.remove-member");
      (buttons[Math.min(index, buttons.length - 1)] || memberSearch.input).focus();
    } catch (error) {
      toast(error.message, "error");
    }
  };
  refreshMembers = async () => {
    const data = await api.get(`${base}/members`, { q: memberSearch.input.value.trim(), page });
    if (!ctx.alive()) return;
    if (!data.results.length && page > 1) {
      page -= 1;
      await refreshMembers();
      return;
    }
    clear(membersResult);
    if (!data.results.length) {
      membersResult.append(h("p", { class: "muted" }, memberSearch.input.value.trim() ? t("lists.members_none_found") : t("lists.members_empty")));
      return;
    }
    membersResult.append(
      table({
        caption: t("lists.members"),
        columns: [
          { label: t("lists.col.email"), render: (m) => m.email || "—" },
          { label: t("lists.col.user_id"), render: (m) => (m.user_id ? h("code", null, m.user_id) : "—") },
          { label: t("lists.col.added"), render: (m) => formatDateTime(m.added_at, { compact: true }) },
          {
            label: t("coupons.col.actions"),
            class: "actions",
            render: (m) => button(t("lists.remove"), () => removeMember(m, data.results.indexOf(m)), { class: "btn-small remove-member", "aria-label": t("lists.remove_label", { who: m.email || m.user_id }) }),
          },
        ],
        rows: data.results.map((m) => Object.assign(m, { __data: { member: String(m.id) } })),
      }),
      pagination({ page: data.page, hasNext: data.has_next, onPage: (p) => { page = p; refreshMembers(); } }),
    );
  };
  membersCard.append(
    h("form", { class: "toolbar", role: "search", onsubmit: (event) => { event.preventDefault(); page = 1; refreshMembers(); } }, memberSearch, button(t("common.search"), null, { type: "submit" })),
    membersResult,
  );

  // CSV import / export
  const importForm = csvCard({
    api, hint: t("lists.import_hint"), exportPath: `${base}/members.csv`,
    exportName: `customer-list-${list.key}.csv`, exportClass: "export-members",
    importPath: `${base}/members/import`,
    imported: (result) => t("lists.added", { added: formatNumber(result.added), already: formatNumber(result.already) }),
    after: () => Promise.all([refreshMembers(), refreshCount()]),
  });

  root.append(addForm, membersCard, importForm);
  await refreshMembers();
}

async function removeList(ctx, list) {
  const ok = await confirmDialog({
    title: t("lists.delete_title", { name: list.name }),
    body: t("lists.delete_body"),
    confirmLabel: t("lists.delete"),
    danger: true,
  });
  if (!ok) return;
  try {
    await ctx.api.del(`/lists/${list.id}`);
    toast(t("lists.deleted", { name: list.name }));
    ctx.navigate("/lists");
  } catch (error) {
    const coupons = error.details.coupons || [];
    const links = coupons.length
      ? h(
          "ul",
          null,
          coupons.map((c) =>
            h("li", null, h("a", { href: `#/coupons/${c.id}`, onclick: (event) => event.currentTarget.closest("dialog").close("cancel") }, c.name)),
          ),
        )
      : null;
    await confirmDialog({ title: t("lists.delete_refused_title"), body: error.message, extra: links, confirmLabel: t("common.close") });
  }
}
