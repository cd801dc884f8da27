import type { Dashboard, Rotation } from "./types";

/** The dashboards a dashboard may rotate to: shared with the whole tenant, or with its own
 * team (whoever sees it may see them; the server checks the same). */
export function rotationCandidates(dashboard: Dashboard, all: Dashboard[]): Dashboard[] {
  return all.filter((d) => d.id !== dashboard.id && (d.team === null || d.team === dashboard.team));
}

/** The rotation as the server takes it: dashboards that still exist and may rotate here; none
 * left means no rotation. */
export function cleanRotation(dashboard: Dashboard, all: Dashboard[]): Rotation | null {
  const rotation = dashboard.rotation;
  if (!rotation) return null;
  const allowed = new Set(rotationCandidates(dashboard, all).map((d) => d.id));
  const ids = rotation.dashboards.filter((id) => allowed.has(id));
  return ids.length ? { dashboards: ids, every_s: rotation.every_s } : null;
}

/** Dashboards a wall cycles through, and the seconds each stays. */
export interface RotationPlan {
  ids: number[];
  every: number;
}

/** `?rotate=1,4,7&every=30`: the listed dashboards the user may see, at least 10 s each; none
 * unless two or more remain. */
export function urlRotation(params: URLSearchParams, dashboards: Dashboard[]): RotationPlan | null {
  const rotate = params.get("rotate");
  if (!rotate) return null;
  const ids = rotate.split(",").map(Number).filter((id) => dashboards.some((d) => d.id === id));
  const every = Math.max(10, Number(params.get("every")) || 30);
  return ids.length > 1 ? { ids, every } : null;
}

/** The rotation saved with `anchor` (the dashboard wall mode opened on), starting with it, over
 * the dashboards that still exist. */
export function savedRotation(anchor: Dashboard | undefined, dashboards: Dashboard[]): RotationPlan | null {
  const rotation = anchor ? cleanRotation(anchor, dashboards) : null;
  if (!anchor || !rotation) return null;
  const known = new Set(dashboards.map((d) => d.id));
  return { ids: [anchor.id, ...rotation.dashboards.filter((id) => known.has(id))], every: rotation.every_s };
}

/** The dashboard after `current` in the plan (the first when `current` is not in it). */
export function nextInRotation(plan: RotationPlan, current: number | undefined): number {
  const at = plan.ids.indexOf(current ?? -1);
  return plan.ids[(at + 1) % plan.ids.length];
}
