import { css, html } from "lit";
import { formatTime, t } from "../core/i18n";
import { live } from "../core/live";
import { onTick } from "../widgets/ticker";
import { LocalizedElement } from "./localized";
import { reset } from "./theme";

/** The connection mark and the clock. When the connection is down the mark turns red and
 * says since when the numbers on screen have not changed: a wall must never look live when
 * it is not. */
export class FwStatus extends LocalizedElement {
  static override styles = [reset, css`
    :host { display: flex; flex: none; align-items: center; gap: 1rem; }
    .pill {
      display: inline-flex;
      align-items: center;
      gap: 0.5rem;
      font-size: max(var(--wall-text), 0.85rem);
      font-weight: 700;
      letter-spacing: 0.05em;
      text-transform: uppercase;
      padding: 0.3rem 0.8rem;
      border-radius: 99px;
      border: 1px solid var(--line);
      color: var(--muted);
      white-space: nowrap;
    }
    .dot { width: 0.6rem; height: 0.6rem; border-radius: 50%; background: var(--faint); }
    .live .dot { background: var(--good); box-shadow: 0 0 0 0.25rem rgba(34, 197, 94, 0.18); }
    .live { color: var(--good); border-color: rgba(34, 197, 94, 0.35); }
    .stale, .unauthorized {
      color: #fff;
      background: var(--crit);
      border-color: var(--crit);
      font-size: 1rem;
      padding: 0.35rem 1rem;
      animation: blink 2s steps(2, start) infinite;
    }
    .stale .dot, .unauthorized .dot { background: #fff; }
    .since { font-weight: 500; text-transform: none; letter-spacing: 0; }
    @keyframes blink { 50% { background: #9f1239; } }
    .clock {
      font-size: 1.25rem;
      white-space: nowrap;
      font-weight: 650;
      font-variant-numeric: tabular-nums;
      letter-spacing: 0.02em;
    }
    :host([wall]) .clock { font-size: 1.6rem; }
  `];

  private readonly onStatus = () => this.requestUpdate();
  private stopTick: (() => void) | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    live.addEventListener("status", this.onStatus);
    this.stopTick = onTick(() => this.requestUpdate());
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    live.removeEventListener("status", this.onStatus);
    this.stopTick?.();
  }

  override render() {
    const status = live.status;
    const last = live.lastUpdate;
    let text = t("status.live");
    if (status === "connecting") text = t("status.connecting");
    if (status === "unauthorized") text = t("status.unauthorized");
    return html`
      ${status === "stale"
        ? html`<span class="pill stale" data-testid="stale" role="status">
            <span class="dot"></span>${t("status.stale")}
            <span class="since">· ${last ? t("status.staleSince", { time: formatTime(last) }) : t("status.never")}</span>
          </span>`
        : html`<span class="pill ${status}" data-testid="status" data-status=${status} role="status">
            <span class="dot"></span>${text}
          </span>`}
      <span class="clock" data-testid="clock">${formatTime(Date.now())}</span>
    `;
  }
}

customElements.define("fw-status", FwStatus);
