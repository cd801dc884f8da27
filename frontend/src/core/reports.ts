/** The KPI report API (`GET /v1/reports/kpi`, docs/reports.md): query, shapes, and the sums a
 * chart and a sortable table need. */

export type GroupBy = "tenant" | "queue" | "team" | "agent";
export type ReportPeriod = "interval" | "hour" | "day" | "week" | "month";

export const GROUPS: readonly GroupBy[] = ["tenant", "queue", "team", "agent"];
export const PERIODS: readonly ReportPeriod[] = ["interval", "hour", "day", "week", "month"];
/** Plans exist per day, week and month only. */
export const PLAN_PERIODS: readonly ReportPeriod[] = ["day", "week", "month"];

export interface ReportQuery {
  group_by: GroupBy;
  period: ReportPeriod;
  from: string;
  to: string;
}

export interface PlanCell {
  plan_id: number;
  actual: number | null;
  minimum: number | null;
  standard: number;
  maximum: number | null;
  deviation: number | null;
  deviation_pct: number | null;
  level: string | null;
}

export interface ReportRow {
  period: string;
  start: string;
  end: string;
  queue?: string | null;
  team?: string | null;
  agent?: string | null;
  /** The agent's display name (agent reports), when the roster has one. */
  agent_name?: string | null;
  metrics: Record<string, number | null>;
  plan?: Record<string, PlanCell>;
}

export interface KpiReport {
  timezone: string;
  group_by: GroupBy;
  period: ReportPeriod;
  from: string;
  to: string;
  metrics: string[];
  rows: ReportRow[];
}

function isoDate(d: Date): string {
  const two = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`;
}

/** Today's date (the browser's calendar), as a date input wants it. */
export function today(now = new Date()): string {
  return isoDate(now);
}

/** This month so far: the first of the month to today (the browser's calendar). */
export function thisMonth(now = new Date()): { from: string; to: string } {
  return { from: isoDate(new Date(now.getFullYear(), now.getMonth(), 1)), to: isoDate(now) };
}

/** This whole month: the first to the last day (a new plan's default period). */
export function wholeMonth(now = new Date()): { from: string; to: string } {
  return {
    from: isoDate(new Date(now.getFullYear(), now.getMonth(), 1)),
    to: isoDate(new Date(now.getFullYear(), now.getMonth() + 1, 0)),
  };
}

export function reportUrl(query: ReportQuery, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams({ ...query, ...extra });
  return `/v1/reports/kpi?${params}`;
}

/** The fields naming a row's group (`queue`, `team`, or `agent` and `team`). */
export function keyFields(groupBy: GroupBy): Array<"queue" | "team" | "agent"> {
  if (groupBy === "tenant") return [];
  return groupBy === "agent" ? ["agent", "team"] : [groupBy];
}

/** What a row shows in a key column: agents by name (their id when they have none). */
export function keyText(row: ReportRow, field: "queue" | "team" | "agent"): string {
  if (field === "agent") return row.agent_name ?? row.agent ?? "—";
  return row[field] ?? "—";
}

export function groupName(row: ReportRow, groupBy: GroupBy): string {
  if (groupBy === "tenant") return "";
  return keyText(row, groupBy);
}

/** Metrics planned in at least one row, in catalog order. */
export function plannedMetrics(report: KpiReport): string[] {
  const planned = new Set<string>();
  for (const row of report.rows) for (const metric of Object.keys(row.plan ?? {})) planned.add(metric);
  return report.metrics.filter((m) => planned.has(m));
}

export interface ChartSeries {
  /** Period starts, epoch seconds, ascending. */
  xs: number[];
  labels: string[];
  series: Array<{ name: string; values: Array<number | null> }>;
  /** The standard target per period, when the report has one group and a plan for the metric. */
  plan: Array<number | null> | null;
}

/** One series per group (the first `limit` groups by name) of `metric` over the periods. */
export function chartSeries(report: KpiReport, metric: string, limit = 8): ChartSeries {
  const starts = new Map<string, string>();
  for (const row of report.rows) starts.set(row.start, row.period);
  const ordered = [...starts.keys()].sort((a, b) => Date.parse(a) - Date.parse(b));
  const index = new Map(ordered.map((start, i) => [start, i]));
  const byGroup = new Map<string, Array<number | null>>();
  for (const row of report.rows) {
    const name = groupName(row, report.group_by);
    let values = byGroup.get(name);
    if (!values) {
      values = ordered.map(() => null);
      byGroup.set(name, values);
    }
    values[index.get(row.start) ?? 0] = row.metrics[metric] ?? null;
  }
  const names = [...byGroup.keys()].sort().slice(0, limit);
  let plan: Array<number | null> | null = null;
  if (byGroup.size === 1 && report.rows.some((row) => row.plan?.[metric])) {
    plan = ordered.map(() => null);
    for (const row of report.rows) plan[index.get(row.start) ?? 0] = row.plan?.[metric]?.standard ?? null;
  }
  return {
    xs: ordered.map((start) => Date.parse(start) / 1000),
    labels: ordered.map((start) => starts.get(start) ?? start),
    series: names.map((name) => ({ name, values: byGroup.get(name) ?? [] })),
    plan,
  };
}
