import { html, nothing } from "lit";
import { api } from "../../core/api";
import { t } from "../../core/i18n";
import { AdminSection, formValues, type ApiKeyOut } from "./section";

const SCOPES = ["ingest", "read", "admin"] as const;

interface ApiKeyCreated extends ApiKeyOut {
  key: string;
}

function day(iso: string | null): string {
  return iso ? new Date(iso).toLocaleString() : "—";
}

/** API keys (admins): create one (its secret is shown once, in a dialog), revoke one. */
export class FwAdminKeys extends AdminSection {
  static override properties = {
    ...AdminSection.properties,
    keys: { state: true },
    secret: { state: true },
  };
  declare keys: ApiKeyOut[];
  /** The key just created; forgotten when the dialog closes, never stored. */
  declare secret: string;

  constructor() {
    super();
    this.keys = [];
    this.secret = "";
  }

  protected async reload(): Promise<void> {
    this.keys = await api<ApiKeyOut[]>("GET", "/v1/api-keys");
  }

  private async create(event: Event): Promise<void> {
    const form = event.target as HTMLFormElement;
    const data = formValues(event);
    const body = { name: String(data.get("name") ?? "").trim(), scopes: data.getAll("scopes").map(String) };
    let created: ApiKeyCreated | null = null;
    const ok = await this.run(async () => {
      created = await api<ApiKeyCreated>("POST", "/v1/api-keys", body);
    });
    if (ok && created) {
      this.secret = (created as ApiKeyCreated).key;
      form.reset();
    }
  }

  private async revoke(key: ApiKeyOut): Promise<void> {
    if (confirm(t("admin.confirmRevoke", { name: key.name }))) {
      await this.run(() => api("DELETE", `/v1/api-keys/${key.id}`));
    }
  }

  override render() {
    return html`
      <section><h2>${t("admin.newKey")}</h2>
        <form data-form="new-key" @submit=${this.create}>
          <label>${t("admin.name")}<input name="name" required maxlength="100" /></label>
          <fieldset class="bar" style="border:0;padding:0;margin:0">
            <legend class="muted">${t("admin.scopes")}</legend>
            ${SCOPES.map((scope) => html`<label class="check">
              <input type="checkbox" name="scopes" value=${scope} ?checked=${scope === "read"} />${scope}</label>`)}
          </fieldset>
          <button class="primary" type="submit">${t("admin.create")}</button>
        </form>
      </section>
      ${this.secret
        ? html`<section data-testid="new-key" role="alert">
            <p>${t("admin.keyOnce")}</p>
            <p><code data-testid="key-secret">${this.secret}</code></p>
            <button class="primary" @click=${() => navigator.clipboard?.writeText(this.secret)}>${t("admin.copy")}</button>
            <button data-action="done" @click=${() => (this.secret = "")}>${t("admin.done")}</button>
          </section>`
        : nothing}
      ${this.status()}
      <section><table data-testid="keys">
        <thead><tr><th>${t("admin.name")}</th><th>${t("admin.prefix")}</th><th>${t("admin.scopes")}</th>
          <th>${t("admin.created")}</th><th>${t("admin.revoked")}</th><th>${t("admin.actions")}</th></tr></thead>
        <tbody>${this.keys.map((key) => html`<tr data-key=${key.name} class=${key.revoked_at ? "off" : ""}>
          <td>${key.name}</td><td><code>${key.prefix}…</code></td><td>${key.scopes.join(", ")}</td>
          <td>${day(key.created_at)}</td><td>${day(key.revoked_at)}</td>
          <td>${key.revoked_at ? nothing : html`<button class="danger" @click=${() => this.revoke(key)}>${t("admin.revoke")}</button>`}</td>
        </tr>`)}</tbody>
      </table></section>
    `;
  }
}

customElements.define("fw-admin-keys", FwAdminKeys);
