import { css, html, nothing } from "lit";
import { api } from "../core/api";
import { formatDurationWords, formatInteger, formatTime, t } from "../core/i18n";
import { problemText } from "../core/problems";
import type { components } from "../core/api-types";
import { LocalizedElement } from "./localized";
import { pageStyles } from "./page-styles";

type CallbackPage = components["schemas"]["CallbackPage"];
type CallbackOut = components["schemas"]["CallbackOut"];

/** Roles that may dismiss (team leads only entries of their teams' queues: those the server
 * shows them whole, `masked: false`). */
const DISMISSING_ROLES = ["admin", "supervisor", "team_lead"];

/** The open call-back list of `GET /v1/callbacks` for staff on the reports page: whole numbers
 * where the server shows them whole, and a dismiss dialog (a reason required) for the entries
 * the user may take off the list (`POST /v1/callbacks/{id}/dismiss`). The wall widget, seen by
 * whoever walks past, has no such action: it lives here. */
export class FwCallbackList extends LocalizedElement {
  static override properties = {
    userRole: { type: String },
    list: { state: true },
    error: { state: true },
    dismissing: { state: true },
    dialogError: { state: true },
  };
  declare userRole: string;
  declare list: CallbackPage | null;
  declare error: string;
  declare dismissing: CallbackOut | null;
  declare dialogError: string;

  static override styles = [
    pageStyles,
    css`
      dialog {
        color: var(--text);
        background: var(--panel-2);
        border: 1px solid var(--line);
        border-radius: var(--radius);
        padding: 1rem 1.2rem;
        width: min(32rem, 92vw);
      }
      dialog::backdrop { background: rgba(0, 0, 0, 0.55); }
      dialog h3 { margin: 0 0 0.6rem; font-size: 1.05rem; }
      dialog form { flex-direction: column; align-items: stretch; }
      dialog .actions { display: flex; justify-content: flex-end; gap: 0.6rem; }
      .number { font-variant-numeric: tabular-nums; }
    `,
  ];

  constructor() {
    super();
    this.userRole = "";
    this.list = null;
    this.error = "";
    this.dismissing = null;
    this.dialogError = "";
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  private async load(): Promise<void> {
    try {
      this.list = await api<CallbackPage>("GET", "/v1/callbacks?status=open&limit=200");
      this.error = "";
    } catch (error) {
      this.error = problemText(error);
    }
  }

  private mayDismiss(entry: CallbackOut): boolean {
    return entry.status === "open" && !entry.masked && DISMISSING_ROLES.includes(this.userRole);
  }

  private async openDialog(entry: CallbackOut): Promise<void> {
    this.dismissing = entry;
    this.dialogError = "";
    await this.updateComplete;
    const dialog = this.renderRoot.querySelector("dialog");
    dialog?.showModal();
    dialog?.querySelector("input")?.focus();
  }

  private closeDialog(): void {
    this.renderRoot.querySelector("dialog")?.close();
    this.dismissing = null;
  }

  private async dismiss(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const entry = this.dismissing;
    if (!entry) return;
    const reason = String(new FormData(event.target as HTMLFormElement).get("reason") ?? "").trim();
    if (!reason) {
      this.dialogError = t("callbackList.reasonRequired");
      return;
    }
    try {
      await api("POST", `/v1/callbacks/${entry.id}/dismiss`, { reason });
      this.closeDialog();
      if (this.list) this.list = { ...this.list, items: this.list.items.filter((e) => e.id !== entry.id) };
    } catch (error) {
      this.dialogError = problemText(error);
    }
  }

  private row(entry: CallbackOut, at: number) {
    return html`<tr data-callback=${entry.id}>
      <td class="number">${entry.number}</td>
      <td>${entry.queue ?? "—"}</td>
      <td>${formatTime(entry.last_missed_ms, false)}</td>
      <td class="num">${formatDurationWords((at - entry.last_missed_ms) / 1000)}</td>
      <td class="num">${formatInteger(entry.misses)}</td>
      <td class="num">${formatInteger(entry.attempts)}</td>
      <td>${this.mayDismiss(entry)
        ? html`<button class="danger" data-action="dismiss" @click=${() => this.openDialog(entry)}>${t("callbackList.dismiss")}</button>`
        : nothing}</td>
    </tr>`;
  }

  private dialog() {
    const entry = this.dismissing;
    return html`<dialog aria-labelledby="dismiss-title" data-testid="dismiss-dialog" @close=${() => (this.dismissing = null)}>
      ${entry
        ? html`<h3 id="dismiss-title">${t("callbackList.dismissTitle", { number: entry.number })}</h3>
          <form @submit=${this.dismiss}>
            <label>${t("callbackList.reason")}
              <input name="reason" required maxlength="200" placeholder=${t("callbackList.reasonPlaceholder")} />
            </label>
            ${this.dialogError ? html`<p class="error" role="alert">${this.dialogError}</p>` : nothing}
            <div class="actions">
              <button type="button" data-action="cancel" @click=${this.closeDialog}>${t("callbackList.cancel")}</button>
              <button class="primary" type="submit" data-action="confirm-dismiss">${t("callbackList.confirm")}</button>
            </div>
          </form>`
        : nothing}
    </dialog>`;
  }

  override render() {
    const list = this.list;
    return html`
      <h2>${t("callbackList.title")}</h2>
      <p class="muted">${t("callbackList.hint")}</p>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      ${list === null
        ? html`<p class="muted">${t("app.loading")}</p>`
        : list.items.length === 0
          ? html`<p class="muted" data-testid="callback-list-empty">${t("callbackList.none")}</p>`
          : html`<div class="scroll"><table data-testid="callback-list">
              <thead><tr>
                <th>${t("callbackList.number")}</th><th>${t("callbackList.queue")}</th>
                <th>${t("callbackList.lastMissed")}</th><th class="num">${t("callbackList.waiting")}</th>
                <th class="num">${t("callbackList.misses")}</th><th class="num">${t("callbackList.attempts")}</th><th></th>
              </tr></thead>
              <tbody>${list.items.map((entry) => this.row(entry, list.at_ms))}</tbody>
            </table></div>`}
      ${this.dialog()}
    `;
  }
}

customElements.define("fw-callback-list", FwCallbackList);
