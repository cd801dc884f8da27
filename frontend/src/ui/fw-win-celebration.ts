import { css, html, nothing } from "lit";
import { wall } from "../core/context";
import { formatMoney, t } from "../core/i18n";
import { live } from "../core/live";
import type { Dashboard, DealRow } from "../core/types";
import { LocalizedElement } from "./localized";
import { reset } from "./theme";

/** How long each win is shown, and how old (server time) a win may be to be shown at all: a
 * wall that opens does not replay the wins of its first copy, nor one that reconnects those of
 * the last minutes. */
export const CELEBRATE_MS = 6000;
export const FRESH_MS = 20_000;

/**
 * The deal-won celebration: on a dashboard with `celebrate_wins`, each deal won is shown over
 * the wall for a few seconds (the owner's name, the amount in the tenant's currency), one after
 * another. The wins come from the deal list topic of the dashboard's scope (`deals:team:NAME`
 * for a team's dashboard, else `deals:tenant`), so a team's wall, and its display link, only
 * ever learn of that team's wins.
 */
export class FwWinCelebration extends LocalizedElement {
  static override properties = { dashboard: { attribute: false } };
  declare dashboard: Dashboard | null;

  private release: (() => void) | null = null;
  private watching = "";
  private readonly seen = new Set<string>();
  private primed = false;
  /** Server time when the wall subscribed: a win after it is new even in the first copy. */
  private since = 0;
  private queue: DealRow[] = [];
  private showing: DealRow | null = null;
  private timer: number | null = null;

  static override styles = [reset, css`
    :host { position: fixed; inset: 0; pointer-events: none; z-index: 50; display: grid; place-items: center; }
    .card {
      min-width: min(40rem, 80vw);
      padding: 2.2rem 3rem;
      border-radius: 1.2rem;
      background: radial-gradient(circle at 50% 0%, #166534, #052e16 75%);
      border: 0.25rem solid #4ade80;
      box-shadow: 0 0 4rem rgba(74, 222, 128, 0.45);
      color: #f0fdf4;
      text-align: center;
      font-size: max(var(--wall-text, 1rem), clamp(1rem, 2.2vw, 3.2rem));
      animation: pop 0.35s ease-out;
    }
    .label { font-size: 0.8em; letter-spacing: 0.12em; text-transform: uppercase; color: #bbf7d0; font-weight: 700; }
    .who { font-size: 1.6em; font-weight: 750; margin-top: 0.3em; }
    .amount { font-size: 2.4em; font-weight: 800; margin-top: 0.15em; font-variant-numeric: tabular-nums; color: #86efac; }
    @keyframes pop { from { transform: scale(0.6); opacity: 0; } to { transform: scale(1); opacity: 1; } }
    @media (prefers-reduced-motion: reduce) { .card { animation: none; } }
  `];

  constructor() {
    super();
    this.dashboard = null;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.unwatch();
  }

  private topic(): string {
    const d = this.dashboard;
    if (!d?.celebrate_wins) return "";
    return d.team ? `deals:team:${d.team}` : "deals:tenant";
  }

  private unwatch(): void {
    this.release?.();
    this.release = null;
    this.watching = "";
    this.primed = false;
    this.queue = [];
    this.showing = null;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  protected override willUpdate(): void {
    const topic = this.topic();
    if (topic === this.watching) return;
    this.unwatch();
    this.watching = topic;
    if (!topic) return;
    this.since = live.serverNow();
    this.release = live.subscribe(topic, (copy) => this.take(copy.data as Record<string, DealRow>));
  }

  /** The wins in the first copy were won before the wall opened: they are noted, not shown
   * (but for those won after it subscribed, which the first copy may already hold). */
  private take(rows: Record<string, DealRow>): void {
    const now = live.serverNow();
    for (const [key, row] of Object.entries(rows)) {
      if (!key.startsWith("won:") || this.seen.has(key)) continue;
      this.seen.add(key);
      const at = row?.at ?? 0;
      if (row && (this.primed || at >= this.since) && now - at <= FRESH_MS) this.queue.push(row);
    }
    this.primed = true;
    if (this.showing === null) this.next();
  }

  private next(): void {
    this.showing = this.queue.shift() ?? null;
    this.requestUpdate();
    if (this.showing !== null) this.timer = window.setTimeout(() => this.next(), CELEBRATE_MS);
    else this.timer = null;
  }

  override render() {
    const win = this.showing;
    if (win === null) return nothing;
    const currency = wall.tenant?.currency ?? undefined;
    return html`<div class="card" role="status" aria-live="polite" data-testid="deal-won" data-deal=${win.id}>
      <div class="label">${t("celebrate.won")}</div>
      <div class="who">${win.owner_name ?? t("deals.noOwner")}</div>
      ${win.amount === null ? nothing : html`<div class="amount">${formatMoney(win.amount, currency)}</div>`}
    </div>`;
  }
}

customElements.define("fw-win-celebration", FwWinCelebration);
