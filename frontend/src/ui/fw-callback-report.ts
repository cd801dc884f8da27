import { css, html, nothing, type PropertyValues } from "lit";
import { api } from "../core/api";
import { formatDurationWords, formatInteger, formatPercent, t } from "../core/i18n";
import type { MessageKey } from "../core/messages";
import { problemText } from "../core/problems";
import type { components } from "../core/api-types";
import { LocalizedElement } from "./localized";
import { pageStyles } from "./page-styles";

type CallbackReport = components["schemas"]["CallbackReport"];
type CallbackReportDay = components["schemas"]["CallbackReportDay"];

const COUNTS = ["missed_callers", "returned_by_us", "called_again", "expired", "dismissed", "still_open"] as const;

/** The call-back report of `GET /v1/callbacks/report` for the KPI report's date range: per
 * day of the first miss, missed callers and what became of them, the call-back rate and the
 * time to call-back (counts only: no numbers), and the same as a CSV download. */
export class FwCallbackReport extends LocalizedElement {
  static override properties = {
    from: { type: String },
    to: { type: String },
    report: { state: true },
    error: { state: true },
  };
  declare from: string;
  declare to: string;
  declare report: CallbackReport | null;
  declare error: string;
  private requestId = 0;

  static override styles = [
    pageStyles,
    css`
      .bar.head { justify-content: space-between; align-items: center; margin-bottom: 0.6rem; }
      .bar.head p { margin: 0; }
    `,
  ];

  constructor() {
    super();
    this.from = "";
    this.to = "";
    this.report = null;
    this.error = "";
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if ((changed.has("from") || changed.has("to")) && this.from && this.to) void this.load();
  }

  private async load(): Promise<void> {
    const id = ++this.requestId;
    try {
      const query = new URLSearchParams({ from: this.from, to: this.to });
      const report = await api<CallbackReport>("GET", `/v1/callbacks/report?${query}`);
      if (id === this.requestId) {
        this.report = report;
        this.error = "";
      }
    } catch (error) {
      if (id === this.requestId) {
        this.report = null;
        this.error = problemText(error);
      }
    }
  }

  private row(day: CallbackReportDay) {
    return html`<tr data-date=${day.date}>
      <td>${day.date}</td>
      ${COUNTS.map((field) => html`<td class="num" data-field=${field}>${formatInteger(day[field])}</td>`)}
      <td class="num" data-field="callback_rate">${day.callback_rate === null ? "—" : formatPercent(day.callback_rate)}</td>
      <td class="num" data-field="time_to_callback_s">${day.time_to_callback_s === null ? "—" : formatDurationWords(day.time_to_callback_s)}</td>
    </tr>`;
  }

  override render() {
    const days = (this.report?.days ?? []).filter((d) => d.missed_callers > 0);
    return html`
      <h2>${t("callbackReport.title")}</h2>
      <div class="bar head">
        <p class="muted">${t("callbackReport.hint")}</p>
        ${this.from && this.to
          ? html`<a class="button" data-testid="callback-csv" download
              href=${`/v1/callbacks/report?${new URLSearchParams({ from: this.from, to: this.to, format: "csv" })}`}>${t("reports.csv")}</a>`
          : nothing}
      </div>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      ${days.length === 0
        ? html`<p class="muted" data-testid="callback-report-empty">${t("reports.empty")}</p>`
        : html`<div class="scroll"><table data-testid="callback-report">
            <thead><tr>
              <th>${t("callbackReport.day")}</th>
              ${COUNTS.map((field) => html`<th class="num">${t(`callbackReport.${field}` as MessageKey)}</th>`)}
              <th class="num">${t("callbackReport.callback_rate")}</th>
              <th class="num">${t("callbackReport.time_to_callback")}</th>
            </tr></thead>
            <tbody>${days.map((day) => this.row(day))}</tbody>
          </table></div>`}
    `;
  }
}

customElements.define("fw-callback-report", FwCallbackReport);
