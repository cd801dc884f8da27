import { html } from "lit";
import type { components } from "../../core/api-types";
import { api } from "../../core/api";
import { formatDecimal, t } from "../../core/i18n";
import { AdminSection, formValues } from "./section";

type StallLimit = components["schemas"]["StallLimit"];
type StallLimits = components["schemas"]["StallLimitsOut"];
const HOUR_S = 3600;

/** Stall limits per pipeline and stage: an open deal with no stage change for longer than its
 * stage's limit counts as stalled (`deals_stalled`, docs/metrics.md). Stages without a limit
 * use the default (7 days). The whole list is written at once (`PUT /v1/pipeline/stall-limits`). */
export class FwAdminStalls extends AdminSection {
  static override properties = { ...AdminSection.properties, limits: { state: true }, defaultS: { state: true } };
  declare limits: StallLimit[];
  declare defaultS: number;

  constructor() {
    super();
    this.limits = [];
    this.defaultS = 7 * 24 * HOUR_S;
  }

  protected async reload(): Promise<void> {
    const answer = await api<StallLimits>("GET", "/v1/pipeline/stall-limits");
    this.limits = answer.limits;
    this.defaultS = answer.default_s;
  }

  private async store(limits: StallLimit[]): Promise<boolean> {
    return this.run(() => api("PUT", "/v1/pipeline/stall-limits", { limits }));
  }

  private async add(event: Event): Promise<void> {
    const form = event.target as HTMLFormElement;
    const data = formValues(event);
    const limit = {
      pipeline: String(data.get("pipeline") ?? "").trim(),
      stage: String(data.get("stage") ?? "").trim(),
      stall_s: Number(data.get("hours")) * HOUR_S,
    };
    const others = this.limits.filter((l) => l.pipeline !== limit.pipeline || l.stage !== limit.stage);
    if (await this.store([...others, limit])) form.reset();
  }

  private async removeLimit(limit: StallLimit): Promise<void> {
    await this.store(this.limits.filter((l) => l !== limit));
  }

  override render() {
    const hours = (seconds: number) => formatDecimal(seconds / HOUR_S, seconds % HOUR_S ? 1 : 0);
    return html`
      <section><h2>${t("admin.stallLimits")}</h2>
        <p class="muted" data-testid="stall-default">${t("admin.stallDefault", { hours: hours(this.defaultS) })}</p>
        ${this.canEdit
          ? html`<form data-form="new-stall" @submit=${this.add}>
              <label>${t("admin.pipeline")}<input name="pipeline" required maxlength="128" value="default" /></label>
              <label>${t("admin.stage")}<input name="stage" required maxlength="128" /></label>
              <label>${t("admin.stallHours")}<input name="hours" type="number" min="0.1" max="8784" step="any" required value="24" /></label>
              <button class="primary" type="submit">${t("admin.save")}</button></form>`
          : null}
      </section>
      ${this.status()}
      <section><table data-testid="stall-limits">
        <thead><tr><th>${t("admin.pipeline")}</th><th>${t("admin.stage")}</th>
          <th class="num">${t("admin.stallHours")}</th>${this.canEdit ? html`<th></th>` : null}</tr></thead>
        <tbody>${this.limits.map((limit) => html`<tr data-stall=${`${limit.pipeline}:${limit.stage}`}>
          <td>${limit.pipeline}</td><td>${limit.stage}</td><td class="num">${hours(limit.stall_s)}</td>
          ${this.canEdit
            ? html`<td><button class="danger" type="button" @click=${() => this.removeLimit(limit)}>${t("admin.delete")}</button></td>`
            : null}</tr>`)}</tbody>
      </table></section>
    `;
  }
}

customElements.define("fw-admin-stalls", FwAdminStalls);
