import { html, type TemplateResult } from "lit";
import { t } from "../core/i18n";
import type { MessageKey } from "../core/messages";
import type { View } from "./routes";

/** The logo at the start of the top bar (ui/fw-app.ts, styled by ui/fw-app-styles.ts). */
export const brand = html`<div class="brand">
  <svg viewBox="0 0 32 32" aria-hidden="true"><rect width="32" height="32" rx="7" fill="#0f172a"/><path d="M6 22h4V12H6zm8 0h4V6h-4zm8 0h4v-7h-4z" fill="#38bdf8"/><circle cx="24" cy="9" r="3" fill="#22c55e"/></svg>
</div>`;

const PAGE_LINKS: { view: Exclude<View, "board">; path: string; label: MessageKey; staff: boolean }[] = [
  { view: "reports", path: "/reports", label: "nav.reports", staff: false },
  { view: "plans", path: "/plans", label: "nav.plans", staff: true },
  { view: "shifts", path: "/shifts", label: "nav.shifts", staff: true },
  { view: "coaching", path: "/coaching", label: "nav.coaching", staff: true },
  { view: "alerts", path: "/alerts", label: "nav.alerts", staff: true },
  { view: "admin", path: "/admin/users", label: "nav.admin", staff: true },
];

/** The page links of the top bar: the dashboards, the reports, and for staff the other pages;
 * the one shown is marked `aria-current="page"`. */
export function pageNav(
  view: View,
  staff: boolean,
  open: (path: string) => void,
  openBoard: () => void,
): TemplateResult {
  const current = (v: View) => (view === v ? "page" : "false");
  return html`<nav class="pages">
    <button data-nav="board" aria-current=${current("board")} @click=${openBoard}>${t("nav.dashboards")}</button>
    ${PAGE_LINKS.filter((link) => staff || !link.staff).map(
      (link) => html`<button data-nav=${link.view} aria-current=${current(link.view)}
        @click=${() => open(link.path)}>${t(link.label)}</button>`,
    )}
  </nav>`;
}
