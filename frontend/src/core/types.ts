/** Shapes of the REST API, taken from the generated `api-types.ts` (`make frontend-types`,
 * from `/openapi.json`; `make lint` fails when it is stale), and of the WebSocket API v1, which
 * OpenAPI does not describe (docs/websocket.md). */

import type { components } from "./api-types";

type Schemas = components["schemas"];

export type WidgetType = Schemas["Widget"]["type"];
export type Direction = Schemas["Thresholds"]["direction"];
/** Thresholds as the API answers them (every field present). */
export type Thresholds = Required<Schemas["Thresholds"]>;
export type OptionValue = string | number | boolean | string[] | null;
/** A widget as the API answers it (fields with defaults are always present). */
export type WidgetConfig = Omit<Required<Schemas["Widget"]>, "thresholds" | "options"> & {
  thresholds: Thresholds | null;
  options: Record<string, OptionValue>;
};
export type Dashboard = Omit<Schemas["DashboardOut"], "widgets"> & { widgets: WidgetConfig[] };
export type WallOptions = Schemas["WallOptions"];
export type Me = Schemas["MeResponse"];
export type MetricCatalog = Schemas["MetricCatalog"];
export type MetricSpec = Schemas["MetricOut"];
export type Tenant = Schemas["TenantOut"];
export type QueueServiceLevel = Schemas["QueueServiceLevel"];
export type Rotation = Schemas["Rotation"];

// -- WebSocket API v1 (docs/websocket.md) ----------------------------------------------------

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
  window: string;
  op: string;
  scope: string;
  summary: string;
  value: number | null;
  threshold: number;
  started_at: string;
  fired_at: string | null;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
}

/** An entry of the call-back list as the `callbacks:SCOPE` topics carry it (the number whole
 * or masked, as the server decides for the reader). */
export interface CallbackRow {
  id: number;
  number: string;
  queue: string | null;
  status: string;
  first_missed: number;
  last_missed: number;
  misses: number;
  attempts: number;
  closed_at: number;
  reason: string | null;
  callback_ms: number | null;
}

/** A row of the deal list as the `deals:SCOPE` topics carry it: a stalled open deal (keyed by
 * its id) or a recent win (keyed `won:ID`). Times are epoch ms, money in the tenant's currency. */
export interface DealRow {
  kind: "stalled" | "won";
  id: string;
  owner: string | null;
  owner_name: string | null;
  team: string | null;
  pipeline: string;
  stage?: string;
  since?: number;
  limit_s?: number;
  at?: number;
  amount: number | null;
}

/** One step of a `funnel:` topic (app/reports/funnel.py `FunnelStep`). */
export interface FunnelStep {
  stage: string;
  in_order: number;
  any_path: number;
  in_order_next: number | null;
  in_order_cumulative: number | null;
  any_path_next: number | null;
  any_path_cumulative: number | null;
}

/** The value of a `funnel:` topic: a pipeline's funnel (a team's part) over a period. */
export interface FunnelData {
  pipeline: string;
  team: string | null;
  period: "today" | "week" | "month";
  from: string;
  to: string;
  created: number;
  steps: FunnelStep[];
}
