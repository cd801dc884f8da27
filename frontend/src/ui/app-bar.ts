import { html, type TemplateResult } from "lit";
import { t } from "../core/i18n";
import { PAGES, type View } from "./routes";

/** The logo at the start of the top bar (ui/fw-app.ts, styled by ui/fw-app-styles.ts). */
export const brand = html`<div class="brand">
  <svg viewBox="0 0 32 32" aria-hidden="true"><rect width="32" height="32" rx="7" fill="#0f172a"/><path d="M6 22h4V12H6zm8 0h4V6h-4zm8 0h4v-7h-4z" fill="#38bdf8"/><circle cx="24" cy="9" r="3" fill="#22c55e"/></svg>
</div>`;

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
    ${PAGES.filter((page) => staff || !page.staff).map(
      (page) => html`<button data-nav=${page.view} aria-current=${current(page.view)}
        @click=${() => open(page.link)}>${t(page.title)}</button>`,
    )}
  </nav>`;
}
