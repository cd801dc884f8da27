import { html, nothing } from "lit";
import { api } from "../core/api";
import { t } from "../core/i18n";
import type { MessageKey } from "../core/messages";
import { formatMetric, metricInfo, metricLabel } from "../core/metrics";
import { today } from "../core/reports";
import { AdminSection, formValues, type AgentOut } from "./admin/section";

interface CoachingNote {
  id: number;
  agent: string;
  date: string;
  kind: "coaching" | "mentoring";
  topic: string;
  notes: string;
  author: string;
}

interface KpiWindow {
  first: string;
  last: string;
  complete: boolean;
  metrics: Record<string, number | null>;
}

interface CoachingImpact {
  days: number;
  before: KpiWindow;
  after: KpiWindow;
  change: Record<string, number | null>;
}

/** The KPIs an agent is coached on, in the order the impact table shows them. */
const IMPACT_METRICS = [
  "handled",
  "aht",
  "talk_time",
  "hold_time",
  "wrapup_time",
  "transfers",
  "occupancy",
  "deals",
  "conversion",
  "revenue",
  "average_deal",
  "csat_mean",
  "csat_satisfied",
  "adherence",
  "lateness",
];
const IMPACT_DAYS = 14;

/** Whether a change of `metric` by `delta` is an improvement (green) or not (red). */
function better(metric: string, delta: number): boolean {
  return metricInfo(metric).bad === "above" ? delta < 0 : delta > 0;
}

/** `/coaching`: the coaching journal. A note per coaching or mentoring session (agent, date,
 * topic, notes), and for each the agent's KPIs in the two weeks before and after it. */
export class FwCoaching extends AdminSection {
  static override properties = {
    ...AdminSection.properties,
    notes: { state: true },
    agents: { state: true },
    impacts: { state: true },
  };
  declare notes: CoachingNote[];
  declare agents: AgentOut[];
  declare impacts: Map<number, CoachingImpact>;

  constructor() {
    super();
    this.canEdit = true;
    this.notes = [];
    this.agents = [];
    this.impacts = new Map();
  }

  protected async reload(): Promise<void> {
    const [notes, agents] = await Promise.all([
      api<CoachingNote[]>("GET", "/v1/coaching"),
      api<AgentOut[]>("GET", "/v1/agents/roster"),
    ]);
    this.notes = notes;
    this.agents = agents;
  }

  private agentName(id: string): string {
    const agent = this.agents.find((a) => a.external_id === id);
    return agent?.display_name ? `${agent.display_name} (${id})` : id;
  }

  private async create(event: Event): Promise<void> {
    const form = event.target as HTMLFormElement;
    const data = formValues(event);
    const body = {
      agent: String(data.get("agent")),
      date: String(data.get("date")),
      kind: String(data.get("kind")),
      topic: String(data.get("topic") ?? "").trim(),
      notes: String(data.get("notes") ?? ""),
    };
    if (await this.run(() => api("POST", "/v1/coaching", body))) {
      for (const name of ["topic", "notes"]) (form.elements.namedItem(name) as HTMLInputElement).value = "";
    }
  }

  private async deleteNote(note: CoachingNote): Promise<void> {
    if (confirm(t("admin.confirmDelete", { name: `${note.topic} (${note.date})` }))) {
      await this.run(() => api("DELETE", `/v1/coaching/${note.id}`));
    }
  }

  private async showImpact(note: CoachingNote): Promise<void> {
    await this.run(async () => {
      const impact = await api<CoachingImpact>("GET", `/v1/coaching/${note.id}/impact?days=${IMPACT_DAYS}`);
      this.impacts = new Map(this.impacts).set(note.id, impact);
    }, false);
  }

  private impactTable(impact: CoachingImpact) {
    const shown = IMPACT_METRICS.filter((m) => impact.before.metrics[m] != null || impact.after.metrics[m] != null);
    return html`<div class="scroll"><table data-testid="impact">
      <thead><tr><th>${t("coaching.metric")}</th>
        <th class="num">${t("coaching.before")} (${impact.before.first} – ${impact.before.last})</th>
        <th class="num">${t("coaching.after")} (${impact.after.first} – ${impact.after.last}${impact.after.complete ? "" : ", " + t("coaching.sofar")})</th>
        <th class="num">${t("coaching.change")}</th></tr></thead>
      <tbody>${shown.map((m) => {
        const delta = impact.change[m] ?? null;
        return html`<tr data-metric=${m}><td>${metricLabel(m)}</td>
          <td class="num">${formatMetric(m, impact.before.metrics[m])}</td>
          <td class="num">${formatMetric(m, impact.after.metrics[m])}</td>
          <td class="num ${delta === null || delta === 0 ? "" : better(m, delta) ? "good" : "bad"}">${delta === null ? "—" : `${delta > 0 ? "+" : delta < 0 ? "−" : ""}${formatMetric(m, Math.abs(delta))}`}</td></tr>`;
      })}</tbody></table></div>
      ${shown.length === 0 ? html`<p class="muted">${t("coaching.noData")}</p>` : nothing}`;
  }

  override render() {
    return html`
      <h1>${t("coaching.title")}</h1>
      <section><h2>${t("coaching.new")}</h2>
        <form data-form="new-note" @submit=${this.create}>
          <label>${t("coaching.agent")}<select name="agent" required>${this.agents.map(
            (a) => html`<option value=${a.external_id}>${this.agentName(a.external_id)}</option>`,
          )}</select></label>
          <label>${t("coaching.date")}<input name="date" type="date" required .value=${today()} /></label>
          <label>${t("coaching.kind")}<select name="kind">
            <option value="coaching">${t("coaching.kind.coaching")}</option>
            <option value="mentoring">${t("coaching.kind.mentoring")}</option></select></label>
          <label>${t("coaching.topic")}<input name="topic" required maxlength="200" /></label>
          <label style="flex: 1 1 20rem">${t("coaching.notes")}<input name="notes" maxlength="20000" /></label>
          <button class="primary" type="submit">${t("admin.create")}</button>
        </form>
      </section>
      ${this.status()}
      ${this.notes.length === 0 ? html`<p class="muted">${t("coaching.none")}</p>` : nothing}
      ${this.notes.map((note) => {
        const impact = this.impacts.get(note.id);
        return html`<section data-note=${note.id}>
          <h2>${note.date} · ${this.agentName(note.agent)} · ${t(`coaching.kind.${note.kind}` as MessageKey)}</h2>
          <p><strong>${note.topic}</strong> <span class="muted">— ${note.author}</span></p>
          ${note.notes ? html`<p class="muted">${note.notes}</p>` : nothing}
          <div class="bar">
            <button data-action="impact" @click=${() => this.showImpact(note)}>${t("coaching.showImpact", { days: IMPACT_DAYS })}</button>
            <button class="danger" @click=${() => this.deleteNote(note)}>${t("admin.delete")}</button>
          </div>
          ${impact ? this.impactTable(impact) : nothing}
        </section>`;
      })}
    `;
  }
}

customElements.define("fw-coaching", FwCoaching);
