import type { Tenant, WallOptions } from "./types";

/** What the tenant has (queues, teams) and its settings (currency), loaded once by the app
 * shell for widgets and editor. */
export const wall: { options: WallOptions; readOnly: boolean; tenant: Tenant | null } = {
  readOnly: false,
  tenant: null,
  options: {
    queues: [],
    teams: [],
    metrics: [],
    windows: ["live", "5m", "15m", "60m", "today", "interval"],
    agent_states: ["available", "ringing", "on_call", "wrapup", "break", "logged_out"],
    grid_columns: 12,
    service_levels: {},
  },
};
