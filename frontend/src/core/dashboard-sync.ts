/**
 * Keeps an open wall's layout current: the `dashboards:tenant` / `dashboards:team:NAME` topics
 * (docs/websocket.md) carry every dashboard's version; when the shown one's version moves on
 * (or it disappears), the page reloads its dashboards, so a layout saved anywhere reaches the
 * TVs that show it.
 */

import { live } from "./live";
import type { Dashboard } from "./types";

function dashboardTopic(dashboard: Pick<Dashboard, "team">): string {
  return dashboard.team ? `dashboards:team:${dashboard.team}` : "dashboards:tenant";
}

/** Call `reload` whenever the server holds another version of `dashboard` than the page.
 * Returns the function that stops watching. */
export function watchDashboard(dashboard: Dashboard, reload: () => void): () => void {
  return live.subscribe(dashboardTopic(dashboard), (copy) => {
    const version = copy.data[String(dashboard.id)];
    if (version === undefined || version > dashboard.version) reload();
  });
}
