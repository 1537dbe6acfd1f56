/*
 * The page's URL scheme. The URL holds the whole state, so any view can be shared and reloaded:
 *
 *   /?q=QUESTION&k=5&mode=hybrid&origin=TOKYO&date_from=YYYY-MM-DD&date_to=...&max_classification=SECRET
 *       the answers to a question, with the names GET /ask uses (k and mode only when they
 *       differ from 5 and hybrid; origin may repeat, or hold several posts separated by commas);
 *   /?cable=08TOKYO1074&q=...#p3
 *       the whole cable with paragraph 3 cited; the search rides along, so "Back to results"
 *       can return to the question.
 *   /?similar=08TOKYO1074&para=9&...
 *       the paragraphs of other cables like 08TOKYO1074 ¶9, under the same filters.
 */

export const DEFAULT_K = "5";
export const DEFAULT_MODE = "hybrid";

function splitList(values) {
  return values.flatMap((v) => v.split(",")).map((v) => v.trim()).filter(Boolean);
}

/** The search (and the open cable, if any) that a query string describes. */
export function readParams(search) {
  const p = new URLSearchParams(search);
  return {
    q: p.has("q") ? p.get("q") : null,
    k: p.get("k") || DEFAULT_K,
    mode: p.get("mode") || DEFAULT_MODE,
    origins: splitList([...p.getAll("origin"), ...p.getAll("origins")]),
    date_from: p.get("date_from") || "",
    date_to: p.get("date_to") || "",
    max_classification: p.get("max_classification") || "",
    cable: p.get("cable") || "",
    similar: p.get("similar") || "",
    para: p.get("para") || "",
  };
}

/** The query string of a search; with ``cable``, of that cable seen from this search. */
export function toQuery(params, cable) {
  const p = new URLSearchParams();
  if (cable) p.set("cable", cable);
  if (params.similar && params.para) {
    p.set("similar", params.similar);
    p.set("para", params.para);
  }
  if (params.q) p.set("q", params.q);
  if (params.k && params.k !== DEFAULT_K) p.set("k", params.k);
  if (params.mode && params.mode !== DEFAULT_MODE) p.set("mode", params.mode);
  for (const origin of params.origins) p.append("origin", origin);
  for (const name of ["date_from", "date_to", "max_classification"]) {
    if (params[name]) p.set(name, params[name]);
  }
  const text = p.toString();
  return text ? `?${text}` : "";
}

export function searchHref(params) {
  return `/${toQuery(params, "")}`;
}

/** The link to a cable (at a paragraph, if given) from this search. */
export function cableHref(params, cableId, paragraph) {
  const anchor = paragraph === null || paragraph === undefined ? "" : `#p${paragraph}`;
  return `/${toQuery(params, cableId)}${anchor}`;
}

/** The link to the paragraphs like ``cableId`` ¶``paragraph``, under this search's filters. */
export function similarHref(params, cableId, paragraph) {
  return `/${toQuery({ ...params, similar: cableId, para: String(paragraph) }, "")}`;
}

/** How many of the search's settings differ from a plain question. */
export function settingsInUse(params) {
  return [params.origins.length, params.date_from, params.date_to, params.max_classification,
    params.k !== DEFAULT_K, params.mode !== DEFAULT_MODE].filter(Boolean).length;
}

/** The paragraph a ``#p3`` fragment names, or null. */
export function paragraphOf(hash) {
  const match = /^#p(\d+)$/.exec(hash);
  return match ? Number(match[1]) : null;
}
