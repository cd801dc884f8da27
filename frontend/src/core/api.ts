/**
 * REST calls. A browser that logged in carries the HttpOnly session cookie and sends the
 * session's CSRF token with every write; a TV opened through a display link carries its
 * read-only token instead (kept in localStorage, sent as a bearer token).
 */

import { t } from "./i18n";

const DISPLAY_TOKEN_KEY = "fw.displayToken";

let csrfToken: string | null = null;

/** One entry of an API error's `details` (app/core/errors.py). */
export interface ApiDetail {
  field?: string;
  line?: number;
  agent?: string;
  reason?: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** the error's own message and details as the API sent them (core/problems.ts reads them) */
    readonly summary = message,
    readonly details: ApiDetail[] = [],
  ) {
    super(message);
  }
}

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

export function displayToken(): string | null {
  return localStorage.getItem(DISPLAY_TOKEN_KEY);
}

export function setDisplayToken(token: string | null): void {
  if (token) localStorage.setItem(DISPLAY_TOKEN_KEY, token);
  else localStorage.removeItem(DISPLAY_TOKEN_KEY);
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  return send<T>(method, path, body === undefined ? undefined : { text: JSON.stringify(body), type: "application/json" });
}

/** A call whose body is text of another type (a CSV import). */
export async function apiText<T>(method: string, path: string, text: string, type: string): Promise<T> {
  return send<T>(method, path, { text, type });
}

async function send<T>(method: string, path: string, body?: { text: string; type: string }): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  const token = displayToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  else if (csrfToken && method !== "GET") headers["X-CSRF-Token"] = csrfToken;
  if (body !== undefined) headers["Content-Type"] = body.type;
  let response: Response;
  try {
    response = await fetch(path, { method, headers, credentials: "same-origin", body: body?.text });
  } catch {
    throw new ApiError(0, "unreachable", t("api.unreachable"));
  }
  if (response.status >= 500) throw serverError(response.status);
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let payload: any = null;
  try {
    payload = text ? JSON.parse(text) : null;
  } catch {
    throw serverError(response.status);
  }
  if (!response.ok) {
    const error = payload?.error ?? {};
    const details = (error.details ?? [])
      .map((d: { field?: string; line?: number; reason?: string }) => {
        const where = d.field ?? (d.line === undefined ? "" : `line ${d.line}`);
        return where ? `${where}: ${d.reason ?? ""}` : (d.reason ?? "");
      })
      .join("; ");
    const message = [error.message ?? response.statusText, details].filter(Boolean).join(" — ");
    throw new ApiError(
      response.status,
      error.code ?? `http_${response.status}`,
      message,
      error.message ?? "",
      Array.isArray(error.details) ? error.details : [],
    );
  }
  return payload as T;
}

/** Any 5xx, or a body that is not JSON (a proxy's error page): one friendly sentence for every
 * page instead of the server's text. */
function serverError(status: number): ApiError {
  console.warn("floorwatch api: server error", status);
  return new ApiError(status, `http_${status}`, t("api.serverError"));
}
