/**
 * The API's errors as sentences for people. Every error has one shape (app/core/errors.py):
 * `{"error": {"code", "message", "details": [{"field" | "line" | "agent", "reason"}]}}`; this
 * turns it into one sentence per field (to show by that field) and the sentences that belong
 * to no field, each said once: a request rejected for `sl_threshold_s` reads "Must be at most
 * 600." by that field, not "the request is invalid — body.sl_threshold_s: Input should be…".
 */

import { ApiError } from "./api";
import { t } from "./i18n";

export interface Problems {
  /** field name (as the form's input is named) → one sentence */
  fields: Map<string, string>;
  /** sentences that belong to no field (a line of an import, a conflict, …), without repeats */
  general: string[];
}

/** Messages that only say "something in the request is wrong": the details say what. */
const GENERIC = new Set(["the request is invalid"]);

/** Pydantic's reasons for common limits, in the page's language. */
const PATTERNS: [RegExp, (m: RegExpMatchArray) => string][] = [
  [/^Field required$/, () => t("problem.required")],
  [/^Input should be greater than or equal to (\S+)$/, (m) => t("problem.atLeast", { value: m[1] })],
  [/^Input should be less than or equal to (\S+)$/, (m) => t("problem.atMost", { value: m[1] })],
  [/^Input should be greater than (\S+)$/, (m) => t("problem.above", { value: m[1] })],
  [/^Input should be less than (\S+)$/, (m) => t("problem.below", { value: m[1] })],
  [/^Input should be a valid (integer|number)/, () => t("problem.number")],
  [/^String should have at least (\d+) characters?$/, (m) => t("problem.minLength", { count: m[1] })],
  [/^String should have at most (\d+) characters?$/, (m) => t("problem.maxLength", { count: m[1] })],
];

/** `body.sl_threshold_s` → `sl_threshold_s`; `settings.url` → `url`; `teams.0` → `teams`. */
function fieldName(path: string): string {
  const parts = path.split(".").filter((p) => p && !/^\d+$/.test(p) && !["body", "query", "path"].includes(p));
  return parts[parts.length - 1] ?? path;
}

/** One sentence: a known limit in the page's language, else the API's reason without a
 * leading `field:` (the field is shown by position), capitalised, with a full stop. */
export function sentence(reason: string, field?: string): string {
  let text = reason.trim().replace(/^Value error, /, "").replaceAll(/`([^`]*)`/g, "$1");
  for (const [pattern, say] of PATTERNS) {
    const match = pattern.exec(text);
    if (match) return say(match);
  }
  if (field) {
    const prefix = new RegExp(`^\`?${field.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\`?:\\s*`);
    text = text.replace(prefix, "");
  }
  if (!text) return "";
  text = text[0].toUpperCase() + text.slice(1);
  return /[.!?…]$/.test(text) ? text : `${text}.`;
}

export function problemsOf(error: unknown): Problems {
  const fields = new Map<string, string>();
  const general: string[] = [];
  const say = (text: string) => {
    if (text && !general.includes(text) && ![...fields.values()].includes(text)) general.push(text);
  };
  if (!(error instanceof ApiError)) {
    say(sentence(error instanceof Error ? error.message : String(error)));
    return { fields, general };
  }
  const message = error.summary;
  const details = error.details;
  const generic = GENERIC.has(message) || message === "";
  for (const detail of details) {
    const reason = detail.reason ?? "";
    // a reason of a word or two ("taken", "unknown team") says less than the message
    const terse = reason.split(/\s+/).filter(Boolean).length < 3 && !generic;
    if (detail.line !== undefined) {
      say(t("problem.line", { line: detail.line, text: sentence(reason) }));
    } else if (detail.field) {
      const name = fieldName(detail.field);
      const text = sentence(terse ? message : reason, name);
      if (!fields.has(name)) fields.set(name, text);
    } else if (detail.agent) {
      say(t("problem.agent", { agent: detail.agent, text: sentence(reason) }));
    } else {
      say(sentence(terse ? message : reason));
    }
  }
  const shown = [...fields.values(), ...general];
  const own = sentence(message);
  if (!generic && !shown.some((text) => text === own || own.includes(text.replace(/\.$/, "")))) {
    general.unshift(own);
  }
  if (fields.size === 0 && general.length === 0) say(sentence(message || `HTTP ${error.status}`));
  return { fields, general };
}

/** A field's sentence where the field cannot be pointed at: it names the field first, unless
 * it already does (`To (…) is before from (…).` stays as it is). */
export function namingField(field: string, text: string): string {
  const words = field.replaceAll("_", " ");
  const escaped = words.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`\\b${escaped}\\b`, "i").test(text) ? text : `${words}: ${text}`;
}

/** Every problem as sentences, each once, for a place that has no fields to point at. */
export function problemText(error: unknown): string {
  const { fields, general } = problemsOf(error);
  const named = [...fields].map(([field, text]) => namingField(field, text));
  return [...new Set([...named, ...general])].join("\n");
}
