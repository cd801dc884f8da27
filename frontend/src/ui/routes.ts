import type { MessageKey } from "../core/messages";

/** What the main area shows: a dashboard, the reports, plans, shifts, the coaching journal,
 * alert rules and channels, or the administration pages. */
export type View = "board" | "reports" | "plans" | "shifts" | "coaching" | "alerts" | "admin";
export type PageView = Exclude<View, "board">;

export interface Page {
  view: PageView;
  /** Only staff (admins, supervisors, team leads) may open it. */
  staff: boolean;
  title: MessageKey;
}

/** The pages of the top bar besides the dashboards, by path. */
const PAGES: Record<string, Page> = {
  "/reports": { view: "reports", staff: false, title: "nav.reports" },
  "/plans": { view: "plans", staff: true, title: "nav.plans" },
  "/shifts": { view: "shifts", staff: true, title: "nav.shifts" },
  "/coaching": { view: "coaching", staff: true, title: "nav.coaching" },
  "/alerts": { view: "alerts", staff: true, title: "nav.alerts" },
  "/admin": { view: "admin", staff: true, title: "nav.admin" },
};

/** The pages' code, loaded when first opened: a wall display never loads it. */
const PAGE_MODULES: Record<PageView, () => Promise<unknown>> = {
  reports: () => import("./fw-reports"),
  plans: () => import("./fw-plans"),
  shifts: () => import("./fw-shifts"),
  coaching: () => import("./fw-coaching"),
  alerts: () => import("./fw-alert-setup"),
  admin: () => import("./fw-admin"),
};

const STAFF_ROLES = ["admin", "supervisor", "team_lead"];

export function isStaffRole(role: string | undefined): boolean {
  return STAFF_ROLES.includes(role ?? "");
}

/** The page a path opens (`/admin/users` opens the administration), if it is one. */
export function pageAt(pathname: string): Page | undefined {
  return PAGES[`/${pathname.split("/")[1] ?? ""}`];
}

export function loadPage(view: PageView): Promise<unknown> {
  return PAGE_MODULES[view]();
}

/** The dashboard a path names (`/d/ID`), if any. */
export function dashboardIdAt(pathname: string): number | null {
  const match = /^\/d\/(\d+)/.exec(pathname);
  return match ? Number(match[1]) : null;
}
