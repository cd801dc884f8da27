/**
 * Languages (English, Polish) and locale-aware formats. Components extend `LocalizedElement`
 * (ui/localized.ts), which re-renders them when the language changes.
 */

import { en, pl, type MessageKey } from "./messages";

export type Locale = "en" | "pl";
export const LOCALES: readonly Locale[] = ["en", "pl"];
const LOCALE_KEY = "fw.locale";
const catalogs: Record<Locale, Record<MessageKey, string>> = { en, pl };

function initialLocale(): Locale {
  const fromUrl = new URLSearchParams(location.search).get("lang");
  const stored = localStorage.getItem(LOCALE_KEY);
  for (const candidate of [fromUrl, stored, navigator.language.slice(0, 2)]) {
    if (candidate && (LOCALES as readonly string[]).includes(candidate)) return candidate as Locale;
  }
  return "en";
}

let current: Locale = initialLocale();
export const localeEvents = new EventTarget();
document.documentElement.lang = current;

export function locale(): Locale {
  return current;
}

export function setLocale(next: Locale): void {
  if (next === current) return;
  current = next;
  localStorage.setItem(LOCALE_KEY, next);
  document.documentElement.lang = next;
  formatters.clear();
  localeEvents.dispatchEvent(new Event("change"));
}

export function t(key: MessageKey, params?: Record<string, string | number>): string {
  let text = catalogs[current][key] ?? en[key] ?? key;
  if (params) {
    for (const [name, value] of Object.entries(params)) text = text.replaceAll(`{${name}}`, String(value));
  }
  return text;
}

export function hasMessage(key: string): key is MessageKey {
  return key in en;
}

// -- formats --------------------------------------------------------------------------------

const formatters = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat>();

/** The locale for `Intl`: the browser's own variant of the page's language where it has one
 * (`en-GB` gives a 24-hour clock, `en-US` a 12-hour one), else the page's language: Polish
 * always has the 24-hour clock, and an English page in a browser of another language takes
 * that browser's hour cycle (a Polish browser keeps its 24-hour clock). */
function intlLocale(): string {
  const preferred = navigator.languages?.length ? navigator.languages : [navigator.language];
  return preferred.find((tag) => tag.split("-")[0].toLowerCase() === current) ?? current;
}

function browserHourCycle(): Intl.DateTimeFormatOptions["hourCycle"] {
  return new Intl.DateTimeFormat(navigator.language, { hour: "numeric" }).resolvedOptions().hourCycle;
}

function numberFormat(key: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  let format = formatters.get(key) as Intl.NumberFormat | undefined;
  if (!format) {
    format = new Intl.NumberFormat(intlLocale(), options);
    formatters.set(key, format);
  }
  return format;
}

function dateFormat(key: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  let format = formatters.get(key) as Intl.DateTimeFormat | undefined;
  if (!format) {
    const locale = intlLocale();
    const hourCycle = locale === "en" && options.hour ? browserHourCycle() : undefined;
    format = new Intl.DateTimeFormat(locale, hourCycle ? { hourCycle, ...options } : options);
    formatters.set(key, format);
  }
  return format;
}

export function formatInteger(value: number): string {
  return numberFormat("int", { maximumFractionDigits: 0 }).format(value);
}

export function formatDecimal(value: number, digits = 1): string {
  return numberFormat(`dec${digits}`, {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(value);
}

export function formatPercent(fraction: number, digits = 1): string {
  return numberFormat(`pct${digits}`, {
    style: "percent",
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(fraction);
}

export function formatCompact(value: number): string {
  return numberFormat("compact", { notation: "compact", maximumFractionDigits: 1 }).format(value);
}

export function formatMoney(value: number, currency?: string): string {
  if (currency) {
    return numberFormat(`cur-${currency}`, {
      style: "currency",
      currency,
      maximumFractionDigits: 0,
    }).format(value);
  }
  return formatInteger(value);
}

/** The name of weekday `day` (0 = Monday … 6 = Sunday) in the page's language. */
export function formatWeekday(day: number): string {
  // 2024-01-01 was a Monday; read in UTC so the day is the same west of Greenwich
  return dateFormat("weekday", { weekday: "long", timeZone: "UTC" }).format(Date.UTC(2024, 0, 1 + day));
}

export function formatTime(ms: number, seconds = true): string {
  return dateFormat(seconds ? "hms" : "hm", {
    hour: "2-digit",
    minute: "2-digit",
    ...(seconds ? { second: "2-digit" } : {}),
  }).format(ms);
}

/** Seconds as a clock: `0:42`, `4:05`, `1:02:09` (the same in English and Polish). */
export function formatDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const seconds = s % 60;
  const two = (n: number) => String(n).padStart(2, "0");
  return hours > 0 ? `${hours}:${two(minutes)}:${two(seconds)}` : `${minutes}:${two(seconds)}`;
}

/** A duration in words for labels: `45 s`, `12 min`, `2 h 5 min` (locale units). */
export function formatDurationWords(totalSeconds: number): string {
  const s = Math.max(0, Math.round(totalSeconds));
  const unit = (u: "second" | "minute" | "hour", n: number) =>
    numberFormat(`unit-${u}`, { style: "unit", unit: u, unitDisplay: "short" }).format(n);
  if (s < 60) return unit("second", s);
  if (s < 3600) return unit("minute", Math.floor(s / 60));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return m ? `${unit("hour", h)} ${unit("minute", m)}` : unit("hour", h);
}

/** Whole days, e.g. "12 days" / "12 dni" (how long a deal has not moved). */
export function formatDays(totalSeconds: number): string {
  const days = Math.max(0, Math.floor(totalSeconds / 86_400));
  return numberFormat("unit-day", { style: "unit", unit: "day", unitDisplay: "long" }).format(days);
}
