// The Coupons section: registers its navigation and routes with the frame.

import "./messages.js";
import { t } from "../../i18n.js";
import { couponList } from "./list.js";
import { couponForm } from "./form.js";
import { couponDetail } from "./detail.js";
import { attemptsLog } from "./attempts.js";
import { diagnostics } from "./diagnose.js";
import { analytics } from "./analytics.js";
import { listDetail, listIndex, listNew } from "./lists.js";

export default function register(frame, section) {
  frame.addSection({
    key: section.key,
    permission: section.permission,
    label: () => t("section.coupons"),
    nav: [
      { key: "coupons", href: "#/coupons", label: () => t("nav.coupons"), match: /^\/coupons(\/|$)/ },
      { key: "lists", href: "#/lists", label: () => t("nav.lists"), match: /^\/lists(\/|$)/ },
      { key: "attempts", href: "#/attempts", label: () => t("nav.attempts"), match: /^\/attempts$/ },
      { key: "diagnose", href: "#/diagnose", label: () => t("nav.diagnose"), match: /^\/diagnose$/ },
      { key: "analytics", href: "#/analytics", label: () => t("nav.analytics"), match: /^\/analytics$/ },
    ],
    routes: [
      { path: "/coupons", view: couponList },
      { path: "/coupons/new", view: (ctx) => couponForm(ctx, null) },
      { path: "/coupons/:id/edit", view: (ctx) => couponForm(ctx, ctx.params.id) },
      { path: "/coupons/:id", view: (ctx) => couponDetail(ctx, "overview") },
      { path: "/coupons/:id/:tab", view: (ctx) => couponDetail(ctx, ctx.params.tab) },
      { path: "/lists", view: listIndex },
      { path: "/lists/new", view: listNew },
      { path: "/lists/:id", view: listDetail },
      { path: "/attempts", view: attemptsLog },
      { path: "/diagnose", view: diagnostics },
      { path: "/analytics", view: analytics },
    ],
  });
}
