import { html, nothing } from "lit";
import { api } from "../../core/api";
import { t } from "../../core/i18n";
import { AdminSection, formValues, type AgentOut, type TeamOut } from "./section";

/** Configured agents and their teams; admins add agents and move them between teams. */
export class FwAdminAgents extends AdminSection {
  static override properties = {
    ...AdminSection.properties,
    agents: { state: true },
    teams: { state: true },
  };
  declare agents: AgentOut[];
  declare teams: TeamOut[];

  constructor() {
    super();
    this.agents = [];
    this.teams = [];
  }

  protected async reload(): Promise<void> {
    [this.agents, this.teams] = await Promise.all([
      api<AgentOut[]>("GET", "/v1/agents/roster"),
      api<TeamOut[]>("GET", "/v1/teams"),
    ]);
  }

  private async create(event: Event): Promise<void> {
    const form = event.target as HTMLFormElement;
    const data = formValues(event);
    const body = {
      external_id: String(data.get("external_id") ?? "").trim(),
      display_name: String(data.get("display_name") ?? "").trim() || null,
      team: String(data.get("team") ?? "") || null,
    };
    if (await this.run(() => api("POST", "/v1/agents", body))) form.reset();
  }

  private async assign(agent: AgentOut, team: string): Promise<void> {
    await this.run(() => api("PATCH", `/v1/agents/${agent.id}`, { team: team || null }));
  }

  private async deleteItem(agent: AgentOut): Promise<void> {
    if (confirm(t("admin.confirmDelete", { name: agent.external_id }))) {
      await this.run(() => api("DELETE", `/v1/agents/${agent.id}`));
    }
  }

  private teamSelect(selected: string | null, onChange?: (team: string) => void) {
    return html`<select name="team" aria-label=${t("admin.team")}
      @change=${(e: Event) => onChange?.((e.target as HTMLSelectElement).value)}>
      <option value="" ?selected=${!selected}>${t("admin.noTeam")}</option>
      ${this.teams.map((team) => html`<option value=${team.name} ?selected=${team.name === selected}>${team.name}</option>`)}
    </select>`;
  }

  override render() {
    return html`
      ${this.canEdit
        ? html`<section><h2>${t("admin.newAgent")}</h2>
            <form data-form="new-agent" @submit=${this.create}>
              <label>${t("admin.externalId")}<input name="external_id" required maxlength="128" /></label>
              <label>${t("admin.displayName")}<input name="display_name" maxlength="200" /></label>
              <label>${t("admin.team")}${this.teamSelect(null)}</label>
              <button class="primary" type="submit">${t("admin.create")}</button>
            </form></section>`
        : nothing}
      ${this.status()}
      <section><table data-testid="agents">
        <thead><tr><th>${t("admin.agent")}</th><th>${t("admin.displayName")}</th><th>${t("admin.team")}</th>
          ${this.canEdit ? html`<th>${t("admin.actions")}</th>` : nothing}</tr></thead>
        <tbody>${this.agents.map((agent) => html`<tr data-agent=${agent.external_id}>
          <td>${agent.external_id}</td><td>${agent.display_name ?? "—"}</td>
          <td>${this.canEdit ? this.teamSelect(agent.team, (team) => this.assign(agent, team)) : agent.team ?? "—"}</td>
          ${this.canEdit ? html`<td><button class="danger" @click=${() => this.deleteItem(agent)}>${t("admin.delete")}</button></td>` : nothing}
        </tr>`)}</tbody>
      </table></section>
    `;
  }
}

customElements.define("fw-admin-agents", FwAdminAgents);
