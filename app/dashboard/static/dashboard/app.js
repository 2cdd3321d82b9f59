// Entry point: AppBridge handshake, theme and locale, then the frame with its sections.

import { AppBridge } from "./bridge.js";
import { createApi } from "./api.js";
import { Frame } from "./frame.js";
import { setLocale, t } from "./i18n.js";
import { banner, clear, errorBanner, h } from "./ui.js";

const config = JSON.parse(document.getElementById("dashboard-config").textContent);
const root = document.documentElement;
const main = document.getElementById("main");
const nav = document.getElementById("frame-nav");
const notice = document.getElementById("session-notice");

function applyTheme(theme) {
  root.dataset.theme = theme === "dark" ? "dark" : "light";
}

function showBoot(message, kind = "info") {
  clear(main).append(kind === "info" ? h("div", { class: "boot", role: "status" }, message) : banner(kind, message));
}

function setSessionWaiting(waiting) {
  notice.hidden = !waiting;
  clear(notice);
  if (waiting) notice.append(banner("warning", t("frame.session_expired")));
}

async function boot() {
  applyTheme(config.theme);
  const bridge = new AppBridge({ allowedOrigins: config.allowedOrigins });
  if (!bridge.framed) {
    showBoot(t("frame.standalone"), "info");
    return;
  }
  if (!bridge.trusted) {
    showBoot(t("frame.origin_refused", { origin: bridge.origin }), "critical");
    return;
  }
  const api = createApi({
    bridge,
    base: config.apiBase,
    saleorApiUrl: config.saleorApiUrl,
    onSessionWait: setSessionWaiting,
  });
  let frame = null;
  bridge.on("theme", applyTheme);
  bridge.on("locale", (value) => {
    if (setLocale(value) && frame) {
      setSessionWaiting(!notice.hidden);
      document.title = t("frame.title");
      frame.refresh();
    }
  });
  showBoot(t("frame.waiting"));
  bridge.start();
  await bridge.tokenReady();

  let session;
  try {
    session = await api.get("/session");
  } catch (error) {
    clear(main).append(errorBanner(error, () => window.location.reload()));
    return;
  }
  frame = new Frame({ main, nav, api, bridge, session });
  for (const section of config.sections) {
    const module = await import(section.module);
    module.default(frame, section);
  }
  document.title = t("frame.title");
  frame.start();
  document.body.dataset.ready = "true";
}

boot();
