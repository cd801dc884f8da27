/** Shapes of the REST API (`/v1/dashboards`, `/v1/auth`) and the WebSocket API v1. */

export type WidgetType =
  | "kpi"
  | "gauge"
  | "queue_table"
  | "agent_board"
  | "chart"
  | "leaderboard"
  | "alerts";

export type Direction = "above" | "below";

export interface Thresholds {
  direction: Direction;
  warn: number | null;
  crit: number | null;
}

export type OptionValue = string | number | boolean | string[] | null;

export interface WidgetConfig {
  id: string;
  type: WidgetType;
  x: number;
  y: number;
  w: number;
  h: number;
  title: string;
  metric: string | null;
  scope: string;
  window: string;
  thresholds: Thresholds | null;
  options: Record<string, OptionValue>;
}

export interface Dashboard {
  id: number;
  name: string;
  team: string | null;
  widgets: WidgetConfig[];
  version: number;
  can_edit: boolean;
  updated_by: string | null;
  updated_at: string;
}

export interface WallOptions {
  queues: string[];
  teams: string[];
  metrics: string[];
  windows: string[];
  agent_states: string[];
  grid_columns: number;
}

export interface Me {
  user: { id: number; username: string; display_name: string; role: string };
  tenant: string;
  csrf_token: string | null;
}

export type MetricValues = Record<string, number | null>;

export interface BoardRow {
  agent: string;
  name: string | null;
  team: string | null;
  state: string;
  reason: string | null;
  since_ms: number;
  call_id: string | null;
  call_queue: string | null;
  handled_today: number;
}

export interface AlertRow {
  id: number;
  rule_name: string;
  state: string;
  severity: string;
  metric: string;
  scope: string;
  summary: string;
  value: number | null;
  threshold: number;
  started_at: string;
  fired_at: string | null;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
}
