import { css, html, nothing } from "lit";
import { api } from "../core/api";
import { locale, t } from "../core/i18n";
import type { Dashboard } from "../core/types";
import { LocalizedElement } from "./localized";
import { pageStyles } from "./page-styles";

interface DisplayLink {
  id: number;
  name: string;
  dashboard_id: number;
  dashboard: string;
  created_at: string;
  last_used_at: string | null;
}

interface DisplayLinkCreated {
  id: number;
  path: string;
}

/**
 * The display-links panel of the dashboard editor: every TV link the user manages (all of the
 * tenant's for admins, their teams' dashboards' for team leads: `GET /v1/display-links`), with
 * its dashboard, when it was made and last seen, and *Revoke*; and a new link for the
 * dashboard being edited, whose address is shown once.
 */
export class FwDisplayLinks extends LocalizedElement {
  static override properties = {
    dashboard: { attribute: false },
    links: { state: true },
    address: { state: true },
    error: { state: true },
  };
  declare dashboard: Dashboard;
  declare links: DisplayLink[] | null;
  declare address: string;
  declare error: string;

  constructor() {
    super();
    this.links = null;
    this.address = "";
    this.error = "";
  }

  static override styles = [
    pageStyles,
    css`
      :host {
        position: fixed;
        inset: 0;
        z-index: 30;
        display: grid;
        place-items: center;
        background: rgba(2, 6, 23, 0.7);
        padding: 0;
        overflow: auto;
      }
      section { width: min(60rem, 94vw); max-height: 90vh; overflow: auto; margin: 0; }
      header { display: flex; align-items: center; justify-content: space-between; gap: 1rem; }
      h1 { margin: 0; }
      code { display: block; word-break: break-all; background: var(--bg-2); padding: 0.7rem; border-radius: 0.4rem; margin: 0.5rem 0; }
      .new { margin: 1rem 0; }
      input[name="name"] { min-width: 16rem; }
      td.when { color: var(--muted); }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    void this.reload();
  }

  private async reload(): Promise<void> {
    try {
      this.links = await api<DisplayLink[]>("GET", "/v1/display-links");
    } catch (error) {
      this.error = error instanceof Error ? error.message : String(error);
    }
  }

  private async create(event: Event): Promise<void> {
    event.preventDefault();
    const name = String(new FormData(event.target as HTMLFormElement).get("name") ?? "").trim();
    this.error = "";
    try {
      const created = await api<DisplayLinkCreated>("POST", `/v1/dashboards/${this.dashboard.id}/display-links`, {
        name: name || `${this.dashboard.name} TV`,
      });
      this.address = `${location.origin}${created.path}`;
      await this.reload();
    } catch (error) {
      this.error = error instanceof Error ? error.message : String(error);
    }
  }

  private async revoke(link: DisplayLink): Promise<void> {
    if (!confirm(t("links.confirmRevoke", { name: link.name }))) return;
    this.error = "";
    try {
      await api("DELETE", `/v1/display-links/${link.id}`);
      await this.reload();
    } catch (error) {
      this.error = error instanceof Error ? error.message : String(error);
    }
  }

  private when(iso: string | null): string {
    if (!iso) return t("links.never");
    return new Intl.DateTimeFormat(locale(), { dateStyle: "medium", timeStyle: "short" }).format(new Date(iso));
  }

  private close(): void {
    this.dispatchEvent(new CustomEvent("close"));
  }

  override render() {
    const links = this.links;
    return html`<section role="dialog" aria-modal="true" aria-labelledby="links-title" data-testid="display-links">
      <header>
        <h1 id="links-title">${t("links.title")}</h1>
        <button data-action="close-links" @click=${this.close}>${t("edit.done")}</button>
      </header>
      <form class="new" @submit=${this.create}>
        <label>${t("links.name")}
          <input name="name" maxlength="100" .value=${`${this.dashboard.name} TV`} />
        </label>
        <button class="primary" type="submit" data-action="create-link">
          ${t("links.create", { dashboard: this.dashboard.name })}
        </button>
      </form>
      ${this.address
        ? html`<div role="status">
            <p class="muted">${t("edit.displayLinkHelp")}</p>
            <code data-testid="display-link">${this.address}</code>
            <button @click=${() => navigator.clipboard?.writeText(this.address)}>${t("edit.copy")}</button>
          </div>`
        : nothing}
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      ${links === null
        ? html`<p class="muted">${t("app.loading")}</p>`
        : links.length === 0
          ? html`<p class="muted">${t("links.none")}</p>`
          : html`<div class="scroll"><table data-testid="display-links-table">
              <thead><tr>
                <th>${t("links.name")}</th><th>${t("links.dashboard")}</th>
                <th>${t("links.created")}</th><th>${t("links.lastSeen")}</th><th></th>
              </tr></thead>
              <tbody>${links.map(
                (link) => html`<tr data-link=${link.id}>
                  <td>${link.name}</td>
                  <td>${link.dashboard}</td>
                  <td class="when">${this.when(link.created_at)}</td>
                  <td class="when" data-column="last-seen">${this.when(link.last_used_at)}</td>
                  <td><button class="danger" data-action="revoke" @click=${() => this.revoke(link)}>${t("links.revoke")}</button></td>
                </tr>`,
              )}</tbody>
            </table></div>`}
    </section>`;
  }
}

customElements.define("fw-display-links", FwDisplayLinks);
