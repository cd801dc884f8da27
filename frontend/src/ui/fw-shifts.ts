import { html } from "lit";
import { agentName, rememberAgentNames } from "../core/agent-names";
import { api, apiText } from "../core/api";
import { formatDecimal, formatPercent, t } from "../core/i18n";
import type { MessageKey } from "../core/messages";
import { metricLabel } from "../core/metrics";
import { today } from "../core/reports";
import { AdminSection, formValues, type AgentOut, type TeamOut } from "./admin/section";

interface ShiftOutcome {
  status: "planned" | "in_progress" | "finished";
  present: boolean;
  absent: boolean;
  late_minutes: number;
  early_leave_minutes: number;
  productive_minutes: number;
  adherence: number | null;
}

interface ShiftOut {
  id: number;
  agent: string;
  team: string | null;
  start: string;
  end: string;
  break_minutes: number;
  note: string | null;
  outcome: ShiftOutcome;
}

interface ImportResult {
  created: number;
  updated: number;
}

/** `2026-11-28T09:00:00+01:00` as `2026-11-28 09:00`: the tenant's local time, as sent. */
function localTime(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
}

function minutes(value: number): string {
  return value > 0 ? formatDecimal(value, 0) : "—";
}

/** `/shifts`: planned shifts between two dates and how each was kept (late, absent, left
 * early, productive time, adherence), planning one shift, and importing a CSV roster. */
export class FwShifts extends AdminSection {
  static override properties = {
    ...AdminSection.properties,
    shifts: { state: true },
    agents: { state: true },
    teams: { state: true },
    from: { state: true },
    to: { state: true },
    team: { state: true },
  };
  declare shifts: ShiftOut[];
  declare agents: AgentOut[];
  declare teams: TeamOut[];
  declare from: string;
  declare to: string;
  declare team: string;

  constructor() {
    super();
    this.canEdit = true;
    this.shifts = [];
    this.agents = [];
    this.teams = [];
    this.from = today();
    this.to = today();
    this.team = "";
  }

  protected async reload(): Promise<void> {
    const query = new URLSearchParams({ from: this.from, to: this.to });
    if (this.team) query.set("team", this.team);
    const [shifts, agents, teams] = await Promise.all([
      api<ShiftOut[]>("GET", `/v1/shifts?${query}`),
      api<AgentOut[]>("GET", "/v1/agents/roster"),
      api<TeamOut[]>("GET", "/v1/teams"),
    ]);
    this.shifts = shifts;
    this.agents = agents;
    rememberAgentNames(agents);
    this.teams = teams;
  }

  private async filter(event: Event): Promise<void> {
    const data = formValues(event);
    this.from = String(data.get("from"));
    this.to = String(data.get("to"));
    this.team = String(data.get("team") ?? "");
    await this.run(() => this.reload(), false);
  }

  private async create(event: Event): Promise<void> {
    const form = event.target as HTMLFormElement;
    const data = formValues(event);
    const note = String(data.get("note") ?? "").trim();
    const body = {
      agent: String(data.get("agent")),
      start: String(data.get("start")),
      end: String(data.get("end")),
      break_minutes: Number(data.get("break_minutes") || 0),
      note: note === "" ? null : note,
    };
    if (await this.run(() => api("POST", "/v1/shifts", body))) {
      (form.elements.namedItem("note") as HTMLInputElement).value = "";
    }
  }

  private async importCsv(event: Event): Promise<void> {
    const form = event.target as HTMLFormElement;
    const data = formValues(event);
    const file = data.get("file");
    const text = file instanceof File && file.size > 0 ? await file.text() : String(data.get("csv") ?? "");
    let result: ImportResult | null = null;
    const done = await this.run(async () => {
      result = await apiText<ImportResult>("POST", "/v1/shifts/import", text, "text/csv");
    });
    if (done && result) {
      const { created, updated } = result;
      this.notice = t("shifts.imported", { created, updated });
      form.reset();
    }
  }

  private async deleteShift(shift: ShiftOut): Promise<void> {
    if (confirm(t("admin.confirmDelete", { name: `${agentName(shift.agent)} ${localTime(shift.start)}` }))) {
      await this.run(() => api("DELETE", `/v1/shifts/${shift.id}`));
    }
  }

  private summary() {
    const late = this.shifts.filter((s) => s.outcome.late_minutes > 0).length;
    const absent = this.shifts.filter((s) => s.outcome.absent).length;
    return html`<p class="muted" data-testid="shift-summary">${t("shifts.summary", { shifts: this.shifts.length, late, absent })}</p>`;
  }

  private table() {
    if (this.shifts.length === 0) return html`<p class="muted">${t("shifts.none")}</p>`;
    return html`<div class="scroll"><table data-testid="shifts">
      <thead><tr><th>${t("coaching.agent")}</th><th>${t("reports.group.team")}</th><th>${t("shifts.start")}</th>
        <th>${t("shifts.end")}</th><th class="num">${t("shifts.break")}</th><th>${t("shifts.status")}</th>
        <th class="num">${t("shifts.late")}</th><th class="num">${t("shifts.earlyLeave")}</th>
        <th class="num">${t("shifts.productive")}</th><th class="num">${metricLabel("adherence")}</th><th></th></tr></thead>
      <tbody>${this.shifts.map((s) => {
        const o = s.outcome;
        return html`<tr data-shift=${s.id} data-agent=${s.agent}>
          <td title=${s.agent}>${agentName(s.agent)}</td><td>${s.team ?? "—"}</td><td>${localTime(s.start)}</td><td>${localTime(s.end)}</td>
          <td class="num">${s.break_minutes}</td>
          <td class=${o.absent ? "bad" : ""} data-status>${o.absent ? t("shifts.absent") : t(`shifts.status.${o.status}` as MessageKey)}</td>
          <td class="num ${o.late_minutes > 0 ? "bad" : ""}" data-late>${minutes(o.late_minutes)}</td>
          <td class="num ${o.early_leave_minutes > 0 ? "bad" : ""}">${minutes(o.early_leave_minutes)}</td>
          <td class="num">${formatDecimal(o.productive_minutes, 0)}</td>
          <td class="num">${o.adherence === null ? "—" : formatPercent(o.adherence, 0)}</td>
          <td><button class="danger" @click=${() => this.deleteShift(s)}>${t("admin.delete")}</button></td>
        </tr>`;
      })}</tbody></table></div>`;
  }

  override render() {
    return html`
      <h1>${t("shifts.title")}</h1>
      <section><form data-form="range" @submit=${this.filter}>
        <label>${t("reports.from")}<input name="from" type="date" required .value=${this.from} /></label>
        <label>${t("reports.to")}<input name="to" type="date" required .value=${this.to} /></label>
        <label>${t("reports.group.team")}<select name="team"><option value="">${t("shifts.allTeams")}</option>
          ${this.teams.map((team) => html`<option value=${team.name} ?selected=${team.name === this.team}>${team.name}</option>`)}</select></label>
        <button class="primary" type="submit">${t("shifts.show")}</button>
      </form></section>
      ${this.status()}
      <section>${this.summary()}${this.table()}</section>
      <section><h2>${t("shifts.new")}</h2>
        <form data-form="new-shift" @submit=${this.create}>
          <label>${t("coaching.agent")}<select name="agent" required>${this.agents.map(
            (a) => html`<option value=${a.external_id}>${a.display_name ? `${a.display_name} (${a.external_id})` : a.external_id}</option>`,
          )}</select></label>
          <label>${t("shifts.start")}<input name="start" type="datetime-local" required /></label>
          <label>${t("shifts.end")}<input name="end" type="datetime-local" required /></label>
          <label>${t("shifts.break")}<input name="break_minutes" type="number" min="0" value="0" /></label>
          <label>${t("plans.note")}<input name="note" maxlength="200" /></label>
          <button class="primary" type="submit">${t("admin.create")}</button>
        </form>
      </section>
      <section><h2>${t("shifts.import")}</h2>
        <p class="muted">${t("shifts.importHint")}</p>
        <form data-form="import" @submit=${this.importCsv}>
          <label>${t("shifts.file")}<input name="file" type="file" accept=".csv,text/csv" /></label>
          <label style="flex: 1 1 24rem">${t("shifts.paste")}<textarea name="csv" rows="4"
            placeholder="agent,start,end,break_minutes&#10;a1,2026-03-02 08:00,2026-03-02 16:00,30"></textarea></label>
          <button class="primary" type="submit">${t("shifts.importButton")}</button>
        </form>
      </section>
    `;
  }
}

customElements.define("fw-shifts", FwShifts);
