/** What the wall knows about each metric of the catalog (docs/metrics.md): how to show it,
 * and which way is bad. */

import {
  formatDecimal,
  formatDuration,
  formatInteger,
  formatMoney,
  formatPercent,
  hasMessage,
  t,
} from "./i18n";
import type { Direction, Thresholds } from "./types";

export type MetricKind = "count" | "seconds" | "ratio" | "money" | "score";

export interface MetricInfo {
  kind: MetricKind;
  /** Which way is bad, for default thresholds and trend colours. */
  bad: Direction;
  thresholds?: Thresholds;
}

const count = (bad: Direction = "above", warn?: number, crit?: number): MetricInfo => ({
  kind: "count",
  bad,
  thresholds: warn === undefined ? undefined : { direction: bad, warn, crit: crit ?? null },
});

export const METRICS: Record<string, MetricInfo> = {
  calls_waiting: count("above", 3, 6),
  longest_wait: { kind: "seconds", bad: "above", thresholds: { direction: "above", warn: 30, crit: 60 } },
  agents_logged_in: count("below"),
  agents_available: count("below", 3, 1),
  agents_ringing: count("above"),
  agents_on_call: count("above"),
  agents_wrapup: count("above"),
  agents_break: count("above"),
  offered: count("above"),
  answered: count("below"),
  abandoned: count("above"),
  short_abandoned: count("above"),
  left_queue: count("above"),
  unknown_wait: count("above"),
  service_level: { kind: "ratio", bad: "below", thresholds: { direction: "below", warn: 0.8, crit: 0.7 } },
  abandonment_rate: { kind: "ratio", bad: "above", thresholds: { direction: "above", warn: 0.05, crit: 0.1 } },
  asa: { kind: "seconds", bad: "above", thresholds: { direction: "above", warn: 20, crit: 40 } },
  max_wait: { kind: "seconds", bad: "above" },
  handled: count("below"),
  aht: { kind: "seconds", bad: "above", thresholds: { direction: "above", warn: 360, crit: 480 } },
  talk_time: { kind: "seconds", bad: "above" },
  hold_time: { kind: "seconds", bad: "above" },
  wrapup_time: { kind: "seconds", bad: "above" },
  transfers: count("above"),
  expired: count("above"),
  deals: count("below"),
  revenue: { kind: "money", bad: "below" },
  conversion: { kind: "ratio", bad: "below" },
  average_deal: { kind: "money", bad: "below" },
  csat_responses: count("below"),
  csat_mean: { kind: "score", bad: "below", thresholds: { direction: "below", warn: 4, crit: 3.5 } },
  csat_satisfied: { kind: "ratio", bad: "below" },
  occupancy: { kind: "ratio", bad: "above" },
  time_available: { kind: "seconds", bad: "below" },
  time_ringing: { kind: "seconds", bad: "above" },
  time_on_call: { kind: "seconds", bad: "below" },
  time_wrapup: { kind: "seconds", bad: "above" },
  time_break: { kind: "seconds", bad: "above" },
  shifts: count("below"),
  late: count("above"),
  lateness: count("above"),
  absent: count("above"),
  absence_rate: { kind: "ratio", bad: "above" },
  early_leave: count("above"),
  early_leave_minutes: count("above"),
  adherence: { kind: "ratio", bad: "below" },
};

export function metricInfo(metric: string): MetricInfo {
  return METRICS[metric] ?? count("above");
}

export function metricLabel(metric: string): string {
  if (metric.startsWith("agents_break:")) {
    return t("metric.break_reason", { reason: metric.slice("agents_break:".length) });
  }
  const key = `metric.${metric}`;
  return hasMessage(key) ? t(key) : metric;
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
      return formatMoney(value, currency);
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
