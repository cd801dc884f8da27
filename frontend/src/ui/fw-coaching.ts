import { css, html, nothing } from "lit";
import { api } from "../core/api";
import type { components } from "../core/api-types";
import { formatTime, t } from "../core/i18n";
import type { MessageKey } from "../core/messages";
import { formatMetric, metricInfo, metricLabel } from "../core/metrics";
import { today } from "../core/reports";
import { AdminSection, formValues, type AgentOut } from "./admin/section";

type CoachingNote = components["schemas"]["CoachingOut"];
type PhraseHit = components["schemas"]["PhraseHitOut"];
type LinkedHit = components["schemas"]["LinkedHit"];

/** One call of an agent with its phrase hits, as the call picker lists it. */
interface CallHits {
  call_id: string;
  at: number;
  hits: { list: string; phrase: string; role: string; text?: string | null }[];
}

const MAX_CALLS = 20;

/** The agent's calls with phrase hits, newest first (from the engine's latest hits). */
function callsOf(agent: string, hits: PhraseHit[]): CallHits[] {
  const calls = new Map<string, CallHits>();
  for (const hit of hits) {
    if (hit.agent !== agent) continue;
    const at = Date.parse(hit.at);
    const call = calls.get(hit.call_id) ?? { call_id: hit.call_id, at, hits: [] };
    call.at = Math.max(call.at, at);
    call.hits.push({ list: hit.list, phrase: hit.phrase, role: hit.role, text: hit.text });
    calls.set(hit.call_id, call);
  }
  return [...calls.values()].sort((a, b) => b.at - a.at);
}

/** A time of day, with the date when it is not today. */
function when(ms: number): string {
  const day = new Date(ms);
  const sameDay = day.toDateString() === new Date().toDateString();
  return sameDay ? formatTime(ms, false) : `${day.toISOString().slice(0, 10)} ${formatTime(ms, false)}`;
}

function said(role: string): string {
  return t(role === "customer" ? "phrases.saidByCustomer" : "phrases.saidByAgent");
}

function checkedCalls(form: HTMLFormElement): string[] {
  return [...form.querySelectorAll<HTMLInputElement>("input[name=call]:checked")].map((c) => c.value);
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
 * topic, notes, the calls that show the problem), and for each the agent's KPIs in the two
 * weeks before and after it. The calls to link are the agent's recent calls with phrase hits
 * (`/v1/phrase-hits`, staff only); a saved note shows its calls' hits, and what was said where
 * the coach may read it and the tenant still keeps it. */
export class FwCoaching extends AdminSection {
  static override properties = {
    ...AdminSection.properties,
    notes: { state: true },
    agents: { state: true },
    impacts: { state: true },
    hits: { state: true },
    formAgent: { state: true },
    linking: { state: true },
  };
  declare notes: CoachingNote[];
  declare agents: AgentOut[];
  declare impacts: Map<number, CoachingImpact>;
  /** The engine's latest phrase hits (empty when the caller may not read them). */
  declare hits: PhraseHit[];
  /** The agent chosen in the new-note form. */
  declare formAgent: string;
  /** The note whose calls are being changed. */
  declare linking: number | null;

  static override styles = [
    ...AdminSection.styles,
    css`
      fieldset.calls { flex: 1 1 100%; display: flex; flex-direction: column; gap: 0.25rem; border: 1px solid var(--line); border-radius: 0.45rem; padding: 0.35rem 0.7rem 0.5rem; margin: 0; }
      fieldset.calls legend { padding: 0 0.3rem; }
      fieldset.calls label.check { align-items: center; gap: 0.55rem; font-size: 0.9rem; }
      fieldset.calls input[type="checkbox"] { width: 1.05em; height: 1.05em; padding: 0; margin: 0; flex: none; accent-color: var(--accent); }
      .call-id { font-family: ui-monospace, monospace; }
      .said { font-style: italic; white-space: normal; overflow-wrap: anywhere; min-width: 16rem; }
      .linked-calls { margin: 0.2rem 0 0.8rem; }
      table.linked caption { text-align: left; padding: 0 0 0.35rem; }
      table.linked td { vertical-align: top; }
    `,
  ];

  constructor() {
    super();
    this.canEdit = true;
    this.notes = [];
    this.agents = [];
    this.impacts = new Map();
    this.hits = [];
    this.formAgent = "";
    this.linking = null;
  }

  protected async reload(): Promise<void> {
    const [notes, agents, hits] = await Promise.all([
      api<CoachingNote[]>("GET", "/v1/coaching"),
      api<AgentOut[]>("GET", "/v1/agents/roster"),
      api<PhraseHit[]>("GET", "/v1/phrase-hits").catch(() => [] as PhraseHit[]),
    ]);
    this.notes = notes;
    this.agents = agents;
    this.hits = hits;
    if (!agents.some((a) => a.external_id === this.formAgent)) this.formAgent = agents[0]?.external_id ?? "";
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
      call_ids: checkedCalls(form),
    };
    if (await this.run(() => api("POST", "/v1/coaching", body))) {
      for (const name of ["topic", "notes"]) (form.elements.namedItem(name) as HTMLInputElement).value = "";
      for (const box of form.querySelectorAll<HTMLInputElement>("input[name=call]")) box.checked = false;
    }
  }

  private async saveCalls(event: Event, note: CoachingNote): Promise<void> {
    event.preventDefault();
    const checked = checkedCalls(event.target as HTMLFormElement);
    const body = {
      agent: note.agent,
      date: note.date,
      kind: note.kind,
      topic: note.topic,
      notes: note.notes,
      call_ids: [...note.call_ids.filter((id) => checked.includes(id)), ...checked.filter((id) => !note.call_ids.includes(id))],
    };
    if (await this.run(() => api("PUT", `/v1/coaching/${note.id}`, body))) this.linking = null;
  }

  /** Checkboxes for the agent's recent calls with hits (and the calls already `linked`). */
  private callPicker(agent: string, linked: string[] = []) {
    const calls = callsOf(agent, this.hits);
    const listed = new Set(calls.map((c) => c.call_id));
    const shown: CallHits[] = [
      ...calls,
      ...linked.filter((id) => !listed.has(id)).map((call_id) => ({ call_id, at: 0, hits: [] })),
    ].slice(0, Math.max(MAX_CALLS, linked.length));
    return html`<fieldset class="calls" data-testid="call-picker"><legend class="muted">${t("coaching.calls")}</legend>
      ${shown.length === 0
        ? html`<span class="muted">${t("coaching.noCalls")}</span>`
        : html`<span class="muted">${t("coaching.callsHint")}</span>${shown.map(
            (call) => html`<label class="check" data-call=${call.call_id}>
              <input type="checkbox" name="call" value=${call.call_id} .checked=${linked.includes(call.call_id)} />
              <span>${call.at ? when(call.at) : ""} <span class="call-id">${call.call_id}</span> —
                ${call.hits.map((h) => `${t("phrases.hit", { list: h.list, phrase: h.phrase })} (${said(h.role)})`).join(", ") || t("coaching.noHits")}</span>
            </label>`,
          )}`}
    </fieldset>`;
  }

  /** A saved note's calls with their hits, and what was said where the API gave it. */
  private linkedCalls(note: CoachingNote) {
    const calls = note.calls ?? [];
    if (calls.length === 0) return nothing;
    const withText = calls.some((c) => c.hits.some((h) => h.text));
    const row = (callId: string, hit: LinkedHit | null, first: boolean, span: number) => html`<tr data-call=${callId}>
      ${first ? html`<td rowspan=${span} class="call-id">${callId}</td>` : nothing}
      ${hit
        ? html`<td>${when(Date.parse(hit.at))}</td><td>${hit.list}</td><td>${hit.phrase}</td><td>${said(hit.role)}</td>
            ${withText ? html`<td class="said">${hit.text ?? "—"}</td>` : nothing}`
        : html`<td colspan=${withText ? 5 : 4} class="muted">${t("coaching.noHits")}</td>`}
    </tr>`;
    return html`<div class="scroll linked-calls"><table class="linked" data-testid="linked-calls">
      <caption class="muted">${t("coaching.linkedCalls")}</caption>
      <thead><tr><th>${t("coaching.call")}</th><th>${t("coaching.time")}</th><th>${t("coaching.list")}</th>
        <th>${t("coaching.phrase")}</th><th>${t("coaching.saidBy")}</th>${withText ? html`<th>${t("coaching.said")}</th>` : nothing}</tr></thead>
      <tbody>${calls.map((call) =>
        call.hits.length === 0
          ? row(call.call_id, null, true, 1)
          : call.hits.map((hit, i) => row(call.call_id, hit, i === 0, call.hits.length)),
      )}</tbody></table></div>`;
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
          <label>${t("coaching.agent")}<select name="agent" required
            @change=${(e: Event) => (this.formAgent = (e.target as HTMLSelectElement).value)}>${this.agents.map(
            (a) => html`<option value=${a.external_id} ?selected=${a.external_id === this.formAgent}>${this.agentName(a.external_id)}</option>`,
          )}</select></label>
          <label>${t("coaching.date")}<input name="date" type="date" required .value=${today()} /></label>
          <label>${t("coaching.kind")}<select name="kind">
            <option value="coaching">${t("coaching.kind.coaching")}</option>
            <option value="mentoring">${t("coaching.kind.mentoring")}</option></select></label>
          <label>${t("coaching.topic")}<input name="topic" required maxlength="200" /></label>
          <label style="flex: 1 1 20rem">${t("coaching.notes")}<input name="notes" maxlength="20000" /></label>
          ${this.formAgent ? this.callPicker(this.formAgent) : nothing}
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
          ${this.linkedCalls(note)}
          ${this.linking === note.id
            ? html`<form data-form="link-calls" @submit=${(e: Event) => this.saveCalls(e, note)}>
                ${this.callPicker(note.agent, note.call_ids)}
                <button class="primary" type="submit">${t("admin.save")}</button>
                <button type="button" @click=${() => (this.linking = null)}>${t("edit.cancel")}</button>
              </form>`
            : nothing}
          <div class="bar">
            <button data-action="impact" @click=${() => this.showImpact(note)}>${t("coaching.showImpact", { days: IMPACT_DAYS })}</button>
            <button data-action="link-calls" @click=${() => (this.linking = note.id)}>${t("coaching.linkCalls")}</button>
            <button class="danger" @click=${() => this.deleteNote(note)}>${t("admin.delete")}</button>
          </div>
          ${impact ? this.impactTable(impact) : nothing}
        </section>`;
      })}
    `;
  }
}

customElements.define("fw-coaching", FwCoaching);
