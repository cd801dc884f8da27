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
import type { Direction, MetricCatalog, MetricSpec, QueueServiceLevel, Thresholds } from "./types";

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

const LIVE_FAMILIES: ReadonlySet<string> = new Set([
  "calls",
  "agent_time",
  "queue_gauge",
  "agent_gauge",
  "pipeline",
  "pipeline_gauge",
]);
/** Per-stage counts of the sales pipeline: `deals_open:STAGE`, `deals_stalled:STAGE`. */
const STAGE_PREFIXES: Readonly<Record<string, string>> = {
  "deals_open:": "metric.deals_open_stage",
  "deals_stalled:": "metric.deals_stalled_stage",
};

function stagePrefix(metric: string): string | undefined {
  return Object.keys(STAGE_PREFIXES).find((prefix) => metric.startsWith(prefix));
}

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

/** Whether a rule may hold the metric's figure today against the day plan: a ratio or an
 * average counted over a window (counts and totals grow through the day; the server refuses
 * them the same way). */
export function comparableWithPlan(metric: string): boolean {
  const spec = specs.get(metric);
  return spec !== undefined && spec.windowed && (spec.kind === "ratio" || spec.kind === "average");
}

/** Metrics named per phrase list (`script_adherence:LIST`) share their base's spec. */
const PER_LIST = new Set(["phrase_hits", "calls_with", "script_adherence"]);

/** What reports have and plans can target (reports name the per-list metrics by list, and
 * plans cannot target them). */
export function reportMetrics(): string[] {
  return [...specs.values()].filter((spec) => spec.in_reports && !PER_LIST.has(spec.name)).map((spec) => spec.name);
}

function specOf(metric: string): MetricSpec | undefined {
  if (metric.startsWith(breakPrefix)) return specs.get(breakPrefix.slice(0, -1));
  const stage = stagePrefix(metric);
  if (stage) return specs.get(stage.slice(0, -1));
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
  const stage = stagePrefix(metric);
  if (stage) {
    return t(STAGE_PREFIXES[stage] as "metric.deals_open_stage", { stage: metric.slice(stage.length) });
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
/** A share of a plan (1 = on plan) as a whole percentage, "–" for none. */
export function formatShare(share: number | null): string {
  return share === null ? "–" : `${Math.round(share * 100)}%`;
}

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

/** How far under a queue's service-level target the wall turns red (10 points). */
const SL_RED_BELOW = 0.1;

/** The service-level goal of a scope from queue administration: a queue's own; for the whole
 * floor, a team or an agent, the goal every queue shares (none when they differ or there are
 * no queues). */
export function serviceLevelGoal(scope: string): QueueServiceLevel | null {
  const goals = wall.options.service_levels ?? {};
  if (scope.startsWith("queue:")) return goals[scope.slice("queue:".length)] ?? null;
  const all = Object.values(goals);
  const first = all[0];
  if (!first) return null;
  return all.every((g) => g.target === first.target && g.threshold_s === first.threshold_s) ? first : null;
}

/** A widget's own thresholds, else for service level the scope's goal (amber below the
 * target, red 10 points below it), else the metric's defaults. */
export function thresholdsFor(metric: string | null, configured: Thresholds | null, scope = "tenant"): Thresholds | null {
  if (configured) return configured;
  if (metric === "service_level") {
    const goal = serviceLevelGoal(scope);
    if (goal) return { direction: "below", warn: goal.target, crit: Math.max(0, goal.target - SL_RED_BELOW) };
  }
  return metric ? (metricInfo(metric).thresholds ?? null) : null;
}
