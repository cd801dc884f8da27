import { css, html } from "lit";
import { t } from "../core/i18n";
import { rotationCandidates } from "../core/rotation";
import type { Dashboard, Rotation } from "../core/types";
import { LocalizedElement } from "./localized";
import { reset } from "./theme";

/** Seconds per dashboard: the server's limits (`Rotation.every_s`). */
const MIN_EVERY_S = 10;
const MAX_EVERY_S = 3600;

/** Part of edit mode: which dashboards a wall showing this one cycles through, and how many
 * seconds each stays. Changes go up as `rotation-change` and are saved with the dashboard. */
export class FwRotationEditor extends LocalizedElement {
  static override properties = { dashboard: { attribute: false }, dashboards: { attribute: false } };
  declare dashboard: Dashboard;
  declare dashboards: Dashboard[];

  static override styles = [reset, css`
    :host { display: block; margin-top: 1.4rem; }
    fieldset { border: 1px solid var(--line); border-radius: 0.5rem; padding: 0.6rem 0.8rem 0.8rem; margin: 0; }
    legend { color: var(--text); font-weight: 600; padding: 0 0.3rem; }
    p { color: var(--muted); font-size: 0.85rem; margin: 0.2rem 0 0.6rem; }
    label { display: flex; align-items: center; gap: 0.45rem; margin: 0.25rem 0; color: var(--text); }
    label.every { display: grid; gap: 0.25rem; margin-top: 0.7rem; color: var(--muted); font-size: 0.85rem; }
    input[type="number"] {
      font: inherit; color: var(--text); background: var(--bg-2); border: 1px solid var(--line);
      border-radius: 0.4rem; padding: 0.35rem 0.5rem; width: 8rem;
    }
  `];

  private emit(ids: number[], every: number): void {
    const rotation: Rotation | null = ids.length ? { dashboards: ids, every_s: every } : null;
    this.dispatchEvent(new CustomEvent("rotation-change", { detail: rotation }));
  }

  override render() {
    const candidates = rotationCandidates(this.dashboard, this.dashboards);
    const chosen = this.dashboard.rotation?.dashboards ?? [];
    const every = this.dashboard.rotation?.every_s ?? 30;
    return html`<fieldset data-testid="rotation">
      <legend>${t("rotation.title")}</legend>
      <p>${candidates.length ? t("rotation.hint") : t("rotation.none")}</p>
      ${candidates.map(
        (d) => html`<label><input type="checkbox" name="rotate-${d.id}" .checked=${chosen.includes(d.id)}
          @change=${(e: Event) => {
            const on = (e.target as HTMLInputElement).checked;
            this.emit(on ? [...chosen, d.id] : chosen.filter((id) => id !== d.id), every);
          }} />${d.name}</label>`,
      )}
      ${candidates.length
        ? html`<label class="every">${t("rotation.every")}
            <input name="rotate-every" type="number" min=${MIN_EVERY_S} max=${MAX_EVERY_S} .value=${String(every)}
              @change=${(e: Event) => {
                const raw = Number((e.target as HTMLInputElement).value);
                const seconds = Math.round(Math.max(MIN_EVERY_S, Math.min(MAX_EVERY_S, raw || 30)));
                (e.target as HTMLInputElement).value = String(seconds);
                this.emit(chosen, seconds);
              }} />
          </label>`
        : ""}
    </fieldset>`;
  }
}

customElements.define("fw-rotation-editor", FwRotationEditor);
