// The frame: navigation + a hash router + the registry of sections.
//
// A section is an ES module whose default export receives the frame and registers its nav entries and
// routes (see sections/coupons/index.js). Adding a feature (loyalty, recovery) = one module + one
// server-side `register_section(...)`; the frame itself does not change.

import { clear, emptyState, h, banner } from "./ui.js";
import { t } from "./i18n.js";

function compile(pattern) {
  const keys = [];
  const source = pattern
    .split("/")
    .map((part) => {
      if (part.startsWith(":")) {
        keys.push(part.slice(1));
        return "([^/]+)";
      }
      return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("/");
  return { regex: new RegExp(`^${source}$`), keys };
}

export function parseHash(hash) {
  const raw = (hash || "").replace(/^#/, "") || "/";
  const [path, search = ""] = raw.split("?");
  const query = Object.fromEntries(new URLSearchParams(search));
  return { path: path || "/", query };
}

export function buildHash(path, query) {
  const search = new URLSearchParams();
  Object.entries(query || {}).forEach(([key, value]) => {
    if (value !== undefined && value !== null && value !== "") search.set(key, String(value));
  });
  const text = search.toString();
  return `#${path}${text ? `?${text}` : ""}`;
}

export class Frame {
  constructor({ main, nav, api, bridge, session }) {
    this.main = main;
    this.nav = nav;
    this.api = api;
    this.bridge = bridge;
    this.session = session;
    this.sections = [];
    this.routes = [];
    this.navItems = [];
    this.current = null;
    this.renderId = 0;
    this.onHashChange = () => this.render();
  }

  can(permission) {
    return !permission || this.session.user.permissions.includes(permission);
  }

  // section: {key, label(), permission, nav: [{href, label(), match}], routes: [{path, view}]}
  addSection(section) {
    this.sections.push(section);
    (section.nav || []).forEach((item) => this.navItems.push({ ...item, section }));
    (section.routes || []).forEach((route) => this.routes.push({ ...route, section, ...compile(route.path) }));
  }

  start() {
    window.addEventListener("hashchange", this.onHashChange);
    this.renderNav();
    this.render();
  }

  navigate(path, query) {
    const hash = buildHash(path, query);
    if (window.location.hash === hash) this.render();
    else window.location.hash = hash;
  }

  // Replace the query of the current route without adding a history entry, and re-render.
  setQuery(query) {
    const { path } = parseHash(window.location.hash);
    window.history.replaceState(null, "", buildHash(path, query));
    this.render();
  }

  refresh() {
    this.renderNav();
    this.render();
  }

  renderNav() {
    clear(this.nav);
    this.nav.setAttribute("aria-label", t("frame.nav"));
    const groups = this.sections.length > 1;
    const { path } = parseHash(window.location.hash);
    this.sections.forEach((section) => {
      if (groups) this.nav.append(h("span", { class: "nav-group", "aria-hidden": "true" }, section.label()));
      this.navItems
        .filter((item) => item.section === section)
        .forEach((item) => {
          const active = item.match ? item.match.test(path) : path === item.href.slice(1);
          this.nav.append(h("a", { href: item.href, "aria-current": active ? "page" : null, dataset: { nav: item.key } }, item.label()));
        });
    });
  }

  async render() {
    this.renderId += 1;
    const id = this.renderId;
    if (this.current) {
      this.current.controller.abort();
      this.current.cleanups.forEach((fn) => fn());
    }
    let { path, query } = parseHash(window.location.hash);
    if (path === "/" && this.navItems.length) {
      window.history.replaceState(null, "", this.navItems[0].href);
      ({ path, query } = parseHash(this.navItems[0].href));
    }
    this.renderNav();
    const container = h("div", { class: "view" });
    clear(this.main).append(container);
    const controller = new AbortController();
    const cleanups = [];
    this.current = { controller, cleanups };
    const route = this.routes.find((r) => r.regex.test(path));
    if (!route) {
      container.append(emptyState({ title: t("frame.not_found") }));
      return;
    }
    if (!this.can(route.section.permission)) {
      container.append(banner("warning", t("frame.no_permission", { permission: route.section.permission })));
      return;
    }
    const match = route.regex.exec(path);
    const params = Object.fromEntries(route.keys.map((key, i) => [key, decodeURIComponent(match[i + 1])]));
    const ctx = {
      params,
      query,
      path,
      root: container,
      api: this.api,
      bridge: this.bridge,
      frame: this,
      signal: controller.signal,
      alive: () => id === this.renderId,
      onCleanup: (fn) => cleanups.push(fn),
      navigate: (p, q) => this.navigate(p, q),
      setQuery: (q) => this.setQuery(q),
    };
    try {
      await route.view(ctx);
    } catch (error) {
      if (id !== this.renderId) return;
      clear(container).append(
        banner("critical", h("p", null, t("frame.load_failed", { message: error.message || String(error) }))),
      );
    }
    if (id === this.renderId && document.activeElement === document.body) {
      const heading = container.querySelector("h1");
      if (heading) {
        heading.setAttribute("tabindex", "-1");
        heading.focus({ preventScroll: true });
      }
    }
  }
}
