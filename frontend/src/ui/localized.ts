import { LitElement } from "lit";
import { localeEvents } from "../core/i18n";

/** A Lit element that re-renders when the language changes. */
export class LocalizedElement extends LitElement {
  private readonly onLocale = () => this.requestUpdate();

  override connectedCallback(): void {
    super.connectedCallback();
    localeEvents.addEventListener("change", this.onLocale);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    localeEvents.removeEventListener("change", this.onLocale);
  }
}
