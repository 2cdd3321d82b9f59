// "Why doesn't this code work?": code + customer e-mail + optional checkout -> plain sentences with the fix.

import { formatDateTime, formatMoney, t } from "../../i18n.js";
import { banner, button, clear, field, h, pageHeader, showFieldErrors } from "../../ui.js";
import { normaliseFieldErrors } from "./common.js";

export async function diagnostics(ctx) {
  const { root, api, query } = ctx;
  root.append(pageHeader({ title: t("diagnose.title"), subtitle: t("diagnose.subtitle") }));
  const code = field({ name: "code", label: t("diagnose.code"), value: query.code || "", required: true, attrs: { spellcheck: "false", autocomplete: "off" } });
  const email = field({ name: "customer_email", label: t("diagnose.email"), kind: "email", value: query.email || "", hint: t("diagnose.email_hint"), attrs: { autocomplete: "off" } });
  const checkout = field({ name: "checkout_id", label: t("diagnose.checkout"), value: query.checkout || "", hint: t("diagnose.checkout_hint"), attrs: { spellcheck: "false", autocomplete: "off" } });
  const run = button(t("diagnose.run"), null, { kind: "primary", type: "submit" });
  const output = h("div", { class: "diagnosis-output", "aria-live": "polite" });
  const form = h("form", { class: "card", novalidate: true }, h("div", { class: "grid-3" }, code, email, checkout), h("div", { class: "row" }, run));
  root.append(form, output);

  async function diagnose() {
    clear(output);
    showFieldErrors(form, {});
    if (!code.input.value.trim()) {
      showFieldErrors(form, { code: t("diagnose.code") });
      return;
    }
    run.disabled = true;
    output.append(h("p", { class: "muted", role: "status" }, t("diagnose.running")));
    try {
      const result = await api.post("/diagnose", {
        code: code.input.value.trim(),
        customer_email: email.input.value.trim(),
        checkout_id: checkout.input.value.trim(),
      });
      if (!ctx.alive()) return;
      clear(output).append(render(result));
    } catch (error) {
      if (!ctx.alive()) return;
      clear(output);
      const unmatched = showFieldErrors(form, normaliseFieldErrors(error));
      if (unmatched.length || !Object.keys(normaliseFieldErrors(error)).length) output.append(banner("critical", unmatched.join(" ") || error.message));
    } finally {
      run.disabled = false;
    }
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    ctx.setQuery({ code: code.input.value.trim(), email: email.input.value.trim(), checkout: checkout.input.value.trim(), run: "1" });
  });
  if (query.run && query.code) await diagnose();
  else code.input.focus();
}

function render(result) {
  const blocking = result.findings.filter((f) => f.severity === "blocking");
  const others = result.findings.filter((f) => f.severity !== "blocking");
  const listLinks = (finding) => {
    const lists = ((finding.details && finding.details.lists) || []).filter((l) => l.id);
    if (!lists.length) return null;
    return h("span", { class: "fix" }, lists.map((l, i) => [i ? " · " : "", h("a", { href: `#/lists/${l.id}` }, t("diagnose.open_list", { name: l.name }))]));
  };
  const item = (finding) =>
    h(
      "li",
      { dataset: { reason: finding.reason } },
      h("span", null, finding.message),
      finding.fix ? h("span", { class: "fix" }, `${t("diagnose.fix")} ${finding.fix}`) : null,
      listLinks(finding),
    );
  const card = h(
    "section",
    { class: "card diagnosis" },
    h("p", { class: "verdict", role: "status" }, result.ok ? t("diagnose.ok") : t(blocking.length === 1 ? "diagnose.blocked_one" : "diagnose.blocked", { n: blocking.length })),
    result.coupon_id ? h("p", null, h("a", { href: `#/coupons/${result.coupon_id}` }, `${t("diagnose.open_coupon")}: ${result.coupon_name}`)) : null,
    result.checkout_error ? banner("warning", result.checkout_error) : null,
    blocking.length ? [h("h2", null, t("diagnose.problems")), h("ol", { class: "findings" }, blocking.map(item))] : null,
    others.length ? [h("h2", null, t("diagnose.facts")), h("ul", { class: "findings" }, others.map(item))] : null,
  );
  if (result.usages && result.usages.length) {
    card.append(
      h("h2", null, t("usage.title")),
      h("ul", null, result.usages.map((u) => h("li", null, `${formatDateTime(u.at)} · ${t("usage.order", { number: u.order_number || u.order_id })} · ${u.code} · ${formatMoney(u.amount, u.currency)}`))),
    );
  }
  if (result.recent_attempts && result.recent_attempts.length) {
    card.append(
      h("h2", null, t("attempts.title")),
      h("ul", null, result.recent_attempts.map((a) => h("li", null, `${formatDateTime(a.at)} · ${a.typed} · ${t(`attempts.result.${a.result}`)}${a.message ? ` · ${a.message}` : ""}`))),
    );
  }
  return card;
}
