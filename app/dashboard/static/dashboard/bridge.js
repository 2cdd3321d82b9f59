// AppBridge (version 1) with the Saleor Dashboard that frames this page.
//
// The Dashboard posts `handshake {token, version, saleorVersion, dashboardVersion}` on load, then
// `tokenRefresh {token}`, `theme {theme}`, `localeChanged {locale}`, `redirect {path}` and
// `response {actionId, ok}`. The page posts actions `{type, payload: {..., actionId}}`: `notifyReady`
// once its listener is installed, `notification`, `redirect`. Messages are accepted only from the
// window that framed the page, and only when its origin is one the server allows for this installation.

let counter = 0;

function nextActionId(type) {
  counter += 1;
  return `${type}-${Date.now().toString(36)}-${counter}`;
}

// The framing window's origin: location.ancestorOrigins (Chromium, Safari) or the referrer's origin.
export function parentOrigin() {
  if (window.parent === window) return null;
  try {
    if (window.location.ancestorOrigins && window.location.ancestorOrigins.length > 0) {
      return window.location.ancestorOrigins[0];
    }
  } catch {
    // fall back to the referrer
  }
  try {
    return document.referrer ? new URL(document.referrer).origin : null;
  } catch {
    return null;
  }
}

export class AppBridge {
  constructor({ allowedOrigins }) {
    this.allowedOrigins = new Set(allowedOrigins || []);
    this.origin = parentOrigin();
    this.token = null;
    this.state = { theme: null, locale: null, saleorVersion: null, dashboardVersion: null, path: null };
    this.listeners = { token: new Set(), theme: new Set(), locale: new Set() };
    this.tokenWaiters = [];
    this.pendingActions = new Map();
    this.onMessage = this.onMessage.bind(this);
  }

  get framed() {
    return this.origin !== null;
  }

  get trusted() {
    return this.origin !== null && this.allowedOrigins.has(this.origin);
  }

  on(event, fn) {
    this.listeners[event].add(fn);
    return () => this.listeners[event].delete(fn);
  }

  emit(event, value) {
    this.listeners[event].forEach((fn) => fn(value));
  }

  start() {
    if (!this.trusted) return false;
    window.addEventListener("message", this.onMessage);
    this.dispatch("notifyReady", {});
    return true;
  }

  onMessage(event) {
    if (event.source !== window.parent || event.origin !== this.origin || !this.trusted) return;
    const data = event.data;
    if (!data || typeof data !== "object" || typeof data.type !== "string") return;
    const payload = data.payload && typeof data.payload === "object" ? data.payload : {};
    switch (data.type) {
      case "handshake":
        this.state.saleorVersion = payload.saleorVersion || this.state.saleorVersion;
        this.state.dashboardVersion = payload.dashboardVersion || this.state.dashboardVersion;
        this.setToken(payload.token);
        break;
      case "tokenRefresh":
        this.setToken(payload.token);
        break;
      case "theme":
        if (payload.theme === "light" || payload.theme === "dark") {
          this.state.theme = payload.theme;
          this.emit("theme", payload.theme);
        }
        break;
      case "localeChanged":
        if (typeof payload.locale === "string") {
          this.state.locale = payload.locale;
          this.emit("locale", payload.locale);
        }
        break;
      case "redirect":
        this.state.path = payload.path || null;
        break;
      case "response": {
        const pending = this.pendingActions.get(payload.actionId);
        if (pending) {
          this.pendingActions.delete(payload.actionId);
          pending(Boolean(payload.ok));
        }
        break;
      }
      default:
        break;
    }
  }

  setToken(token) {
    if (typeof token !== "string" || !token || token === this.token) return;
    this.token = token;
    const waiters = this.tokenWaiters;
    this.tokenWaiters = [];
    waiters.forEach((resolve) => resolve(token));
    this.emit("token", token);
  }

  // The current token, waiting for the handshake if it has not come yet.
  tokenReady() {
    if (this.token) return Promise.resolve(this.token);
    return new Promise((resolve) => this.tokenWaiters.push(resolve));
  }

  // A token other than `stale`: resolves on the Dashboard's next tokenRefresh (or handshake).
  freshToken(stale) {
    if (this.token && this.token !== stale) return Promise.resolve(this.token);
    return new Promise((resolve) => this.tokenWaiters.push(resolve));
  }

  // Post an action to the Dashboard; resolves with its `response.ok` (false after 5 s without answer).
  dispatch(type, payload) {
    if (!this.trusted) return Promise.resolve(false);
    const actionId = nextActionId(type);
    const result = new Promise((resolve) => {
      this.pendingActions.set(actionId, resolve);
      setTimeout(() => {
        if (this.pendingActions.delete(actionId)) resolve(false);
      }, 5000);
    });
    window.parent.postMessage({ type, payload: { ...payload, actionId } }, this.origin);
    return result;
  }

  // The Dashboard's own address of a route, for links opened in a new tab. The Dashboard tells its
  // current path after notifyReady ("/dashboard/extensions/app/<id>"): its prefix is where it is mounted.
  dashboardUrl(route) {
    const match = /^(.*?)\/(extensions|apps)\//.exec(this.state.path || "");
    const prefix = match ? match[1] : "/dashboard";
    return `${this.origin || ""}${prefix}${route}`;
  }

  // Open a Dashboard route (e.g. "/orders/<id>") in the Dashboard itself.
  redirect(to, newContext = false) {
    return this.dispatch("redirect", { to, newContext });
  }

  notify(status, title, text = "") {
    return this.dispatch("notification", { status, title, text });
  }
}
