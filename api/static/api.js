/*
 * Calls to the cableqa API. Every failure, the network's included, becomes an ApiError
 * whose message can be shown to the reader as it is.
 */

import { DEFAULT_K, DEFAULT_MODE } from "./url.js";

export class ApiError extends Error {
  constructor(message, status = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
  }
}

/** The reason an error reply gives: its ``detail`` (a string, or FastAPI's list of field errors). */
function describeError(status, body) {
  const detail = body && typeof body === "object" ? body.detail : null;
  if (typeof detail === "string" && detail) return detail;
  if (Array.isArray(detail) && detail.length) {
    return detail.map((d) => {
      if (!d || typeof d !== "object") return String(d);
      const where = Array.isArray(d.loc) ? d.loc.filter((x) => x !== "body" && x !== "query").join(".") : "";
      return (where ? `${where}: ` : "") + (d.msg || JSON.stringify(d));
    }).join("; ");
  }
  if (status === 401 || status === 403) return "this server needs an API key that the page does not have";
  if (status >= 500) return `the server failed (HTTP ${status}); its log says why`;
  return `the server answered HTTP ${status}`;
}

/** GET or POST ``path`` and return the JSON reply; throws ApiError (or AbortError when aborted). */
export async function callApi(path, options = {}) {
  let response;
  try {
    response = await fetch(path, { ...options, headers: { Accept: "application/json", ...(options.headers || {}) } });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError("Could not reach the cableqa server. Check the connection (or that "
      + "`cableqa serve` is still running) and try again.");
  }
  const raw = await response.text();
  let body = null;
  try {
    body = raw ? JSON.parse(raw) : null;
  } catch {
    body = null;
  }
  if (!response.ok) throw new ApiError(describeError(response.status, body), response.status);
  if (body === null || typeof body !== "object") {
    throw new ApiError(`the server sent a reply that is not JSON (HTTP ${response.status})`, response.status);
  }
  return body;
}

/** The ``POST /ask`` body of a search. */
function askBody(params) {
  const filters = {};
  if (params.origins.length) filters.origins = params.origins;
  if (params.date_from) filters.date_from = params.date_from;
  if (params.date_to) filters.date_to = params.date_to;
  if (params.max_classification) filters.max_classification = params.max_classification;
  // A k that is not a whole number goes as typed, so that the API names the problem.
  const k = /^\d+$/.test(params.k) ? Number(params.k) : params.k || Number(DEFAULT_K);
  const body = { question: params.q || "", k, mode: params.mode || DEFAULT_MODE };
  if (Object.keys(filters).length) body.filters = filters;
  return body;
}

export function ask(params, signal) {
  return callApi("/ask", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(askBody(params)),
    signal,
  });
}

/** ``GET /cables/{id}/paragraphs/{n}/similar`` with the search's k, mode and filters. */
export function getSimilar(params, signal) {
  const query = new URLSearchParams();
  if (params.k) query.set("k", params.k);
  if (params.mode) query.set("mode", params.mode);
  for (const origin of params.origins) query.append("origin", origin);
  for (const name of ["date_from", "date_to", "max_classification"]) {
    if (params[name]) query.set(name, params[name]);
  }
  const path = `/cables/${encodeURIComponent(params.similar)}/paragraphs/${encodeURIComponent(params.para)}/similar`;
  return callApi(`${path}?${query}`, { signal });
}

export function getCable(id, ceiling, signal) {
  const query = ceiling ? `?${new URLSearchParams({ max_classification: ceiling })}` : "";
  return callApi(`/cables/${encodeURIComponent(id)}${query}`, { signal });
}

export function getHealth() {
  return callApi("/health");
}
