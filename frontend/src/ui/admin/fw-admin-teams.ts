import { html, nothing } from "lit";
import { api } from "../../core/api";
import { t } from "../../core/i18n";
import { AdminSection, formValues, type TeamOut } from "./section";

/** Teams: list with their agent counts; admins create, rename and delete. */
export class FwAdminTeams extends AdminSection {
  static override properties = { ...AdminSection.properties, teams: { state: true } };
  declare teams: TeamOut[];

  constructor() {
    super();
    this.teams = [];
  }

  protected async reload(): Promise<void> {
    this.teams = await api<TeamOut[]>("GET", "/v1/teams");
  }

  private async create(event: Event): Promise<void> {
    const form = event.target as HTMLFormElement;
    const name = String(formValues(event).get("name") ?? "").trim();
    if (await this.run(() => api("POST", "/v1/teams", { name }))) form.reset();
  }

  private async rename(team: TeamOut, event: Event): Promise<void> {
    const name = String(formValues(event).get("name") ?? "").trim();
    if (name && name !== team.name) await this.run(() => api("PATCH", `/v1/teams/${team.id}`, { name }));
  }

  private async deleteItem(team: TeamOut): Promise<void> {
    if (confirm(t("admin.confirmDelete", { name: team.name }))) {
      await this.run(() => api("DELETE", `/v1/teams/${team.id}`));
    }
  }

  override render() {
    return html`
      ${this.canEdit
        ? html`<section><h2>${t("admin.newTeam")}</h2>
            <form data-form="new-team" @submit=${this.create}>
              <label>${t("admin.name")}<input name="name" required maxlength="128" /></label>
              <button class="primary" type="submit">${t("admin.create")}</button>
            </form></section>`
        : nothing}
      ${this.status()}
      <section><table data-testid="teams">
        <thead><tr><th>${t("admin.name")}</th><th class="num">${t("admin.agentsInTeam")}</th>
          ${this.canEdit ? html`<th>${t("admin.actions")}</th>` : nothing}</tr></thead>
        <tbody>${this.teams.map((team) => html`<tr data-team=${team.name}>
          <td>${this.canEdit
            ? html`<form @submit=${(e: Event) => this.rename(team, e)}><input name="name" .value=${team.name} required />
                <button type="submit">${t("admin.save")}</button></form>`
            : team.name}</td>
          <td class="num">${team.agents}</td>
          ${this.canEdit ? html`<td><button class="danger" @click=${() => this.deleteItem(team)}>${t("admin.delete")}</button></td>` : nothing}
        </tr>`)}</tbody>
      </table></section>
    `;
  }
}

customElements.define("fw-admin-teams", FwAdminTeams);
