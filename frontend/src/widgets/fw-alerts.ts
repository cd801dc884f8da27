import { css, html, nothing } from "lit";
import { alertText, bySeverity } from "../core/alerts";
import { api, ApiError } from "../core/api";
import { wall } from "../core/context";
import { formatDuration, t } from "../core/i18n";
import { severityLabel } from "../core/labels";
import { live, type TopicCopy } from "../core/live";
import type { AlertRow } from "../core/types";
import { panel } from "../ui/theme";
import { WidgetElement } from "./base";
import { RowFit } from "./row-fit";
import { onTick } from "./ticker";

/** Firing alerts of the scope (`alerts:SCOPE`), most severe first, with how long each has been
 * firing and an acknowledge button (not on display links, which are read-only). */
export class FwAlerts extends WidgetElement {
  static override styles = [
    panel,
    css`
      :host([firing]) { border-color: color-mix(in srgb, var(--crit) 70%, var(--line)); }
      .body { flex: 1; min-height: 0; margin-top: 0.5rem; overflow: hidden; display: flex; flex-direction: column; gap: 0.4rem; }
      .alert {
        --c: var(--warn);
        display: grid;
        grid-template-columns: auto 1fr auto auto;
        align-items: center;
        gap: 0.8rem;
        padding: 0.45rem 0.7rem;
        border-radius: 0.5rem;
        background: color-mix(in srgb, var(--c) 16%, #0e1628);
        border-left: 0.35rem solid var(--c);
        font-size: max(var(--wall-text) / 0.7, clamp(0.85rem, 9cqh, 1.5rem));
      }
      .alert.critical { --c: var(--crit); background: color-mix(in srgb, var(--crit) 30%, #0e1628); }
      .alert.info { --c: var(--info); }
      .sev {
        font-size: 0.7em;
        font-weight: 800;
        letter-spacing: 0.08em;
        text-transform: uppercase;
        color: var(--c);
      }
      .summary { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; font-weight: 600; }
      .age { color: var(--muted); font-variant-numeric: tabular-nums; white-space: nowrap; }
      button {
        background: transparent;
        border: 1px solid color-mix(in srgb, var(--c) 70%, transparent);
        color: var(--text);
        border-radius: 0.4rem;
        padding: 0.2rem 0.7rem;
        cursor: pointer;
        font-size: 0.8em;
      }
      .acked { color: var(--muted); font-size: 0.75em; white-space: nowrap; }
      .clear {
        flex: 1;
        display: flex;
        align-items: center;
        justify-content: center;
        gap: 0.8rem;
        color: var(--good);
        font-size: clamp(1rem, 14cqh, 2rem);
        font-weight: 650;
      }
      .clear small { color: var(--muted); font-weight: 400; font-size: max(var(--wall-text), 0.55em); }
      .error { color: var(--crit); font-size: max(var(--wall-text), 0.85rem); }
    `,
  ];

  private alerts: Record<string, AlertRow> = {};
  private readonly fit = new RowFit(this);
  private stopTick: (() => void) | null = null;
  private error = "";

  protected topics(): string[] {
    const scope = this.config.scope;
    return [scope.startsWith("queue:") || scope.startsWith("team:") ? `alerts:${scope}` : "alerts:tenant"];
  }

  protected onTopic(copy: TopicCopy): void {
    this.alerts = copy.data as Record<string, AlertRow>;
    this.requestUpdate();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.stopTick = onTick(() => Object.keys(this.alerts).length && this.requestUpdate());
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.stopTick?.();
  }

  private async acknowledge(alert: AlertRow): Promise<void> {
    try {
      await api("POST", `/v1/alerts/${alert.id}/acknowledge`, {});
      this.error = "";
    } catch (error) {
      this.error = t("alerts.ackFailed", { message: error instanceof ApiError ? error.message : String(error) });
    }
    this.requestUpdate();
  }

  private firing(): AlertRow[] {
    return bySeverity(
      Object.values(this.alerts).filter((a) => a && typeof a === "object" && (a.state ?? "firing") === "firing"),
    );
  }

  override render() {
    const firing = this.firing();
    this.toggleAttribute("firing", firing.some((a) => a.severity === "critical"));
    const shown = firing.slice(0, this.fit.shown(firing.length));
    const now = live.serverNow();
    return html`
      <header>
        <h2>${this.config.title || t("alerts.title")}</h2>
        ${this.error ? html`<span class="error">${this.error}</span>` : nothing}
      </header>
      <div class="body">
        ${firing.length === 0
          ? html`<div class="clear" data-testid="all-clear">
              <span>✓ ${t("alerts.none")}</span><small>${t("alerts.noneDetail")}</small>
            </div>`
          : shown.map((a) => {
              const since = Date.parse(a.fired_at ?? a.started_at);
              const text = alertText(a);
              return html`<div class="alert ${a.severity}" data-alert=${a.id}>
                <span class="sev">${severityLabel(a.severity)}</span>
                <span class="summary" title=${text}>${text}</span>
                <span class="age">${t("alerts.for", { duration: formatDuration((now - since) / 1000) })}</span>
                ${a.acknowledged_at
                  ? html`<span class="acked">${t("alerts.acked", { who: a.acknowledged_by ?? "" })}</span>`
                  : wall.readOnly
                    ? html`<span></span>`
                    : html`<button @click=${() => this.acknowledge(a)}>${t("alerts.ack")}</button>`}
              </div>`;
            })}
      </div>
      ${firing.length > shown.length
        ? html`<div class="more" data-testid="more-alerts">${t("widget.more", { count: firing.length - shown.length })}</div>`
        : nothing}
    `;
  }

  protected override updated(): void {
    this.fit.check(this.renderRoot.querySelector<HTMLElement>(".body"), this.renderRoot.querySelectorAll(".alert"));
  }
}

customElements.define("fw-alerts", FwAlerts);
