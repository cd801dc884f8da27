import { css, html, nothing, type PropertyValues } from "lit";
import { api } from "../../core/api";
import { t } from "../../core/i18n";
import type { MessageKey } from "../../core/messages";
import type { Dashboard } from "../../core/types";
import { AdminSection, formValues, type AgentOut, type TeamOut, type UserOut } from "./section";

const ROLES = ["admin", "supervisor", "team_lead", "agent", "display"] as const;
const MIN_PASSWORD_LENGTH = 10;

function roleLabel(role: string): string {
  return t(`admin.role.${role}` as MessageKey);
}

/** Users: who may sign in, with which role and which teams, agent or dashboard. Admins create
 * users, disable and re-enable them and set a new password; staff see the users of their teams. */
export class FwAdminUsers extends AdminSection {
  static override properties = {
    ...AdminSection.properties,
    users: { state: true },
    teams: { state: true },
    agents: { state: true },
    dashboards: { state: true },
    newRole: { state: true },
    resetting: { state: true },
  };
  static override styles = [
    ...AdminSection.styles,
    css`
      dialog {
        background: var(--panel);
        color: var(--text);
        border: 1px solid var(--line);
        border-radius: 0.8rem;
        padding: 1.2rem 1.4rem;
        width: min(28rem, 92vw);
      }
      dialog::backdrop { background: rgba(2, 6, 23, 0.7); }
      dialog form { flex-direction: column; align-items: stretch; }
      dialog .actions { display: flex; justify-content: flex-end; gap: 0.6rem; }
    `,
  ];
  /** The user whose password the dialog sets (null: no dialog). */
  declare resetting: UserOut | null;
  declare users: UserOut[];
  declare teams: TeamOut[];
  declare agents: AgentOut[];
  declare dashboards: Dashboard[];
  /** The role chosen in the "new user" form: it decides which of the other fields apply. */
  declare newRole: string;

  constructor() {
    super();
    this.users = [];
    this.teams = [];
    this.agents = [];
    this.dashboards = [];
    this.newRole = "supervisor";
    this.resetting = null;
  }

  protected override updated(changed: PropertyValues): void {
    if (!changed.has("resetting")) return;
    const dialog = this.renderRoot.querySelector("dialog");
    if (this.resetting && dialog && !dialog.open) dialog.showModal();
  }

  protected async reload(): Promise<void> {
    [this.users, this.teams, this.agents, this.dashboards] = await Promise.all([
      api<UserOut[]>("GET", "/v1/users"),
      api<TeamOut[]>("GET", "/v1/teams"),
      api<AgentOut[]>("GET", "/v1/agents/roster"),
      api<Dashboard[]>("GET", "/v1/dashboards"),
    ]);
  }

  private async create(event: Event): Promise<void> {
    const form = event.target as HTMLFormElement;
    const data = formValues(event);
    const role = String(data.get("role"));
    const body: Record<string, unknown> = {
      username: String(data.get("username") ?? "").trim(),
      display_name: String(data.get("display_name") ?? "").trim(),
      password: String(data.get("password") ?? ""),
      role,
    };
    if (role === "supervisor") body.all_teams = data.get("all_teams") === "on";
    if (role === "supervisor" || role === "team_lead") body.teams = data.getAll("teams").map(String);
    if (role === "agent") body.agent = String(data.get("agent") ?? "") || null;
    if (role === "display") body.dashboard_id = Number(data.get("dashboard_id")) || null;
    if (await this.run(() => api("POST", "/v1/users", body))) {
      form.reset();
      this.newRole = "supervisor";
    }
  }

  private async setDisabled(user: UserOut, disabled: boolean): Promise<void> {
    await this.run(() => api("PATCH", `/v1/users/${user.id}`, { disabled }));
  }

  /** The new password is typed twice into password fields of a dialog (never in clear). */
  private async setPassword(event: Event): Promise<void> {
    const user = this.resetting;
    const form = event.target as HTMLFormElement;
    const data = formValues(event);
    const password = String(data.get("password") ?? "");
    const repeat = form.elements.namedItem("repeat") as HTMLInputElement;
    if (password !== String(data.get("repeat") ?? "")) {
      repeat.setCustomValidity(t("admin.passwordsDiffer"));
      repeat.reportValidity();
      return;
    }
    if (user && (await this.run(() => api("PATCH", `/v1/users/${user.id}`, { password })))) {
      this.resetting = null;
    }
  }

  private passwordDialog() {
    const user = this.resetting;
    if (!user) return nothing;
    return html`<dialog data-testid="password-dialog" aria-labelledby="password-title" @close=${() => (this.resetting = null)}>
      <form data-form="password" @submit=${this.setPassword}>
        <h2 id="password-title">${t("admin.newPassword", { name: user.username })}</h2>
        <label>${t("admin.password")}<input name="password" type="password" required minlength=${MIN_PASSWORD_LENGTH}
          autocomplete="new-password" autofocus /></label>
        <label>${t("admin.repeatPassword")}<input name="repeat" type="password" required
          autocomplete="new-password" @input=${(e: Event) => (e.target as HTMLInputElement).setCustomValidity("")} /></label>
        ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
        <div class="actions">
          <button type="button" @click=${() => (this.resetting = null)}>${t("edit.cancel")}</button>
          <button class="primary" type="submit">${t("admin.setPassword")}</button>
        </div>
      </form>
    </dialog>`;
  }

  private newUserForm() {
    const role = this.newRole;
    return html`<section><h2>${t("admin.newUser")}</h2>
      <form data-form="new-user" @submit=${this.create}>
        <label>${t("admin.username")}<input name="username" required maxlength="100" autocomplete="off" /></label>
        <label>${t("admin.displayName")}<input name="display_name" maxlength="200" /></label>
        <label>${t("admin.password")}<input name="password" type="password" required minlength=${MIN_PASSWORD_LENGTH}
          autocomplete="new-password" /></label>
        <label>${t("admin.role")}
          <select name="role" @change=${(e: Event) => (this.newRole = (e.target as HTMLSelectElement).value)}>
            ${ROLES.map((r) => html`<option value=${r} ?selected=${r === role}>${roleLabel(r)}</option>`)}
          </select>
        </label>
        ${role === "supervisor"
          ? html`<label class="check"><input type="checkbox" name="all_teams" />${t("admin.allTeams")}</label>`
          : nothing}
        ${role === "supervisor" || role === "team_lead"
          ? html`<label>${t("admin.teams")}<select name="teams" multiple>
              ${this.teams.map((team) => html`<option value=${team.name}>${team.name}</option>`)}</select></label>`
          : nothing}
        ${role === "agent"
          ? html`<label>${t("admin.agent")}<input name="agent" list="fw-agent-ids" required maxlength="128" />
              <datalist id="fw-agent-ids">${this.agents.map((a) => html`<option value=${a.external_id}>${a.display_name ?? ""}</option>`)}</datalist></label>`
          : nothing}
        ${role === "display"
          ? html`<label>${t("nav.dashboards")}<select name="dashboard_id" required>
              ${this.dashboards.map((d) => html`<option value=${d.id}>${d.name}</option>`)}</select></label>`
          : nothing}
        <button class="primary" type="submit">${t("admin.create")}</button>
      </form></section>`;
  }

  override render() {
    return html`
      ${this.canEdit ? this.newUserForm() : nothing}
      ${this.resetting ? nothing : this.status()}
      <section><table data-testid="users">
        <thead><tr><th>${t("admin.username")}</th><th>${t("admin.displayName")}</th><th>${t("admin.role")}</th>
          <th>${t("admin.teams")}</th><th>${t("admin.agent")}</th><th>${t("admin.status")}</th>
          ${this.canEdit ? html`<th>${t("admin.actions")}</th>` : nothing}</tr></thead>
        <tbody>${this.users.map((user) => html`<tr data-user=${user.username} class=${user.disabled ? "off" : ""}>
          <td>${user.username}</td><td>${user.display_name || "—"}</td><td>${roleLabel(user.role)}</td>
          <td>${user.all_teams ? t("admin.allTeams") : user.teams.join(", ") || "—"}</td>
          <td>${user.agent ?? "—"}</td>
          <td>${user.disabled ? t("admin.disabled") : t("admin.active")}</td>
          ${this.canEdit
            ? html`<td>
                <button data-action="toggle" @click=${() => this.setDisabled(user, !user.disabled)}>
                  ${user.disabled ? t("admin.enable") : t("admin.disable")}</button>
                <button data-action="password" @click=${() => ((this.error = ""), (this.resetting = user))}>${t("admin.resetPassword")}</button>
              </td>`
            : nothing}
        </tr>`)}</tbody>
      </table></section>
      ${this.passwordDialog()}
    `;
  }
}

customElements.define("fw-admin-users", FwAdminUsers);
