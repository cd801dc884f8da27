import { html } from "lit";
import { api } from "../../core/api";
import { wall } from "../../core/context";
import { t } from "../../core/i18n";
import type { Tenant } from "../../core/types";
import { AdminSection, formValues } from "./section";

const CURRENCIES = ["", "EUR", "PLN", "USD", "GBP", "CHF", "CZK", "SEK", "NOK", "DKK"];

/** The organisation: the language of alert notifications and the currency of revenue (the
 * time zone is shown; it is changed with `floorwatch` because reports depend on it). */
export class FwAdminTenant extends AdminSection {
  static override properties = { ...AdminSection.properties, tenant: { state: true } };
  declare tenant: Tenant | null;

  constructor() {
    super();
    this.tenant = null;
  }

  protected async reload(): Promise<void> {
    this.tenant = await api<Tenant>("GET", "/v1/tenant");
    wall.tenant = this.tenant;
  }

  private async save(event: Event): Promise<void> {
    const data = formValues(event);
    const currency = String(data.get("currency") ?? "").trim().toUpperCase();
    await this.run(() =>
      api("PATCH", "/v1/tenant", { language: String(data.get("language")), currency: currency || null }),
    );
  }

  override render() {
    const tenant = this.tenant;
    if (!tenant) return this.status();
    const currencies = CURRENCIES.includes(tenant.currency ?? "") ? CURRENCIES : [...CURRENCIES, tenant.currency ?? ""];
    return html`${this.status()}<section data-testid="tenant-settings">
      <h2>${tenant.name}</h2>
      <form data-form="tenant" @submit=${this.save}>
        <label>${t("admin.timezone")}<input name="timezone" .value=${tenant.timezone} disabled /></label>
        <label>${t("admin.language")}<select name="language" ?disabled=${!this.canEdit}>
          <option value="en" ?selected=${tenant.language === "en"}>English</option>
          <option value="pl" ?selected=${tenant.language === "pl"}>Polski</option>
        </select></label>
        <label>${t("admin.currency")}<select name="currency" ?disabled=${!this.canEdit}>
          ${currencies.map((c) => html`<option value=${c} ?selected=${c === (tenant.currency ?? "")}>${c || t("admin.noCurrency")}</option>`)}
        </select></label>
        ${this.canEdit ? html`<button class="primary" type="submit">${t("admin.save")}</button>` : ""}
      </form>
      <p class="muted">${t("admin.tenantHelp")}</p>
    </section>`;
  }
}

customElements.define("fw-admin-tenant", FwAdminTenant);
