import { css, html, nothing } from "lit";
import { api } from "../core/api";
import { formatTime, t } from "../core/i18n";
import { problemText } from "../core/problems";
import type { components } from "../core/api-types";
import type { Dashboard } from "../core/types";
import { LocalizedElement } from "./localized";
import { pageStyles } from "./page-styles";

type MessageOut = components["schemas"]["MessageOut"];

/** How long a message may stay, offered in the form (minutes; 0: until taken down). */
const LIFETIMES = [0, 15, 30, 60, 120, 240, 480];

/**
 * The "Message to the floor" dialog: a line of text to the walls of the dashboard on screen
 * or to every wall, with an optional expiry (`POST /v1/messages`), and the messages on the
 * walls now that the user may take down. The API decides who may post where (a team lead:
 * their teams' dashboards) and a refusal shows its reason.
 */
export class FwFloorMessages extends LocalizedElement {
  static override properties = {
    dashboard: { attribute: false },
    messages: { state: true },
    error: { state: true },
  };
  declare dashboard: Dashboard;
  declare messages: MessageOut[] | null;
  declare error: string;

  constructor() {
    super();
    this.messages = null;
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
        overflow: auto;
      }
      section { width: min(52rem, 94vw); max-height: 90vh; overflow: auto; margin: 0; }
      header { display: flex; align-items: center; justify-content: space-between; gap: 1rem; }
      h1 { margin: 0; }
      form { margin: 1rem 0; }
      label.text { display: grid; width: 100%; margin-bottom: 0.8rem; }
      input[name="text"] { width: 100%; }
      .row { display: flex; gap: 1rem; flex-wrap: wrap; align-items: end; }
      td.when { color: var(--muted); white-space: nowrap; }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    void this.reload();
  }

  private async reload(): Promise<void> {
    try {
      this.messages = await api<MessageOut[]>("GET", "/v1/messages");
    } catch (error) {
      this.error = problemText(error);
    }
  }

  private async post(event: Event): Promise<void> {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const data = new FormData(form);
    const minutes = Number(data.get("lifetime") ?? 0);
    this.error = "";
    try {
      await api("POST", "/v1/messages", {
        text: String(data.get("text") ?? ""),
        dashboard_id: data.get("to") === "all" ? null : this.dashboard.id,
        expires_at: minutes ? new Date(Date.now() + minutes * 60_000).toISOString() : null,
      });
      form.reset();
      await this.reload();
    } catch (error) {
      this.error = problemText(error);
    }
  }

  private async takeDown(message: MessageOut): Promise<void> {
    this.error = "";
    try {
      await api("DELETE", `/v1/messages/${message.id}`);
      await this.reload();
    } catch (error) {
      this.error = problemText(error);
    }
  }

  private lifetimeLabel(minutes: number): string {
    if (minutes === 0) return t("messages.untilRemoved");
    return minutes < 60 ? t("messages.minutes", { count: minutes }) : t("messages.hours", { count: minutes / 60 });
  }

  override render() {
    const messages = this.messages;
    return html`<section role="dialog" aria-modal="true" aria-labelledby="messages-title" data-testid="floor-messages-dialog">
      <header>
        <h1 id="messages-title">${t("messages.title")}</h1>
        <button data-action="close-messages" @click=${() => this.dispatchEvent(new CustomEvent("close"))}>${t("edit.done")}</button>
      </header>
      <form @submit=${this.post}>
        <label class="text">${t("messages.text")}
          <input name="text" required maxlength="280" placeholder=${t("messages.placeholder")} />
        </label>
        <div class="row">
          <label>${t("messages.to")}
            <select name="to">
              <option value="dashboard">${t("messages.toDashboard", { name: this.dashboard.name })}</option>
              <option value="all">${t("messages.toAll")}</option>
            </select>
          </label>
          <label>${t("messages.lifetime")}
            <select name="lifetime">
              ${LIFETIMES.map((m) => html`<option value=${m} ?selected=${m === 60}>${this.lifetimeLabel(m)}</option>`)}
            </select>
          </label>
          <button class="primary" type="submit" data-action="post-message">${t("messages.post")}</button>
        </div>
      </form>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      ${messages === null
        ? html`<p class="muted">${t("app.loading")}</p>`
        : messages.length === 0
          ? html`<p class="muted">${t("messages.none")}</p>`
          : html`<div class="scroll"><table data-testid="messages-table">
              <thead><tr><th>${t("messages.text")}</th><th>${t("messages.to")}</th>
                <th>${t("messages.until")}</th><th></th></tr></thead>
              <tbody>${messages.map(
                (m) => html`<tr data-message=${m.id}>
                  <td>${m.text}</td>
                  <td>${m.dashboard ?? t("messages.toAll")}</td>
                  <td class="when">${m.expires_at ? formatTime(Date.parse(m.expires_at), false) : t("messages.untilRemoved")}</td>
                  <td><button class="danger" data-action="take-down" @click=${() => this.takeDown(m)}>${t("messages.takeDown")}</button></td>
                </tr>`,
              )}</tbody>
            </table></div>`}
    </section>`;
  }
}

customElements.define("fw-floor-messages", FwFloorMessages);
