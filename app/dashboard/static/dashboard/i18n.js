// Messages in English and French, switched by the Dashboard's `localeChanged`.
// Sections add their own dictionaries with addMessages("en", {...}) / addMessages("fr", {...}).

const catalogs = { en: {}, fr: {} };
const listeners = new Set();
let current = "en";

export function normaliseLocale(value) {
  const lower = String(value || "").toLowerCase();
  return lower.startsWith("fr") ? "fr" : "en";
}

export function addMessages(language, messages) {
  Object.assign(catalogs[normaliseLocale(language)], messages);
}

export function locale() {
  return current;
}

export function setLocale(value) {
  const next = normaliseLocale(value);
  if (next === current) return false;
  current = next;
  document.documentElement.lang = next;
  listeners.forEach((fn) => fn(next));
  return true;
}

export function onLocaleChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

// t("coupons.count", { n: 3 }) -> "3 coupons"; "{name}" placeholders; unknown keys fall back to English.
export function t(key, params) {
  let text = catalogs[current][key] ?? catalogs.en[key] ?? key;
  if (params) {
    text = text.replace(/\{(\w+)\}/g, (match, name) => (name in params ? String(params[name]) : match));
  }
  return text;
}

export function formatMoney(amount, currency) {
  if (amount === null || amount === undefined || amount === "") return "—";
  try {
    return new Intl.NumberFormat(current, { style: "currency", currency }).format(Number(amount));
  } catch {
    return `${amount} ${currency || ""}`.trim();
  }
}

export function formatNumber(value) {
  if (value === null || value === undefined) return "—";
  return new Intl.NumberFormat(current).format(Number(value));
}

export function formatDate(iso) {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(current, { dateStyle: "medium" }).format(date);
}

export function formatDateTime(iso, { compact = false } = {}) {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(current, { dateStyle: compact ? "short" : "medium", timeStyle: "short" }).format(date);
}

addMessages("en", {
  "frame.title": "Coupons & Loyalty",
  "frame.skip": "Skip to content",
  "frame.nav": "Sections",
  "frame.waiting": "Waiting for the Saleor Dashboard…",
  "frame.standalone": "This page works inside the Saleor Dashboard. Open it from Extensions → Installed → Coupons & Loyalty.",
  "frame.origin_refused": "This page was opened by {origin}, which is not a Dashboard allowed for this installation. Nothing was loaded.",
  "frame.session_expired": "Your Dashboard session expired. Waiting for the Saleor Dashboard to renew it… (if this lasts, reload the page).",
  "frame.not_found": "Nothing here. Pick a section above.",
  "frame.no_permission": "Your Saleor account lacks the {permission} permission this section needs. Ask a store owner to grant it.",
  "frame.load_failed": "This page could not be loaded: {message}",
  "frame.retry": "Try again",
  "frame.network": "The app could not be reached. Check your connection and try again.",
  "common.save": "Save",
  "common.cancel": "Cancel",
  "common.close": "Close",
  "common.confirm": "Confirm",
  "common.loading": "Loading…",
  "common.yes": "Yes",
  "common.no": "No",
  "common.none": "None",
  "common.previous": "Previous",
  "common.next": "Next",
  "common.page": "Page {page}",
  "common.search": "Search",
  "common.all": "All",
  "common.fix_fields": "Some fields need your attention.",
  "common.show_table": "Show the data as a table",
});

addMessages("fr", {
  "frame.title": "Coupons & Fidélité",
  "frame.skip": "Aller au contenu",
  "frame.nav": "Sections",
  "frame.waiting": "En attente du Dashboard Saleor…",
  "frame.standalone": "Cette page fonctionne dans le Dashboard Saleor. Ouvrez-la depuis Extensions → Installées → Coupons & Fidélité.",
  "frame.origin_refused": "Cette page a été ouverte par {origin}, qui n'est pas un Dashboard autorisé pour cette installation. Rien n'a été chargé.",
  "frame.session_expired": "Votre session du Dashboard a expiré. En attente de son renouvellement par le Dashboard Saleor… (si cela dure, rechargez la page).",
  "frame.not_found": "Rien ici. Choisissez une section ci-dessus.",
  "frame.no_permission": "Votre compte Saleor n'a pas la permission {permission} nécessaire à cette section. Demandez-la à un propriétaire de la boutique.",
  "frame.load_failed": "Cette page n'a pas pu être chargée : {message}",
  "frame.retry": "Réessayer",
  "frame.network": "L'application est injoignable. Vérifiez votre connexion et réessayez.",
  "common.save": "Enregistrer",
  "common.cancel": "Annuler",
  "common.close": "Fermer",
  "common.confirm": "Confirmer",
  "common.loading": "Chargement…",
  "common.yes": "Oui",
  "common.no": "Non",
  "common.none": "Aucun",
  "common.previous": "Précédent",
  "common.next": "Suivant",
  "common.page": "Page {page}",
  "common.search": "Rechercher",
  "common.all": "Tous",
  "common.fix_fields": "Certains champs sont à corriger.",
  "common.show_table": "Afficher les données en tableau",
});
