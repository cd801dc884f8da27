import { css, html, nothing } from "lit";
import { wall } from "../core/context";
import { formatDays, formatMoney, t } from "../core/i18n";
import { live, type TopicCopy } from "../core/live";
import type { DealRow } from "../core/types";
import { panel } from "../ui/theme";
import { WidgetElement } from "./base";
import { RowFit } from "./row-fit";
import { onTick } from "./ticker";

/** How many times its stage's stall limit a deal may sit still before its row turns red
 * (amber before: every listed deal is stalled already). */
export const DEAL_CRIT_FACTOR = 2;

export function dealAgeClass(idleMs: number, limitS: number): "warn" | "crit" {
  return idleMs > DEAL_CRIT_FACTOR * limitS * 1000 ? "crit" : "warn";
}

/** The topic of a deal widget's scope: the tenant's, a pipeline's or a team's deal list. */
export function dealsTopic(scope: string): string {
  return scope.startsWith("pipeline:") || scope.startsWith("team:") ? `deals:${scope}` : "deals:tenant";
}

export function stalledRows(rows: Record<string, DealRow>): DealRow[] {
  return Object.values(rows)
    .filter((r) => r && typeof r === "object" && r.kind === "stalled")
    .sort((a, b) => (a.since ?? 0) - (b.since ?? 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Stalled deals (`deals:SCOPE`): open deals that have not changed stage for longer than their
 * stage's stall limit, oldest first, with the owner's name, stage, days without movement and
 * expected value. Rows are plain text: Floorwatch has no deal page, and a display link must
 * not lead anywhere. */
export class FwStalledDeals extends WidgetElement {
  static override styles = [
    panel,
    css`
      header .count { color: var(--warn); font-variant-numeric: tabular-nums; font-weight: 700; }
      header .count.zero { color: var(--muted); }
      .body { flex: 1; min-height: 0; margin-top: 0.5rem; overflow: hidden; display: flex; flex-direction: column; gap: 0.3rem; }
      .row {
        --c: var(--warn);
        display: grid;
        grid-template-columns: minmax(5em, 0.8fr) minmax(6em, 2fr) minmax(4em, 1fr) 5.5em 7.5em;
        align-items: center;
        gap: 0.8rem;
        padding: 0.3rem 0.6rem;
        border-radius: 0.45rem;
        border-left: 0.35rem solid var(--c);
        background: color-mix(in srgb, var(--c) 12%, #0e1628);
        font-size: max(var(--wall-text) / 0.7, clamp(0.85rem, 8cqh, 1.35rem));
        font-variant-numeric: tabular-nums;
      }
      .row.crit { --c: var(--crit); background: color-mix(in srgb, var(--crit) 24%, #0e1628); }
      .deal { font-weight: 650; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; text-align: left; }
      .owner, .stage { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; justify-self: start; text-align: left; max-width: 100%; }
      .stage { color: var(--muted); }
      .idle { white-space: nowrap; font-weight: 650; text-align: right; }
      .value { white-space: nowrap; text-align: right; }
      .clear { flex: 1; display: flex; align-items: center; justify-content: center; color: var(--good); font-size: clamp(1rem, 12cqh, 1.8rem); font-weight: 650; }
    `,
  ];

  private rows: Record<string, DealRow> = {};
  private readonly fit = new RowFit(this);
  private stopTick: (() => void) | null = null;

  protected topics(): string[] {
    return [dealsTopic(this.config.scope)];
  }

  protected onTopic(copy: TopicCopy): void {
    this.rows = copy.data as Record<string, DealRow>;
    this.requestUpdate();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.stopTick = onTick(() => this.requestUpdate());
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.stopTick?.();
  }

  override render() {
    const stalled = stalledRows(this.rows);
    const shown = stalled.slice(0, this.fit.shown(stalled.length));
    const now = live.serverNow();
    const currency = wall.tenant?.currency ?? undefined;
    return html`
      <header>
        <h2>${this.config.title || t("deals.title")}</h2>
        <span class="count ${stalled.length ? "" : "zero"}" data-testid="stalled-count">${stalled.length}</span>
      </header>
      <div class="body">
        ${stalled.length === 0
          ? html`<div class="clear" data-testid="deals-clear">✓ ${t("deals.none")}</div>`
          : shown.map((r) => {
              const idle = now - (r.since ?? now);
              return html`<div class="row ${dealAgeClass(idle, r.limit_s ?? 0)}" data-deal=${r.id}>
                <span class="deal">${r.id}</span>
                <span class="owner">${r.owner_name ?? t("deals.noOwner")}</span>
                <span class="stage">${r.stage ?? ""}</span>
                <span class="idle">${formatDays(idle / 1000)}</span>
                <span class="value">${r.amount === null ? "–" : formatMoney(r.amount, currency)}</span>
              </div>`;
            })}
      </div>
      ${stalled.length > shown.length
        ? html`<div class="more" data-testid="more-deals">${t("widget.more", { count: stalled.length - shown.length })}</div>`
        : nothing}
    `;
  }

  protected override updated(): void {
    this.fit.check(this.renderRoot.querySelector<HTMLElement>(".body"), this.renderRoot.querySelectorAll(".row"));
  }
}

customElements.define("fw-stalled-deals", FwStalledDeals);
