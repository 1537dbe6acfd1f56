/*
 * The cableqa page: ask a question, read the cited paragraphs, open a cable at a paragraph.
 *
 * Plain JavaScript modules, no build step, no dependency. This module holds the page's
 * state and navigation; url.js the URL scheme, api.js the calls, render.js the views and
 * dom.js the text-only DOM building (nothing from the API is ever parsed as HTML).
 */

import { ask, getCable, getHealth, getSimilar } from "./api.js";
import { clear, el, plural } from "./dom.js";
import { cableView, hitCard } from "./render.js";
import {
  DEFAULT_K, DEFAULT_MODE, paragraphOf, readParams, searchHref, settingsInUse, toQuery,
} from "./url.js";

const $ = (id) => document.getElementById(id);
const ui = {
  form: $("ask-form"), q: $("q"), k: $("k"), mode: $("mode"), origin: $("origin"),
  dateFrom: $("date_from"), dateTo: $("date_to"), ceiling: $("max_classification"),
  filters: $("filters"), filtersSummary: document.querySelector("#filters summary"), clearFilters: $("clear-filters"),
  error: $("error"), status: $("status"), intro: $("intro"),
  results: $("results"), resultsHeading: $("results-heading"), abstained: $("abstained"), hits: $("hits"),
  cable: $("cable"), cableArticle: $("cable-article"), back: $("back"),
  indexSize: $("index-size"), version: $("version"), home: $("home"),
};

/** Answers already fetched, by query string, so Back and Forward need no second request. */
const answers = new Map();
let inflight = null;
let shownCable = null;

// ---------------------------------------------------------------- form

function readForm() {
  return {
    q: ui.q.value,
    k: ui.k.value.trim(),
    mode: ui.mode.value,
    origins: ui.origin.value.split(",").map((o) => o.trim()).filter(Boolean),
    date_from: ui.dateFrom.value,
    date_to: ui.dateTo.value,
    max_classification: ui.ceiling.value,
    cable: "",
  };
}

function fillForm(params) {
  if (params.q !== null) ui.q.value = params.q;
  ui.k.value = params.k;
  ui.mode.value = params.mode;
  if (ui.mode.value !== params.mode) ui.mode.value = DEFAULT_MODE;
  ui.origin.value = params.origins.join(", ");
  ui.dateFrom.value = params.date_from;
  ui.dateTo.value = params.date_to;
  ui.ceiling.value = params.max_classification;
  if (ui.ceiling.value !== params.max_classification) {
    // A level the menu does not list ("S" in a hand-written URL): kept, for the API to judge.
    ui.ceiling.append(el("option", { value: params.max_classification }, params.max_classification));
    ui.ceiling.value = params.max_classification;
  }
  showSettingsInUse(params);
}

function showSettingsInUse(params) {
  const n = settingsInUse(params);
  ui.filtersSummary.textContent = n ? `Filters (${n} set)` : "Filters";
  if (n) ui.filters.open = true;
}

// ---------------------------------------------------------------- messages

function showError(message) {
  clear(ui.error);
  ui.error.append(el("strong", {}, "Error: "), message);
  ui.error.hidden = false;
}

function clearError() {
  ui.error.hidden = true;
  clear(ui.error);
}

/** A live message; ``quiet`` ones (what the heading already says) are for screen readers only. */
function setStatus(text, quiet = false) {
  ui.status.textContent = text || "";
  ui.status.classList.toggle("visually-hidden", quiet);
}

/** Show one of "intro", "results", "cable", or none of them. */
function showView(name) {
  ui.intro.hidden = name !== "intro";
  ui.results.hidden = name !== "results";
  ui.cable.hidden = name !== "cable";
}

/** A fresh AbortController for the next request, aborting the one still running. */
function startRequest() {
  if (inflight) inflight.abort();
  inflight = new AbortController();
  return inflight;
}

// ---------------------------------------------------------------- results

function showAnswer(answer, params) {
  const hits = Array.isArray(answer.hits) ? answer.hits : [];
  clear(ui.resultsHeading);
  const lead = params.similar ? " like " : " for ";
  ui.resultsHeading.append(hits.length ? `${plural(hits.length, "paragraph")}${lead}` : `No paragraphs${lead}`,
    el("q", {}, answer.question ?? params.q ?? ""));
  ui.abstained.hidden = answer.answered !== false || hits.length === 0;
  clear(ui.hits);
  ui.hits.append(...hits.map((hit) => hitCard(hit, params)));
  if (!hits.length) {
    ui.hits.append(el("li", { class: "empty" },
      "No paragraph matches. If filters are set, loosen them (origin, dates, classification ceiling)."));
  }
  showView("results");
  document.title = `${params.similar ? `Like ${answer.question}` : params.q} — cableqa`;
  const n = hits.length;
  setStatus(answer.answered === false ? `Abstained; ${plural(n, "nearest paragraph")} shown.`
    : `${plural(n, "paragraph")} found.`, true);
}

async function runSearch(params, { useCache = false, scrollY = 0 } = {}) {
  const key = toQuery(params, "");
  clearError();
  if (useCache && answers.has(key)) {
    showAnswer(answers.get(key), params);
    window.scrollTo(0, scrollY || 0);
    return;
  }
  const request = startRequest();
  setStatus("Searching the cables…");
  ui.results.setAttribute("aria-busy", "true");
  try {
    const answer = params.similar ? await getSimilar(params, request.signal) : await ask(params, request.signal);
    answers.set(key, answer);
    showAnswer(answer, params);
    window.scrollTo(0, scrollY || 0);
  } catch (error) {
    if (error.name === "AbortError") return;
    setStatus("");
    showView("none");
    showError(params.similar ? `Could not find paragraphs like ${params.similar} ¶${params.para}: ${error.message}`
      : `Could not ask that question: ${error.message}`);
  } finally {
    if (inflight === request) inflight = null;
    ui.results.removeAttribute("aria-busy");
  }
}

// ---------------------------------------------------------------- cable

/** Mark the paragraph the URL's #pN names and bring it into view; returns its number or null. */
function citeParagraph() {
  for (const old of ui.cableArticle.querySelectorAll(".para.cited")) {
    old.classList.remove("cited");
    old.removeAttribute("aria-current");
  }
  const number = paragraphOf(location.hash);
  const target = number === null ? null : document.getElementById(`p${number}`);
  if (!target) {
    window.scrollTo(0, 0);
    return null;
  }
  target.classList.add("cited");
  target.setAttribute("aria-current", "true");
  target.focus({ preventScroll: true });
  target.scrollIntoView({ block: "center" });
  return number;
}

async function openCable(params) {
  const hasQuestion = Boolean(params.q);
  ui.back.textContent = hasQuestion ? "← Back to results" : "← New question";
  ui.back.href = searchHref(params);
  clearError();
  if (shownCable === params.cable && !ui.cable.hidden) {
    citeParagraph();
    return;
  }
  const request = startRequest();
  setStatus(`Loading cable ${params.cable}…`);
  try {
    const cable = await getCable(params.cable, params.max_classification, request.signal);
    clear(ui.cableArticle);
    ui.cableArticle.append(...cableView(cable, params));
    shownCable = params.cable;
    showView("cable");
    const cited = citeParagraph();
    document.title = `${cable.id}${cited === null ? "" : ` ¶${cited}`} — cableqa`;
    setStatus(`Cable ${cable.id}${cited === null ? "" : `, paragraph ${cited}`}.`, true);
  } catch (error) {
    if (error.name === "AbortError") return;
    shownCable = null;
    clear(ui.cableArticle);
    showView("cable");
    setStatus("");
    showError(`Could not open cable ${params.cable}: ${error.status === 404 ? "it is not in this index" : error.message}`);
  } finally {
    if (inflight === request) inflight = null;
  }
}

// ---------------------------------------------------------------- navigation

/** Show what the URL describes. */
function route({ useCache = false, scrollY = 0 } = {}) {
  const params = readParams(location.search);
  fillForm(params);
  if (params.cable) {
    openCable(params);
    return;
  }
  shownCable = null;
  if ((params.q && params.q.trim()) || (params.similar && params.para)) {
    runSearch(params, { useCache, scrollY });
    return;
  }
  clearError();
  setStatus("");
  showView("intro");
  document.title = "cableqa";
}

function rememberScroll() {
  history.replaceState({ ...(history.state || {}), scrollY: window.scrollY }, "", location.href);
}

const plainClick = (event) => event.button === 0 && !event.metaKey && !event.ctrlKey && !event.shiftKey
  && !event.altKey;

ui.form.addEventListener("submit", (event) => {
  event.preventDefault();
  const params = readForm();
  showSettingsInUse(params);
  if (!params.q.trim()) {
    // Asked anyway, so that the API's own message says what is wrong; the URL stays as it was.
    runSearch(params);
    return;
  }
  const url = searchHref(params);
  if (url === location.pathname + location.search && !location.hash) {
    history.replaceState({ view: "results" }, "", url);
  } else {
    rememberScroll();
    history.pushState({ view: "results" }, "", url);
  }
  shownCable = null;
  // On a touch screen, put the keyboard away so that the answers can be read.
  if (window.matchMedia("(pointer: coarse)").matches) ui.q.blur();
  runSearch(params);
});

ui.clearFilters.addEventListener("click", () => {
  ui.k.value = DEFAULT_K;
  ui.mode.value = DEFAULT_MODE;
  ui.origin.value = "";
  ui.dateFrom.value = "";
  ui.dateTo.value = "";
  ui.ceiling.value = "";
  showSettingsInUse(readForm());
  ui.q.focus();
});

/** Links to a cable (citations, references) open the cable view without loading the page. */
document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-cable]");
  if (!link || event.defaultPrevented || !plainClick(event)) return;
  event.preventDefault();
  rememberScroll();
  // How many cable views lie between the new entry and the results, so Back can skip them all.
  const below = history.state && history.state.cablesAboveResults;
  const cablesAboveResults = !ui.results.hidden ? 1 : below ? below + 1 : 0;
  history.pushState({ view: "cable", cablesAboveResults }, "", link.getAttribute("href"));
  route();
});

/** A hit's "Similar paragraphs" link shows the paragraphs like it, as a new results view. */
document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-similar]");
  if (!link || event.defaultPrevented || !plainClick(event)) return;
  event.preventDefault();
  rememberScroll();
  history.pushState({ view: "results" }, "", link.getAttribute("href"));
  route();
});

/** A paragraph's ¶ link re-targets the open cable in place, without a new history entry. */
ui.cableArticle.addEventListener("click", (event) => {
  const link = event.target.closest("a.pnum");
  if (!link || !plainClick(event)) return;
  event.preventDefault();
  history.replaceState(history.state, "", link.getAttribute("href"));
  citeParagraph();
});

ui.back.addEventListener("click", (event) => {
  if (!plainClick(event)) return;
  event.preventDefault();
  const depth = history.state && history.state.cablesAboveResults;
  if (depth) {
    history.go(-depth);
    return;
  }
  history.pushState({ view: "results" }, "", ui.back.getAttribute("href"));
  route({ useCache: true });
});

ui.home.addEventListener("click", (event) => {
  if (!plainClick(event)) return;
  event.preventDefault();
  history.pushState({ view: "intro" }, "", "/");
  ui.q.value = "";
  route();
  ui.q.focus();
});

window.addEventListener("popstate", (event) => {
  route({ useCache: true, scrollY: event.state && event.state.scrollY });
});

// ---------------------------------------------------------------- header

async function showIndexSize() {
  try {
    const health = await getHealth();
    const parts = [];
    if (typeof health.cables === "number") parts.push(plural(health.cables, "cable"));
    if (typeof health.paragraphs === "number") parts.push(plural(health.paragraphs, "paragraph"));
    ui.indexSize.textContent = parts.length ? `${parts.join(" · ")} indexed` : "";
    ui.version.textContent = [
      health.version ? `cableqa ${health.version}` : "",
      health.model ? `model ${health.model}` : "",
      health.index_type ? `${health.index_type} index` : "",
    ].filter(Boolean).join(" · ");
  } catch {
    ui.indexSize.textContent = "index size unavailable";
  }
}

if ("scrollRestoration" in history) history.scrollRestoration = "manual";
showIndexSize();
route();
if (!new URLSearchParams(location.search).toString()) ui.q.focus();
