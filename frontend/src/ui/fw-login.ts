import { css, html, nothing } from "lit";
import { api, ApiError, setCsrfToken } from "../core/api";
import { t } from "../core/i18n";
import { LocalizedElement } from "./localized";
import { reset } from "./theme";
import "./fw-locale-switch";

interface LoginResponse {
  csrf_token: string;
}

interface DemoLogin {
  tenant: string;
  username: string;
  password: string;
}

/** The sign-in page: organisation, username, password. Fires `logged-in` on success. */
export class FwLogin extends LocalizedElement {
  static override properties = {
    error: { state: true },
    busy: { state: true },
    demo: { state: true },
  };
  declare error: string;
  declare busy: boolean;
  declare demo: DemoLogin | null;

  constructor() {
    super();
    this.error = "";
    this.busy = false;
    this.demo = null;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // 204 (no demo) comes back as undefined
    api<DemoLogin | undefined>("GET", "/v1/dashboards/demo-login").then(
      (demo) => (this.demo = demo ?? null),
      () => undefined,
    );
  }

  static override styles = [reset, css`
    :host {
      display: grid;
      place-items: center;
      height: 100%;
      background: radial-gradient(1200px 600px at 20% 10%, #13254a 0%, transparent 60%),
        radial-gradient(900px 500px at 90% 90%, #2a1640 0%, transparent 55%), var(--bg);
    }
    form {
      width: min(26rem, 92vw);
      background: rgba(17, 26, 46, 0.92);
      border: 1px solid var(--line);
      border-radius: 1rem;
      padding: 2.2rem 2.2rem 1.8rem;
      box-shadow: 0 30px 80px rgba(0, 0, 0, 0.45);
    }
    .brand { display: flex; align-items: center; gap: 0.7rem; margin-bottom: 1.6rem; }
    .brand svg { width: 2.4rem; height: 2.4rem; }
    h1 { font-size: 1.45rem; margin: 0; }
    p { margin: 0.2rem 0 0; color: var(--muted); font-size: 0.9rem; }
    label { display: grid; gap: 0.35rem; margin-bottom: 1rem; font-size: 0.85rem; color: var(--muted); }
    input {
      font: inherit;
      font-size: 1rem;
      color: var(--text);
      background: var(--bg-2);
      border: 1px solid var(--line);
      border-radius: 0.5rem;
      padding: 0.65rem 0.75rem;
    }
    input:focus { outline: 2px solid var(--accent); outline-offset: 0; }
    button[type="submit"] {
      width: 100%;
      font: inherit;
      font-weight: 700;
      font-size: 1rem;
      color: #04121f;
      background: linear-gradient(90deg, #38bdf8, #818cf8);
      border: 0;
      border-radius: 0.5rem;
      padding: 0.75rem;
      cursor: pointer;
      margin-top: 0.4rem;
    }
    button[disabled] { opacity: 0.6; }
    .error {
      color: #fecdd3;
      background: rgba(244, 63, 94, 0.15);
      border: 1px solid rgba(244, 63, 94, 0.4);
      border-radius: 0.5rem;
      padding: 0.55rem 0.7rem;
      margin-bottom: 1rem;
      font-size: 0.9rem;
    }
    .demo {
      color: #bae6fd;
      background: rgba(56, 189, 248, 0.1);
      border: 1px solid rgba(56, 189, 248, 0.35);
      border-radius: 0.5rem;
      padding: 0.55rem 0.7rem;
      margin-bottom: 1rem;
      font-size: 0.88rem;
    }
    .foot { display: flex; justify-content: flex-end; margin-top: 1.2rem; }
  `];

  private async submit(event: Event): Promise<void> {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    this.busy = true;
    this.error = "";
    try {
      const reply = await api<LoginResponse>("POST", "/v1/auth/login", {
        tenant: String(form.get("tenant") || "default"),
        username: String(form.get("username")),
        password: String(form.get("password")),
      });
      setCsrfToken(reply.csrf_token);
      this.dispatchEvent(new CustomEvent("logged-in", { bubbles: true, composed: true }));
    } catch (error) {
      if (error instanceof ApiError && error.status === 429) {
        const seconds = /(\d+)/.exec(error.message)?.[1] ?? "";
        this.error = t("login.locked", { seconds });
      } else if (error instanceof ApiError && error.status === 401) {
        this.error = t("login.failed");
      } else {
        this.error = error instanceof Error ? error.message : String(error);
      }
    } finally {
      this.busy = false;
    }
  }

  override render() {
    return html`<form @submit=${this.submit} data-testid="login">
      <div class="brand">
        <svg viewBox="0 0 32 32" aria-hidden="true"><rect width="32" height="32" rx="7" fill="#0f172a"/><path d="M6 22h4V12H6zm8 0h4V6h-4zm8 0h4v-7h-4z" fill="#38bdf8"/><circle cx="24" cy="9" r="3" fill="#22c55e"/></svg>
        <div><h1>${t("login.title")}</h1><p>${t("login.subtitle")}</p></div>
      </div>
      ${this.error ? html`<div class="error" role="alert">${this.error}</div>` : nothing}
      ${this.demo
        ? html`<div class="demo" data-testid="demo-hint">
            ${t("login.demo", { username: this.demo.username, password: this.demo.password })}
          </div>`
        : nothing}
      <label>${t("login.tenant")}<input name="tenant" .value=${this.demo?.tenant ?? "default"} autocomplete="organization" /></label>
      <label>${t("login.username")}<input name="username" required .value=${this.demo?.username ?? ""} autocomplete="username" autofocus /></label>
      <label>${t("login.password")}<input name="password" type="password" required .value=${this.demo?.password ?? ""} autocomplete="current-password" /></label>
      <button type="submit" ?disabled=${this.busy}>${t("login.submit")}</button>
      <div class="foot"><fw-locale-switch></fw-locale-switch></div>
    </form>`;
  }
}

customElements.define("fw-login", FwLogin);
