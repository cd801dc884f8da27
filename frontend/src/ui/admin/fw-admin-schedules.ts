import { html } from "lit";
import type { components } from "../../core/api-types";
import { api } from "../../core/api";
import { formatWeekday, t } from "../../core/i18n";
import type { MessageKey } from "../../core/messages";
import { AdminSection, formValues, type TeamOut } from "./section";

type ScheduleOut = components["schemas"]["ScheduleOut"];
type ChannelOut = components["schemas"]["ChannelOut"];

const GROUPS = ["tenant", "queue", "team", "agent"] as const;
const WEEKDAYS = [0, 1, 2, 3, 4, 5, 6];

function when(s: ScheduleOut): string {
  const hour = `${String(s.hour).padStart(2, "0")}:00`;
  return s.frequency === "weekly"
    ? t("schedules.weeklyAt", { day: formatWeekday(s.weekday ?? 0), hour })
    : t("schedules.dailyAt", { hour });
}

/** Scheduled e-mailed reports (`/v1/report-schedules`): a KPI report of yesterday (daily) or
 * last week (weekly) as CSV to a list of addresses through an e-mail alert channel. Every
 * staff member schedules what the API lets them (a team lead: their teams, through channels
 * they manage). */
export class FwAdminSchedules extends AdminSection {
  static override properties = {
    ...AdminSection.properties,
    schedules: { state: true },
    channels: { state: true },
    teams: { state: true },
    weekly: { state: true },
  };
  declare schedules: ScheduleOut[];
  declare channels: ChannelOut[];
  declare teams: TeamOut[];
  declare weekly: boolean;

  constructor() {
    super();
    this.schedules = [];
    this.channels = [];
    this.teams = [];
    this.weekly = false;
  }

  protected async reload(): Promise<void> {
    const [schedules, channels, teams] = await Promise.all([
      api<ScheduleOut[]>("GET", "/v1/report-schedules"),
      api<ChannelOut[]>("GET", "/v1/alert-channels"),
      api<TeamOut[]>("GET", "/v1/teams"),
    ]);
    this.schedules = schedules;
    this.channels = channels.filter((c) => c.kind === "email");
    this.teams = teams;
  }

  private async create(event: Event): Promise<void> {
    const form = event.target as HTMLFormElement;
    const data = formValues(event);
    const weekly = data.get("frequency") === "weekly";
    const body = {
      name: String(data.get("name") ?? "").trim(),
      frequency: weekly ? "weekly" : "daily",
      weekday: weekly ? Number(data.get("weekday")) : null,
      hour: Number(data.get("hour")),
      group_by: String(data.get("group_by")),
      recipients: String(data.get("recipients") ?? "").split(/[,;\n]/).map((a) => a.trim()).filter(Boolean),
      channel_id: Number(data.get("channel_id")),
      team: String(data.get("team") ?? "") || null,
    };
    if (await this.run(() => api("POST", "/v1/report-schedules", body))) {
      form.reset();
      this.weekly = false;
    }
  }

  private async deleteItem(schedule: ScheduleOut): Promise<void> {
    if (confirm(t("admin.confirmDelete", { name: schedule.name }))) {
      await this.run(() => api("DELETE", `/v1/report-schedules/${schedule.id}`));
    }
  }

  override render() {
    const channelName = new Map(this.channels.map((c) => [c.id, c.name]));
    return html`
      <section><h2>${t("schedules.new")}</h2>
        <p class="muted">${t("schedules.help")}</p>
        <form data-form="new-schedule" @submit=${this.create}>
          <label>${t("admin.name")}<input name="name" required maxlength="100" /></label>
          <label>${t("schedules.frequency")}<select name="frequency"
              @change=${(e: Event) => (this.weekly = (e.target as HTMLSelectElement).value === "weekly")}>
            <option value="daily">${t("schedules.daily")}</option>
            <option value="weekly">${t("schedules.weekly")}</option>
          </select></label>
          <label>${t("schedules.weekday")}<select name="weekday" ?disabled=${!this.weekly}>
            ${WEEKDAYS.map((d) => html`<option value=${d}>${formatWeekday(d)}</option>`)}
          </select></label>
          <label>${t("schedules.hour")}<input name="hour" type="number" min="0" max="23" value="7" required /></label>
          <label>${t("reports.groupBy")}<select name="group_by">
            ${GROUPS.map((g) => html`<option value=${g}>${t(`reports.group.${g}` as MessageKey)}</option>`)}
          </select></label>
          <label>${t("schedules.team")}<select name="team">
            <option value="">${t("reports.group.tenant")}</option>
            ${this.teams.map((team) => html`<option value=${team.name}>${team.name}</option>`)}
          </select></label>
          <label>${t("schedules.recipients")}<input name="recipients" required placeholder="boss@example.com, ops@example.com" /></label>
          <label>${t("schedules.channel")}<select name="channel_id" required>
            ${this.channels.map((c) => html`<option value=${c.id}>${c.name}</option>`)}
          </select></label>
          <button class="primary" type="submit">${t("admin.create")}</button>
        </form>
        ${this.channels.length ? "" : html`<p class="muted" data-testid="no-channel">${t("schedules.noChannel")}</p>`}
      </section>
      ${this.status()}
      <section><table data-testid="schedules">
        <thead><tr><th>${t("admin.name")}</th><th>${t("schedules.when")}</th><th>${t("reports.groupBy")}</th>
          <th>${t("schedules.team")}</th><th>${t("schedules.recipients")}</th><th>${t("schedules.channel")}</th>
          <th>${t("schedules.lastSent")}</th><th>${t("admin.actions")}</th></tr></thead>
        <tbody>${this.schedules.map((s) => html`<tr data-schedule=${s.name}>
          <td>${s.name}</td><td>${when(s)}</td><td>${t(`reports.group.${s.group_by}` as MessageKey)}</td>
          <td>${s.team ?? t("reports.group.tenant")}</td><td>${s.recipients.join(", ")}</td>
          <td>${channelName.get(s.channel_id) ?? s.channel_id}</td>
          <td data-column="last-sent">${s.last_error ? html`<span class="error">${s.last_error}</span>` : (s.last_period ?? t("schedules.notYet"))}</td>
          <td><button class="danger" @click=${() => this.deleteItem(s)}>${t("admin.delete")}</button></td>
        </tr>`)}</tbody>
      </table></section>
    `;
  }
}

customElements.define("fw-admin-schedules", FwAdminSchedules);
