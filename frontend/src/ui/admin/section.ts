import { html, nothing } from "lit";
import { t } from "../../core/i18n";
import { LocalizedElement } from "../localized";
import { pageStyles } from "../page-styles";

export interface TeamOut {
  id: number;
  name: string;
  agents: number;
}

export interface AgentOut {
  id: number;
  external_id: string;
  display_name: string | null;
  team: string | null;
}

export interface QueueOut {
  id: number;
  name: string;
  sl_threshold_s: number;
  short_abandon_s: number;
  /** null: wrap-up until the platform ends it; 0: none; N: ends by itself after N s. */
  wrapup_s: number | null;
}

export interface UserOut {
  id: number;
  username: string;
  display_name: string;
  role: string;
  all_teams: boolean;
  teams: string[];
  agent: string | null;
  dashboard_id: number | null;
  disabled: boolean;
}

export interface ApiKeyOut {
  id: number;
  name: string;
  prefix: string;
  scopes: string[];
  created_at: string;
  revoked_at: string | null;
}

/** One administration tab: loads its list, shows errors and a "saved" note, and offers its
 * forms only when `canEdit` (admins; the API refuses writes of everybody else anyway). */
export abstract class AdminSection extends LocalizedElement {
  static override properties = {
    canEdit: { type: Boolean },
    error: { state: true },
    notice: { state: true },
  };
  declare canEdit: boolean;
  declare error: string;
  declare notice: string;

  static override styles = [pageStyles];

  constructor() {
    super();
    this.canEdit = false;
    this.error = "";
    this.notice = "";
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.run(() => this.reload(), false);
  }

  protected abstract reload(): Promise<void>;

  /** Run a change, then reload the list; a refusal of the API shows as the section's error. */
  protected async run(action: () => Promise<unknown>, saved = true): Promise<boolean> {
    this.error = "";
    try {
      await action();
      if (saved) {
        await this.reload();
        this.notice = t("admin.saved");
        window.setTimeout(() => (this.notice = ""), 3000);
      }
      return true;
    } catch (error) {
      this.error = error instanceof Error ? error.message : String(error);
      return false;
    }
  }

  protected status() {
    return html`${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      ${this.notice ? html`<p class="good" role="status">${this.notice}</p>` : nothing}`;
  }
}

/** The values of a form's named fields (checkboxes as "on" or absent). */
export function formValues(event: Event): FormData {
  event.preventDefault();
  return new FormData(event.target as HTMLFormElement);
}
