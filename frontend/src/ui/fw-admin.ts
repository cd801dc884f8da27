import { css, html, nothing } from "lit";
import { t } from "../core/i18n";
import type { MessageKey } from "../core/messages";
import { LocalizedElement } from "./localized";
import { pageStyles } from "./page-styles";
import "./admin/fw-admin-agents";
import "./admin/fw-admin-keys";
import "./admin/fw-admin-phrases";
import "./admin/fw-admin-queues";
import "./admin/fw-admin-stalls";
import "./admin/fw-admin-teams";
import "./admin/fw-admin-tenant";
import "./admin/fw-admin-users";
import "./admin/fw-admin-schedules";

type Tab =
  | "users" | "teams" | "agents" | "queues" | "tenant" | "keys" | "schedules" | "stalls" | "phrases";
const TABS: readonly Tab[] = [
  "users", "teams", "agents", "queues", "tenant", "keys", "schedules", "stalls", "phrases",
];

function tabFromPath(): Tab {
  const wanted = location.pathname.split("/")[2] ?? "";
  return (TABS as readonly string[]).includes(wanted) ? (wanted as Tab) : "users";
}

/** `/admin/TAB`: users, teams, agents, queues (with their thresholds), the organisation
 * (language, currency), API keys, scheduled e-mailed reports, the stall limits of the sales
 * pipeline and the phrase lists of phrase spotting. Admins
 * change them; supervisors and team leads read what the API shows them (no API keys). */
export class FwAdmin extends LocalizedElement {
  static override properties = { userRole: {}, tab: { state: true } };
  declare userRole: string;
  declare tab: Tab;

  static override styles = [
    pageStyles,
    css`
      :host { display: flex; flex-direction: column; padding: 0; overflow: hidden; }
      .head { padding: 1rem 1.4rem 0; }
      .tabs { display: flex; gap: 0.3rem; border-bottom: 1px solid var(--line); }
      .tabs button { border-radius: 0.45rem 0.45rem 0 0; border-bottom: 0; background: transparent; color: var(--muted); }
      .tabs button[aria-selected="true"] { background: var(--panel-2); color: var(--text); font-weight: 700; }
      .body { flex: 1; min-height: 0; display: flex; }
    `,
  ];

  private readonly onPop = () => (this.tab = tabFromPath());

  constructor() {
    super();
    this.userRole = "";
    this.tab = tabFromPath();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener("popstate", this.onPop);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener("popstate", this.onPop);
  }

  private tabs(): Tab[] {
    return this.userRole === "admin" ? [...TABS] : TABS.filter((tab) => tab !== "keys");
  }

  private open(tab: Tab): void {
    history.pushState(null, "", `/admin/${tab}${location.search}`);
    this.tab = tab;
  }

  private section(tab: Tab) {
    const edit = this.userRole === "admin";
    switch (tab) {
      case "users":
        return html`<fw-admin-users ?canEdit=${edit}></fw-admin-users>`;
      case "teams":
        return html`<fw-admin-teams ?canEdit=${edit}></fw-admin-teams>`;
      case "agents":
        return html`<fw-admin-agents ?canEdit=${edit}></fw-admin-agents>`;
      case "queues":
        return html`<fw-admin-queues ?canEdit=${edit}></fw-admin-queues>`;
      case "tenant":
        return html`<fw-admin-tenant ?canEdit=${edit}></fw-admin-tenant>`;
      case "keys":
        return edit ? html`<fw-admin-keys ?canEdit=${edit}></fw-admin-keys>` : nothing;
      case "schedules":
        // every staff member schedules within what the API allows them
        return html`<fw-admin-schedules ?canEdit=${true}></fw-admin-schedules>`;
      case "stalls":
        return html`<fw-admin-stalls ?canEdit=${edit}></fw-admin-stalls>`;
      case "phrases":
        return html`<fw-admin-phrases ?canEdit=${edit}></fw-admin-phrases>`;
    }
  }

  override render() {
    const tab = this.tabs().includes(this.tab) ? this.tab : "users";
    return html`
      <div class="head">
        <h1>${t("admin.title")}</h1>
        ${this.userRole === "admin" ? nothing : html`<p class="muted" data-testid="read-only">${t("admin.readOnly")}</p>`}
        <div class="tabs" role="tablist">
          ${this.tabs().map((name) => html`<button role="tab" data-tab=${name} aria-selected=${name === tab ? "true" : "false"}
            @click=${() => this.open(name)}>${t(`admin.tab.${name}` as MessageKey)}</button>`)}
        </div>
      </div>
      <div class="body">${this.section(tab)}</div>
    `;
  }
}

customElements.define("fw-admin", FwAdmin);
