/** What the wall knows about each metric: the catalog the server declares once
 * (`GET /v1/metrics/catalog`, the metric registry of docs/metrics.md) — labels in both
 * languages, units, which way is bad and default thresholds. `loadCatalog()` runs before the
 * first page renders. */

import { api } from "./api";
import { wall } from "./context";
import {
  formatDecimal,
  formatDuration,
  formatInteger,
  formatMoney,
  formatPercent,
  locale,
  t,
} from "./i18n";
import type { Direction, MetricCatalog, MetricSpec, Thresholds } from "./types";

export type MetricKind = "count" | "seconds" | "ratio" | "money" | "score";

export interface MetricInfo {
  kind: MetricKind;
  /** Which way is bad, for default thresholds and trend colours. */
  bad: Direction;
  thresholds?: Thresholds;
}

const KIND_OF_UNIT: Record<MetricSpec["unit"], MetricKind> = {
  number: "count",
  seconds: "seconds",
  fraction: "ratio",
  money: "money",
  score: "score",
};

let specs = new Map<string, MetricSpec>();
let breakPrefix = "agents_break:";

export async function loadCatalog(): Promise<void> {
  const catalog = await api<MetricCatalog>("GET", "/v1/metrics/catalog");
  specs = new Map(catalog.metrics.map((spec) => [spec.name, spec]));
  breakPrefix = catalog.break_reason_prefix;
}

const LIVE_FAMILIES: ReadonlySet<string> = new Set(["calls", "agent_time", "queue_gauge", "agent_gauge"]);

/** What a widget can show: the live view's metrics (gauges and windowed ones). */
export function liveMetrics(): string[] {
  return [...specs.values()].filter((spec) => LIVE_FAMILIES.has(spec.family)).map((spec) => spec.name);
}

/** What alert rules can watch: the live metrics and how long an agent has been in a state. */
export function ruleMetrics(): string[] {
  return [...specs.values()]
    .filter((spec) => LIVE_FAMILIES.has(spec.family) || spec.family === "agent_state")
    .map((spec) => spec.name);
}

/** What reports have and plans can target. */
export function reportMetrics(): string[] {
  return [...specs.values()].filter((spec) => spec.in_reports).map((spec) => spec.name);
}

/** Metrics named per phrase list (`script_adherence:LIST`) share their base's spec. */
const PER_LIST = new Set(["phrase_hits", "calls_with", "script_adherence"]);

function specOf(metric: string): MetricSpec | undefined {
  if (metric.startsWith(breakPrefix)) return specs.get(breakPrefix.slice(0, -1));
  const base = metric.split(":", 1)[0];
  return specs.get(metric.includes(":") && PER_LIST.has(base) ? base : metric);
}

export function metricInfo(metric: string): MetricInfo {
  const spec = specOf(metric);
  if (!spec) return { kind: "count", bad: "above" };
  const info: MetricInfo = { kind: KIND_OF_UNIT[spec.unit], bad: spec.bad };
  if (spec.thresholds) {
    info.thresholds = { direction: spec.bad, warn: spec.thresholds.warn, crit: spec.thresholds.crit };
  }
  return info;
}

export function metricLabel(metric: string): string {
  if (metric.startsWith(breakPrefix)) {
    return t("metric.break_reason", { reason: metric.slice(breakPrefix.length) });
  }
  const label = specOf(metric)?.labels[locale()];
  if (label === undefined) return metric;
  const [base, list] = [metric.split(":", 1)[0], metric.slice(metric.indexOf(":") + 1)];
  return metric.includes(":") && PER_LIST.has(base) ? `${label}: ${list}` : label;
}

/** The value as shown on a tile; `—` when there is none (a zero denominator). */
export function formatMetric(metric: string, value: number | null | undefined, currency?: string): string {
  if (value === null || value === undefined || Number.isNaN(value)) return "—";
  switch (metricInfo(metric).kind) {
    case "ratio":
      return formatPercent(value, value >= 0.995 || value === 0 ? 0 : 1);
    case "seconds":
      return formatDuration(value);
    case "money":
      return formatMoney(value, currency ?? wall.tenant?.currency ?? undefined);
    case "score":
      return formatDecimal(value, 2);
    default:
      return formatInteger(value);
  }
}

/** Values in the editor: ratios as percent, the rest as they are. */
export function toDisplayUnit(metric: string, value: number | null): number | null {
  if (value === null) return null;
  return metricInfo(metric).kind === "ratio" ? Math.round(value * 1000) / 10 : value;
}

export function fromDisplayUnit(metric: string, value: number | null): number | null {
  if (value === null) return null;
  return metricInfo(metric).kind === "ratio" ? value / 100 : value;
}

export function unitLabel(metric: string): string {
  switch (metricInfo(metric).kind) {
    case "ratio":
      return "%";
    case "seconds":
      return "s";
    default:
      return "";
  }
}

export type Level = "good" | "warn" | "crit" | "none";

export function levelOf(value: number | null | undefined, thresholds: Thresholds | null | undefined): Level {
  if (value === null || value === undefined || !thresholds) return "none";
  const { direction, warn, crit } = thresholds;
  const worse = (limit: number | null) =>
    limit !== null && (direction === "above" ? value >= limit : value <= limit);
  if (worse(crit)) return "crit";
  if (worse(warn)) return "warn";
  return warn === null && crit === null ? "none" : "good";
}

export function thresholdsFor(metric: string | null, configured: Thresholds | null): Thresholds | null {
  if (configured) return configured;
  return metric ? (metricInfo(metric).thresholds ?? null) : null;
}
