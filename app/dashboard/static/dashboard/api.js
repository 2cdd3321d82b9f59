// Calls to the app's JSON API. Every call carries the Dashboard's JWT (`authorization-bearer`) and the
// installation (`saleor-api-url`); no cookie is ever sent. When the API answers `token_expired`, the call
// is held until the Dashboard sends a fresh token (tokenRefresh), then retried.

import { locale, t } from "./i18n.js";

export class ApiError extends Error {
  constructor(status, body) {
    const error = (body && body.error) || {};
    super(error.message || `HTTP ${status}`);
    this.status = status;
    this.code = error.code || "error";
    this.fields = error.fields || {};
    this.details = error;
  }
}

function queryString(params) {
  if (!params) return "";
  const search = new URLSearchParams();
  Object.entries(params).forEach(([key, value]) => {
    if (value !== undefined && value !== null && value !== "") search.set(key, String(value));
  });
  const text = search.toString();
  return text ? `?${text}` : "";
}

export function createApi({ bridge, base, saleorApiUrl, onSessionWait }) {
  let waiting = 0;

  async function send(method, path, { query, json, body, contentType, accept } = {}) {
    let token = await bridge.tokenReady();
    for (;;) {
      const headers = {
        "authorization-bearer": token,
        "saleor-api-url": saleorApiUrl,
        "Accept-Language": locale(),
        Accept: accept || "application/json",
      };
      let payload = body;
      if (json !== undefined) {
        headers["Content-Type"] = "application/json";
        payload = JSON.stringify(json);
      } else if (contentType) {
        headers["Content-Type"] = contentType;
      }
      let response;
      try {
        response = await fetch(`${base}${path}${queryString(query)}`, {
          method,
          headers,
          body: payload,
          credentials: "omit",
          cache: "no-store",
        });
      } catch {
        throw new ApiError(0, { error: { code: "network", message: t("frame.network") } });
      }
      if (response.status === 401) {
        const parsed = await response.json().catch(() => null);
        if (parsed && parsed.error && parsed.error.code === "token_expired") {
          waiting += 1;
          if (waiting === 1) onSessionWait(true);
          try {
            token = await bridge.freshToken(token);
          } finally {
            waiting -= 1;
            if (waiting === 0) onSessionWait(false);
          }
          continue;
        }
        throw new ApiError(401, parsed);
      }
      if (!response.ok) {
        const parsed = await response.json().catch(() => null);
        throw new ApiError(response.status, parsed);
      }
      return response;
    }
  }

  async function jsonCall(method, path, options) {
    const response = await send(method, path, options);
    if (response.status === 204) return null;
    return response.json();
  }

  return {
    get: (path, query) => jsonCall("GET", path, { query }),
    post: (path, json) => jsonCall("POST", path, { json: json ?? {} }),
    put: (path, json) => jsonCall("PUT", path, { json }),
    patch: (path, json) => jsonCall("PATCH", path, { json }),
    del: (path) => jsonCall("DELETE", path, {}),
    // Upload a file's raw content (e.g. CSV); answers JSON.
    upload: (path, file, contentType) => jsonCall("POST", path, { body: file, contentType }),
    // Downloads need the bearer header, so they go through fetch and a Blob, not a plain link.
    async download(path, query, fallbackName) {
      const response = await send("GET", path, { query, accept: "text/csv, */*" });
      const disposition = response.headers.get("Content-Disposition") || "";
      const match = /filename="?([^";]+)"?/.exec(disposition);
      const blob = await response.blob();
      const url = URL.createObjectURL(blob);
      const link = document.createElement("a");
      link.href = url;
      link.download = match ? match[1] : fallbackName;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
      return { name: link.download, size: blob.size };
    },
  };
}
