/*
 * The two views as DOM nodes: a ranked hit (a card), and a whole cable with its header
 * fields, section headings and numbered paragraphs. No state, no fetching.
 */

import { dateNode, el, levelBadge, levelClass, plural, splitHighlight } from "./dom.js";
import { cableHref, similarHref } from "./url.js";

/** One hit as a list item: citation link, badge, subject, origin and date, the marked text. */
export function hitCard(hit, params) {
  const headingId = `hit-${hit.rank}`;
  const [before, sentence, after] = splitHighlight(hit.text || "", hit.highlight);
  const link = el("a", { class: "citation", id: headingId, href: cableHref(params, hit.cable_id, hit.paragraph),
    "data-cable": hit.cable_id }, hit.citation);
  return el("li", { class: "hit" },
    el("article", { "aria-labelledby": headingId },
      el("header", { class: "hit-head" },
        el("span", { class: "rank", "aria-hidden": "true" }, String(hit.rank)),
        el("h3", { class: "cite-line" }, link),
        levelBadge(hit.classification, hit.marking),
        typeof hit.score === "number"
          ? el("span", { class: "score", title: "Relevance score (higher is closer)" }, `score ${hit.score.toFixed(3)}`)
          : null),
      hit.subject ? el("p", { class: "subject" }, hit.subject) : null,
      el("p", { class: "meta" },
        el("span", { class: "origin" }, hit.origin || "origin unknown"), " · ", dateNode(hit.date, false),
        hit.section ? [" · ", el("span", { class: "section" }, hit.section)] : null),
      el("blockquote", { class: "text" },
        el("p", {}, before, sentence ? el("mark", {}, sentence) : null, after)),
      el("p", { class: "hit-links" },
        el("a", { class: "similar", href: similarHref(params, hit.cable_id, hit.paragraph), "data-similar": "",
          "aria-label": `Paragraphs like ${hit.citation}` }, "Similar paragraphs"))));
}

function field(dl, term, ...value) {
  const empty = (v) => v === null || v === undefined || v === "" || (Array.isArray(v) && !v.length);
  if (value.every(empty)) return;
  dl.append(el("div", { class: "field-row" }, el("dt", {}, term), el("dd", {}, ...value)));
}

function recipients(list, label) {
  const names = (list || []).map((r) => `${r.name}${r.precedence ? ` (${r.precedence})` : ""}`);
  if (names.length <= 3) return names.join("; ");
  return el("details", { class: "addressees" },
    el("summary", {}, `${names.length} ${label}`),
    el("ul", {}, names.map((n) => el("li", {}, n))));
}

/** A cable at the other end of a reference: its link, with its subject, or a note that it is not indexed. */
function linkItem(link, params) {
  if (!link.cable_id) return link.text || "";
  const anchor = el("a", { href: cableHref(params, link.cable_id, null), "data-cable": link.cable_id }, link.cable_id);
  if (!link.indexed) return el("span", { class: "not-indexed" }, anchor, " (not in this index)");
  return [anchor, link.subject ? el("span", { class: "link-subject" }, ` — ${link.subject}`) : ""];
}

function withheldNote(count) {
  return count ? el("li", { class: "withheld" }, `${plural(count, "cable")} above the classification ceiling`)
    : null;
}

function citedBy(cable, params) {
  const links = Array.isArray(cable.referenced_by) ? cable.referenced_by : [];
  const hidden = Number(cable.referenced_by_withheld) || 0;
  if (!links.length && !hidden) return null;
  return el("ul", { class: "refs cited-by" }, links.map((link) => el("li", {}, linkItem(link, params))),
    withheldNote(hidden));
}

function references(cable, params) {
  if (Array.isArray(cable.reference_links) && (cable.reference_links.length || cable.references_withheld)) {
    return el("ul", { class: "refs" }, cable.reference_links.map((link) => el("li", {},
      link.letter ? `${link.letter}. ` : "", linkItem(link, params),
      link.cable_id && link.text && link.text !== link.cable_id ? el("span", { class: "as-written" }, ` (${link.text})`)
        : "")),
    withheldNote(Number(cable.references_withheld) || 0));
  }
  const refs = Array.isArray(cable.reference_details) && cable.reference_details.length
    ? cable.reference_details
    : (cable.references || []).map((id) => ({ letter: null, text: id, cable_id: id }));
  if (!refs.length) return null;
  return el("ul", { class: "refs" }, refs.map((ref) => el("li", {},
    ref.letter ? `${ref.letter}. ` : "",
    ref.cable_id
      ? el("a", { href: cableHref(params, ref.cable_id, null), "data-cable": ref.cable_id }, ref.cable_id)
      : ref.text,
    ref.cable_id && ref.text && ref.text !== ref.cable_id ? el("span", { class: "as-written" }, ` (${ref.text})`) : "")));
}

function cableHeader(cable, params) {
  const dl = el("dl", { class: "fields" });
  field(dl, "Sent", dateNode(cable.datetime, true));
  field(dl, "From", cable.origin);
  field(dl, "To", recipients(cable.to, "addressees"));
  field(dl, "Info", recipients(cable.info, "info addressees"));
  field(dl, "Precedence", cable.precedence);
  field(dl, "Tags", (cable.tags || []).map((t) => el("code", { class: "tag" }, t)));
  field(dl, "References", references(cable, params));
  field(dl, "Cited by", citedBy(cable, params));
  field(dl, "Classified by", cable.classified_by);
  field(dl, "Reasons", cable.reasons);
  field(dl, "Declassify on", cable.declassify_on, cable.declassify_on && cable.eo ? ` (E.O. ${cable.eo})` : "");
  if (cable.section && typeof cable.section === "object") {
    field(dl, "Section", `${cable.section.number} of ${cable.section.of}`);
  }
  field(dl, "Signed", cable.signer);
  field(dl, "Transmission", cable.transmission_id);

  const banner = [cable.classification, ...(cable.caveats || [])].filter(Boolean).join(" // ");
  const header = el("header", { class: "cable-head" },
    el("p", { class: `banner ${levelClass(cable.classification)}` }, banner || "UNMARKED"),
    el("h2", { id: "cable-heading" }, cable.id),
    cable.subject ? el("p", { class: "subject" }, el("span", { class: "label" }, "Subject: "), cable.subject) : null,
    dl);
  if (cable.partial) {
    header.append(el("div", { class: "notice" }, el("strong", {}, "Incomplete cable. "),
      "Its text is cut off or lacks a body; some fields or paragraphs may be missing.",
      (cable.problems || []).length ? el("ul", {}, cable.problems.map((p) => el("li", {}, p))) : null));
  }
  return header;
}

function cableBody(cable) {
  const body = el("div", { class: "cable-body" });
  const paragraphs = cable.paragraphs || [];
  let section = null;
  for (const p of paragraphs) {
    if (p.section && p.section !== section) body.append(el("h3", { class: "section-heading" }, p.section));
    section = p.section || section;
    body.append(el("div", { class: "para", id: `p${p.number}`, tabindex: "-1" },
      el("a", { class: "pnum", href: `#p${p.number}`, "aria-label": `Paragraph ${p.number}` },
        p.unnumbered ? "¶" : `¶${p.number}`),
      el("p", { class: "ptext" }, p.marking ? el("span", { class: "pmark" }, `(${p.marking}) `) : null, p.text)));
  }
  if (!paragraphs.length) body.append(el("p", { class: "notice" }, "This cable has no body paragraphs in the index."));
  const withheld = Number(cable.withheld) || 0;
  if (withheld) {
    body.append(el("p", { class: "notice" },
      `${plural(withheld, "paragraph")} withheld: above the classification ceiling of this search or server.`));
  }
  return body;
}

/** The whole cable: header fields, then every paragraph under its section heading. */
export function cableView(cable, params) {
  return [cableHeader(cable, params), cableBody(cable)];
}
