import { html, nothing } from "lit";
import { rememberAgentNames } from "../core/agent-names";
import { api } from "../core/api";
import type { components } from "../core/api-types";
import { formatPercent, t } from "../core/i18n";
import type { MessageKey } from "../core/messages";
import { formatMetric, fromDisplayUnit, metricInfo, metricLabel, reportMetrics, toDisplayUnit, unitLabel } from "../core/metrics";
import { wholeMonth } from "../core/reports";
import { scopeLabel } from "../core/labels";
import { AdminSection, formValues, type AgentOut, type QueueOut, type TeamOut } from "./admin/section";

export type PlanOut = components["schemas"]["PlanOut"];

type PlanProgress = components["schemas"]["PlanProgress"];

const PERIODS = ["day", "week", "month"] as const;


/** The actual against the standard in words, the right way round for the metric: `0:27 over`
 * for an AHT of 7:27 against 7:00 (worse), `2.0% under` for a service level (worse), … */
function versusPlan(p: PlanProgress) {
  if (p.deviation === null || p.actual === null) return html`—`;
  if (p.deviation === 0) return html`<span class="good">${t("plans.onPlan")}</span>`;
  const lowerIsBetter = metricInfo(p.metric).bad === "above";
  const better = p.deviation < 0 === lowerIsBetter;
  const amount = formatMetric(p.metric, Math.abs(p.deviation));
  return html`<span class=${better ? "good" : "bad"}>${t(p.deviation > 0 ? "plans.over" : "plans.under", { amount })}</span>`;
}

function optionalNumber(metric: string, value: FormDataEntryValue | null): number | null {
  const text = String(value ?? "").trim();
  return text === "" ? null : fromDisplayUnit(metric, Number(text));
}

function planFields(data: FormData): Omit<PlanOut, "id"> {
  const metric = String(data.get("metric"));
  const note = String(data.get("note") ?? "").trim();
  return {
    metric,
    scope: String(data.get("scope")),
    period: String(data.get("period")) as PlanOut["period"],
    start_date: String(data.get("start_date")),
    end_date: String(data.get("end_date")),
    minimum: optionalNumber(metric, data.get("minimum")),
    standard: optionalNumber(metric, data.get("standard")) ?? 0,
    maximum: optionalNumber(metric, data.get("maximum")),
    note: note === "" ? null : note,
  };
}

/** `/plans`: targets per metric, scope and period with minimum / standard / maximum
 * scenarios, and how today stands against each. Staff write the plans of what they see (the
 * API refuses the rest: tenant and queue plans need every team). */
export class FwPlans extends AdminSection {
  static override properties = {
    ...AdminSection.properties,
    plans: { state: true },
    progress: { state: true },
    scopes: { state: true },
    metric: { state: true },
  };
  declare plans: PlanOut[];
  declare progress: PlanProgress[];
  declare scopes: string[];
  /** The metric chosen in the new-plan form (its unit labels the target fields). */
  declare metric: string;

  constructor() {
    super();
    this.canEdit = true;
    this.plans = [];
    this.progress = [];
    this.scopes = ["tenant"];
    this.metric = "service_level";
  }

  protected async reload(): Promise<void> {
    const [plans, progress, queues, teams, agents] = await Promise.all([
      api<PlanOut[]>("GET", "/v1/plans"),
      api<PlanProgress[]>("GET", "/v1/plans/progress"),
      api<QueueOut[]>("GET", "/v1/queues"),
      api<TeamOut[]>("GET", "/v1/teams"),
      api<AgentOut[]>("GET", "/v1/agents/roster"),
    ]);
    this.plans = plans;
    this.progress = progress;
    rememberAgentNames(agents);
    this.scopes = [
      "tenant",
      ...queues.map((q) => `queue:${q.name}`),
      ...teams.map((team) => `team:${team.name}`),
      ...agents.map((a) => `agent:${a.external_id}`),
    ];
  }

  private async create(event: Event): Promise<void> {
    const form = event.target as HTMLFormElement;
    if (await this.run(() => api("POST", "/v1/plans", planFields(formValues(event))))) {
      // the targets and the note start empty again; metric, scope and dates stay for the next
      for (const name of ["minimum", "standard", "maximum", "note"]) {
        (form.elements.namedItem(name) as HTMLInputElement).value = "";
      }
    }
  }

  private async savePlan(plan: PlanOut, event: Event): Promise<void> {
    await this.run(() => api("PUT", `/v1/plans/${plan.id}`, planFields(formValues(event))));
  }

  private async deletePlan(plan: PlanOut): Promise<void> {
    const name = `${metricLabel(plan.metric)} · ${scopeLabel(plan.scope)}`;
    if (confirm(t("admin.confirmDelete", { name }))) {
      await this.run(() => api("DELETE", `/v1/plans/${plan.id}`));
    }
  }

  private target(name: "minimum" | "standard" | "maximum", metric: string, value: number | null) {
    const unit = unitLabel(metric);
    return html`<label>${t(`plans.${name}` as MessageKey)}${unit ? ` (${unit})` : ""}<input name=${name}
      type="number" step="any" ?required=${name === "standard"} .value=${value === null ? "" : String(toDisplayUnit(metric, value))} /></label>`;
  }

  private fields(plan: PlanOut | null) {
    const metric = plan?.metric ?? this.metric;
    const month = wholeMonth();
    const scopes = plan && !this.scopes.includes(plan.scope) ? [plan.scope, ...this.scopes] : this.scopes;
    return html`
      <label>${t("plans.metric")}<select name="metric" @change=${(e: Event) => {
        if (!plan) this.metric = (e.target as HTMLSelectElement).value;
      }}>${reportMetrics().map((m) => html`<option value=${m} ?selected=${m === metric}>${metricLabel(m)}</option>`)}</select></label>
      <label>${t("plans.scope")}<select name="scope">${scopes.map(
        (s) => html`<option value=${s} ?selected=${s === (plan?.scope ?? "tenant")}>${scopeLabel(s)}</option>`,
      )}</select></label>
      <label>${t("plans.period")}<select name="period">${PERIODS.map(
        (p) => html`<option value=${p} ?selected=${p === (plan?.period ?? "day")}>${t(`reports.period.${p}` as MessageKey)}</option>`,
      )}</select></label>
      <label>${t("plans.from")}<input name="start_date" type="date" required .value=${plan?.start_date ?? month.from} /></label>
      <label>${t("plans.to")}<input name="end_date" type="date" required .value=${plan?.end_date ?? month.to} /></label>
      ${this.target("minimum", metric, plan?.minimum ?? null)}
      ${this.target("standard", metric, plan?.standard ?? null)}
      ${this.target("maximum", metric, plan?.maximum ?? null)}
      <label>${t("plans.note")}<input name="note" maxlength="200" .value=${plan?.note ?? ""} /></label>`;
  }

  private progressTable() {
    if (this.progress.length === 0) return html`<p class="muted">${t("plans.noneToday")}</p>`;
    return html`<div class="scroll"><table data-testid="plan-progress">
      <thead><tr><th>${t("plans.metric")}</th><th>${t("plans.scope")}</th><th>${t("plans.period")}</th>
        <th class="num">${t("plans.elapsed")}</th><th class="num">${t("plans.actual")}</th>
        <th class="num">${t("plans.standard")}</th><th class="num">${t("plans.versus")}</th>
        <th class="num">${t("plans.progress")}</th><th>${t("plans.level")}</th></tr></thead>
      <tbody>${this.progress.map((p) => html`<tr data-plan=${p.plan_id}>
        <td>${metricLabel(p.metric)}</td><td>${scopeLabel(p.scope)}</td><td>${t(`reports.period.${p.period}` as MessageKey)}</td>
        <td class="num">${formatPercent(p.elapsed, 0)}</td>
        <td class="num" data-actual>${formatMetric(p.metric, p.actual)}</td>
        <td class="num">${formatMetric(p.metric, p.standard)}</td>
        <td class="num" data-versus>${versusPlan(p)}</td>
        <td class="num" data-progress>${p.progress === null ? "—" : formatPercent(p.progress, 0)}</td>
        <td class=${p.level === "below_minimum" ? "bad" : p.level === "maximum" || p.level === "standard" ? "good" : ""}
          data-level=${p.level ?? ""}>${p.level ? t(`plans.level.${p.level}` as MessageKey) : "—"}</td>
      </tr>`)}</tbody></table></div>`;
  }

  override render() {
    return html`
      <h1>${t("plans.title")}</h1>
      <section><h2>${t("plans.today")}</h2>${this.progressTable()}</section>
      <section><h2>${t("plans.new")}</h2>
        <form data-form="new-plan" @submit=${this.create}>${this.fields(null)}
          <button class="primary" type="submit">${t("admin.create")}</button></form>
      </section>
      ${this.status()}
      ${this.plans.length === 0 ? html`<p class="muted">${t("plans.none")}</p>` : nothing}
      ${this.plans.map((plan) => html`<section data-plan=${plan.id}>
        <form @submit=${(e: Event) => this.savePlan(plan, e)}>${this.fields(plan)}
          <button class="primary" type="submit">${t("admin.save")}</button>
          <button class="danger" type="button" @click=${() => this.deletePlan(plan)}>${t("admin.delete")}</button>
        </form></section>`)}
    `;
  }
}

customElements.define("fw-plans", FwPlans);
