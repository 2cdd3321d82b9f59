// Inline SVG charts (no library): vertical bars over time and horizontal bars per item.
// Colours come from the theme's CSS variables; each chart has a text alternative and a data table.

import { h, svg } from "./ui.js";
import { t } from "./i18n.js";

function niceMax(value) {
  if (value <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  const steps = [1, 2, 4, 5, 10];
  for (const step of steps) {
    if (value <= step * magnitude) return step * magnitude;
  }
  return 10 * magnitude;
}

function dataTable(caption, headers, rows) {
  return h(
    "details",
    { class: "more" },
    h("summary", null, t("common.show_table")),
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { class: "data" },
        h("caption", { class: "visually-hidden" }, caption),
        h("thead", null, h("tr", null, headers.map((text, i) => h("th", { scope: "col", class: i ? "num" : null }, text)))),
        h("tbody", null, rows.map((row) => h("tr", null, row.map((cell, i) => h("td", { class: i ? "num" : null }, cell))))),
      ),
    ),
  );
}

// points: [{label, value, title}] (e.g. one per day); format(value) -> text
export function columnChart({ title, points, format = String, headers, integer = false }) {
  const width = 720;
  const height = 220;
  const pad = { top: 12, right: 12, bottom: 28, left: 44 };
  const innerW = width - pad.left - pad.right;
  const innerH = height - pad.top - pad.bottom;
  const top = niceMax(Math.max(0, ...points.map((p) => p.value)));
  const max = integer ? Math.max(2, top) : top;
  const slot = innerW / Math.max(points.length, 1);
  const barW = Math.max(2, Math.min(28, slot * 0.7));
  const total = points.reduce((sum, p) => sum + p.value, 0);
  const chart = svg(
    "svg",
    { class: "chart", viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": `${title}: ${format(total)}` },
    svg("title", null, title),
  );
  [0, 0.5, 1].forEach((fraction) => {
    const y = pad.top + innerH - innerH * fraction;
    chart.append(svg("line", { class: fraction ? "grid" : "axis", x1: pad.left, x2: width - pad.right, y1: y, y2: y }));
    chart.append(svg("text", { class: "tick", x: pad.left - 6, y: y + 4, "text-anchor": "end" }, format(max * fraction)));
  });
  const labelEvery = Math.ceil(points.length / 8);
  points.forEach((point, i) => {
    const barH = max ? (point.value / max) * innerH : 0;
    const x = pad.left + slot * i + (slot - barW) / 2;
    const y = pad.top + innerH - barH;
    chart.append(
      svg("rect", { class: "bar", x, y, width: barW, height: Math.max(barH, point.value ? 1 : 0), rx: 2 }, svg("title", null, point.title || `${point.label}: ${format(point.value)}`)),
    );
    if (i % labelEvery === 0) {
      chart.append(svg("text", { class: "tick", x: x + barW / 2, y: height - 8, "text-anchor": "middle" }, point.label));
    }
  });
  return h(
    "figure",
    { class: "card" },
    h("h2", null, title),
    chart,
    dataTable(title, headers, points.map((p) => [p.title ? p.title.split(":")[0] : p.label, format(p.value)])),
  );
}

// items: [{label, value, display}] sorted as they should appear
export function barChart({ title, items, format = String, headers }) {
  const width = 720;
  const rowH = 28;
  const labelW = 200;
  const valueW = 120;
  const height = Math.max(rowH * items.length, rowH) + 8;
  const max = Math.max(0, ...items.map((i) => i.value)) || 1;
  const innerW = width - labelW - valueW;
  const chart = svg(
    "svg",
    { class: "chart", viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": title },
    svg("title", null, title),
  );
  items.forEach((item, i) => {
    const y = 4 + i * rowH;
    const barW = (item.value / max) * innerW;
    const label = item.label.length > 28 ? `${item.label.slice(0, 27)}…` : item.label;
    chart.append(svg("text", { class: "tick", x: labelW - 8, y: y + rowH / 2 + 4, "text-anchor": "end" }, label));
    chart.append(svg("rect", { class: "bar alt", x: labelW, y: y + 4, width: Math.max(barW, item.value ? 1 : 0), height: rowH - 8, rx: 2 }, svg("title", null, `${item.label}: ${item.display || format(item.value)}`)));
    chart.append(svg("text", { class: "value", x: labelW + barW + 6, y: y + rowH / 2 + 4 }, item.display || format(item.value)));
  });
  return h(
    "figure",
    { class: "card" },
    h("h2", null, title),
    chart,
    dataTable(title, headers, items.map((i) => [i.label, i.display || format(i.value)])),
  );
}
