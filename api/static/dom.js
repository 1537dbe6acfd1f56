/*
 * Building the page from API data: every string becomes a text node, never HTML.
 * Also the small formatters the views share (classification badge, dates, the highlight).
 */

/** An element with attributes and children; strings become text nodes (never parsed as HTML). */
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function clear(node) {
  while (node.firstChild) node.firstChild.remove();
}

export function plural(n, word) {
  return `${new Intl.NumberFormat("en-US").format(n)} ${word}${n === 1 ? "" : "s"}`;
}

/** CSS class of each level's colour (the usual banner colours, muted). */
const LEVEL_CLASS = {
  UNCLASSIFIED: "u",
  "LIMITED OFFICIAL USE": "cui",
  "SENSITIVE BUT UNCLASSIFIED": "cui",
  CONFIDENTIAL: "c",
  SECRET: "s",
  "TOP SECRET": "ts",
};

export function levelClass(classification) {
  return `level-${LEVEL_CLASS[classification] || "x"}`;
}

/** ``(C) CONFIDENTIAL``: the paragraph's portion mark and its level. */
export function levelBadge(classification, marking) {
  const level = classification || "UNKNOWN";
  const title = marking ? `Portion mark (${marking}); classification ${level}` : `Classification ${level}`;
  return el("span", { class: `badge ${levelClass(level)}`, title },
    marking ? [el("span", { class: "mark" }, `(${marking})`), " "] : null, level);
}

/** ``2008-04-18T09:29:00Z`` as a <time> showing the date (and with ``withTime``, the time). */
export function dateNode(iso, withTime) {
  if (!iso) return el("span", { class: "undated" }, "undated");
  const day = iso.slice(0, 10);
  const time = iso.length >= 16 ? `${iso.slice(11, 16)} UTC` : "";
  return el("time", { datetime: iso, title: time ? `${day} ${time}` : null },
    withTime && time ? `${day} ${time}` : day);
}

/**
 * A paragraph's text split around its highlighted sentence: [before, sentence, after].
 * The API counts offsets in Unicode code points (Python), so the split is made on code
 * points, not UTF-16 units; offsets that do not fit fall back to finding the sentence.
 */
export function splitHighlight(text, highlight) {
  if (!highlight) return [text, "", ""];
  const points = Array.from(text);
  const { start, end } = highlight;
  if (Number.isInteger(start) && Number.isInteger(end) && start >= 0 && start < end && end <= points.length) {
    const middle = points.slice(start, end).join("");
    if (!highlight.text || middle === highlight.text) {
      return [points.slice(0, start).join(""), middle, points.slice(end).join("")];
    }
  }
  const at = highlight.text ? text.indexOf(highlight.text) : -1;
  if (at >= 0) return [text.slice(0, at), highlight.text, text.slice(at + highlight.text.length)];
  return [text, "", ""];
}
