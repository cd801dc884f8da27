/** The dashboard grid: 12 columns, rows as many as the widgets need. New widgets go to the
 * first free place; sizes and defaults per widget type. */

import type { WidgetConfig, WidgetType } from "./types";

export const COLUMNS = 12;
export const MAX_ROWS = 48;

export const WIDGET_TYPES: WidgetType[] = [
  "kpi",
  "gauge",
  "queue_table",
  "agent_board",
  "chart",
  "leaderboard",
  "alerts",
  "agent_stats",
  "callbacks",
  "phrases",
  "stalled_deals",
  "funnel",
];

const DEFAULTS: Record<WidgetType, Partial<WidgetConfig>> = {
  kpi: { w: 2, h: 2, metric: "calls_waiting", window: "live" },
  gauge: { w: 2, h: 2, metric: "service_level", window: "15m" },
  queue_table: { w: 5, h: 3, window: "15m" },
  agent_board: { w: 7, h: 4 },
  chart: { w: 5, h: 2, metric: "service_level", window: "15m" },
  leaderboard: { w: 4, h: 3, window: "today", options: { by: "revenue", limit: 5 } },
  alerts: { w: 6, h: 2 },
  agent_stats: { w: 6, h: 4, window: "today", options: { sort: "in_state" } },
  callbacks: { w: 6, h: 3 },
  phrases: { w: 4, h: 3, window: "today", options: { limit: 8 } },
  stalled_deals: { w: 6, h: 3 },
  funnel: { w: 6, h: 3, scope: "pipeline:default", options: { period: "today" } },
};

export function rowsOf(widgets: WidgetConfig[]): number {
  return Math.max(1, ...widgets.map((w) => w.y + w.h));
}

function overlaps(a: { x: number; y: number; w: number; h: number }, b: WidgetConfig): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

export function freeSpot(widgets: WidgetConfig[], w: number, h: number): { x: number; y: number } {
  for (let y = 0; y + h <= MAX_ROWS; y++) {
    for (let x = 0; x + w <= COLUMNS; x++) {
      if (!widgets.some((other) => overlaps({ x, y, w, h }, other))) return { x, y };
    }
  }
  return { x: 0, y: rowsOf(widgets) };
}

export function newWidget(type: WidgetType, existing: WidgetConfig[]): WidgetConfig {
  const defaults = DEFAULTS[type];
  const w = defaults.w ?? 3;
  const h = defaults.h ?? 2;
  const { x, y } = freeSpot(existing, w, h);
  let n = existing.length + 1;
  while (existing.some((e) => e.id === `${type}-${n}`)) n++;
  return {
    id: `${type}-${n}`,
    type,
    x,
    y,
    w,
    h,
    title: "",
    metric: defaults.metric ?? null,
    scope: defaults.scope ?? "tenant",
    window: defaults.window ?? "15m",
    thresholds: null,
    options: { ...(defaults.options ?? {}) },
  };
}

export function clampWidget(w: WidgetConfig): WidgetConfig {
  const width = Math.max(1, Math.min(COLUMNS, Math.round(w.w)));
  const height = Math.max(1, Math.min(16, Math.round(w.h)));
  return {
    ...w,
    w: width,
    h: height,
    x: Math.max(0, Math.min(COLUMNS - width, Math.round(w.x))),
    y: Math.max(0, Math.min(MAX_ROWS - height, Math.round(w.y))),
  };
}
