import { css, html } from "lit";
import { locale, LOCALES, setLocale, t } from "../core/i18n";
import { LocalizedElement } from "./localized";
import { reset } from "./theme";

/** EN | PL */
export class FwLocaleSwitch extends LocalizedElement {
  static override styles = [reset, css`
    :host { display: inline-flex; flex: none; border: 1px solid var(--line); border-radius: 0.45rem; overflow: hidden; }
    button {
      font: inherit;
      font-size: 0.78rem;
      font-weight: 700;
      letter-spacing: 0.06em;
      color: var(--muted);
      background: transparent;
      border: 0;
      padding: 0.3rem 0.6rem;
      cursor: pointer;
      white-space: nowrap;
    }
    button[aria-pressed="true"] { background: var(--panel-2); color: var(--text); }
  `];

  override render() {
    return html`${LOCALES.map(
      (l) => html`<button
        lang=${l}
        aria-pressed=${locale() === l ? "true" : "false"}
        title=${t("app.language")}
        data-locale=${l}
        @click=${() => setLocale(l)}
      >${l.toUpperCase()}</button>`,
    )}`;
  }
}

customElements.define("fw-locale-switch", FwLocaleSwitch);
