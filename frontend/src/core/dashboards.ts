import { api } from "./api";
import { cleanRotation } from "./rotation";
import type { Dashboard } from "./types";

/** Saves an edited dashboard (its rotation cleaned of dashboards it may no longer show). A
 * dashboard changed elsewhere since `draft.version` is refused with a 409. */
export function saveDashboard(draft: Dashboard, dashboards: Dashboard[]): Promise<Dashboard> {
  return api<Dashboard>("PUT", `/v1/dashboards/${draft.id}`, {
    name: draft.name,
    team: draft.team,
    widgets: draft.widgets,
    rotation: cleanRotation(draft, dashboards),
    celebrate_wins: draft.celebrate_wins ?? false,
    version: draft.version,
  });
}

/** Creates an empty dashboard named `base N`, with the first N no other dashboard uses. */
export function createDashboard(base: string, dashboards: Dashboard[]): Promise<Dashboard> {
  const names = new Set(dashboards.map((d) => d.name));
  let n = dashboards.length + 1;
  while (names.has(`${base} ${n}`)) n++;
  return api<Dashboard>("POST", "/v1/dashboards", { name: `${base} ${n}`, widgets: [] });
}

export async function deleteDashboard(id: number): Promise<void> {
  await api("DELETE", `/v1/dashboards/${id}`);
}
