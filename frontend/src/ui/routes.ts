import type { MessageKey } from "../core/messages";

/** What the main area shows: a dashboard, the reports, plans, shifts, the coaching journal,
 * alert rules and channels, or the administration pages. */
export type View = "board" | "reports" | "plans" | "shifts" | "coaching" | "alerts" | "admin";
export type PageView = Exclude<View, "board">;

export interface Page {
  view: PageView;
  /** The first segment of its paths (`/admin` for `/admin/users`). */
  path: string;
  /** Where its link in the top bar leads. */
  link: string;
  /** Only staff (admins, supervisors, team leads) may open it. */
  staff: boolean;
  title: MessageKey;
}

/** The pages of the top bar besides the dashboards, in the bar's order. */
export const PAGES: readonly Page[] = [
  { view: "reports", path: "/reports", link: "/reports", staff: false, title: "nav.reports" },
  { view: "plans", path: "/plans", link: "/plans", staff: true, title: "nav.plans" },
  { view: "shifts", path: "/shifts", link: "/shifts", staff: true, title: "nav.shifts" },
  { view: "coaching", path: "/coaching", link: "/coaching", staff: true, title: "nav.coaching" },
  { view: "alerts", path: "/alerts", link: "/alerts", staff: true, title: "nav.alerts" },
  { view: "admin", path: "/admin", link: "/admin/users", staff: true, title: "nav.admin" },
];

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
  const first = `/${pathname.split("/")[1] ?? ""}`;
  return PAGES.find((page) => page.path === first);
}

export function loadPage(view: PageView): Promise<unknown> {
  return PAGE_MODULES[view]();
}

/** The dashboard a path names (`/d/ID`), if any. */
export function dashboardIdAt(pathname: string): number | null {
  const match = /^\/d\/(\d+)/.exec(pathname);
  return match ? Number(match[1]) : null;
}
