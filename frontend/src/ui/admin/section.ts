import { css, html, nothing } from "lit";
import type { components } from "../../core/api-types";
import { t } from "../../core/i18n";
import { namingField, problemsOf } from "../../core/problems";
import { LocalizedElement } from "../localized";
import { pageStyles } from "../page-styles";

type Schemas = components["schemas"];
export type TeamOut = Schemas["TeamOut"];
export type AgentOut = Schemas["AgentOut"];
export type QueueOut = Schemas["QueueOut"];
export type UserOut = Schemas["UserOut"];
export type ApiKeyOut = Schemas["ApiKeyOut"];

/** One administration tab: loads its list, shows errors and a "saved" note, and offers its
 * forms only when `canEdit` (admins; the API refuses writes of everybody else anyway). A
 * refused form gets one sentence by each field the API named (core/problems.ts); the rest
 * shows above the list. */
export abstract class AdminSection extends LocalizedElement {
  static override properties = {
    canEdit: { type: Boolean },
    error: { state: true },
    notice: { state: true },
  };
  declare canEdit: boolean;
  declare error: string;
  declare notice: string;

  static override styles = [
    pageStyles,
    css`
      .field-error { color: #fecdd3; font-size: 0.8rem; max-width: 18rem; white-space: normal; }
      [aria-invalid="true"] { border-color: var(--crit); }
      p.error { white-space: pre-line; }
    `,
  ];

  /** The form whose submission is running (its fields get the API's sentences). */
  private submitted: HTMLFormElement | null = null;

  constructor() {
    super();
    this.canEdit = false;
    this.error = "";
    this.notice = "";
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.renderRoot.addEventListener("submit", this.onSubmit, true);
    void this.run(() => this.reload(), false);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.renderRoot.removeEventListener("submit", this.onSubmit, true);
  }

  private readonly onSubmit = (event: Event) => {
    this.submitted = event.target instanceof HTMLFormElement ? event.target : null;
  };

  protected abstract reload(): Promise<void>;

  /** Run a change, then reload the list; a refusal of the API shows as the section's error. */
  protected async run(action: () => Promise<unknown>, saved = true): Promise<boolean> {
    this.error = "";
    const form = this.submitted;
    this.submitted = null;
    clearFieldErrors(this.renderRoot);
    try {
      await action();
      if (saved) {
        await this.reload();
        this.notice = t("admin.saved");
        window.setTimeout(() => (this.notice = ""), 3000);
      }
      return true;
    } catch (error) {
      const { fields, general } = problemsOf(error);
      const elsewhere = form ? markFields(form, fields) : [...fields];
      const lines = [...elsewhere.map(([field, text]) => namingField(field, text)), ...general];
      this.error = [...new Set(lines)].join("\n");
      return false;
    }
  }

  protected status() {
    return html`${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      ${this.notice ? html`<p class="good" role="status">${this.notice}</p>` : nothing}`;
  }
}

/** Puts each sentence by the form's field of that name (inside its label); answers the
 * problems whose field the form does not have. A field's mark goes at its next change. */
function markFields(form: HTMLFormElement, fields: Map<string, string>): [string, string][] {
  const elsewhere: [string, string][] = [];
  for (const [field, text] of fields) {
    const input = form.querySelector<HTMLElement>(`[name="${CSS.escape(field)}"]`);
    if (!input) {
      elsewhere.push([field, text]);
      continue;
    }
    const note = document.createElement("span");
    note.className = "field-error";
    note.dataset.fieldError = field;
    note.setAttribute("role", "alert");
    note.textContent = text;
    (input.closest("label") ?? input.parentElement ?? form).append(note);
    input.setAttribute("aria-invalid", "true");
    input.addEventListener("input", () => clearField(input, note), { once: true });
  }
  return elsewhere;
}

function clearField(input: HTMLElement, note: HTMLElement): void {
  input.removeAttribute("aria-invalid");
  note.remove();
}

function clearFieldErrors(root: ParentNode): void {
  for (const note of root.querySelectorAll(".field-error")) note.remove();
  for (const input of root.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
}

/** The values of a form's named fields (checkboxes as "on" or absent). */
export function formValues(event: Event): FormData {
  event.preventDefault();
  return new FormData(event.target as HTMLFormElement);
}
