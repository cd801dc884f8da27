import { css, html, nothing } from "lit";
import { formatDurationWords, t } from "../core/i18n";
import { live, type TopicCopy } from "../core/live";
import type { MessageKey } from "../core/messages";
import type { CallbackRow } from "../core/types";
import { panel } from "../ui/theme";
import { WidgetElement } from "./base";
import { RowFit } from "./row-fit";
import { onTick } from "./ticker";

export const CALLBACK_STATUSES = ["open", "returned_by_us", "called_again", "expired", "dismissed"] as const;
/** Minutes a caller has waited for a call-back (since the first miss) at which a row turns
 * amber, then red. */
export const CALLBACK_WARN_MIN = 15;
export const CALLBACK_CRIT_MIN = 60;

export function ageClass(waitedMs: number): "fresh" | "warn" | "crit" {
  const minutes = waitedMs / 60_000;
  return minutes >= CALLBACK_CRIT_MIN ? "crit" : minutes >= CALLBACK_WARN_MIN ? "warn" : "fresh";
}

/** The call-back list (`callbacks:SCOPE`): callers who hung up or left the queue and whom
 * nobody reached since, oldest first, with their number as the socket sends it (whole to staff
 * who may see it, masked to agents, displays and display links: the server decides), queue, how long ago they last tried, misses and call-back attempts; above them
 * the entries by status (open now; the others closed in the last 24 hours). A row turns amber
 * after CALLBACK_WARN_MIN minutes of waiting and red after CALLBACK_CRIT_MIN. */
export class FwCallbacks extends WidgetElement {
  static override styles = [
    panel,
    css`
      .counts { display: flex; flex-wrap: wrap; gap: 0.35rem 0.9rem; margin-top: 0.35rem; font-size: max(var(--wall-text), clamp(0.75rem, 6cqh, 1.05rem)); color: var(--muted); }
      .counts b { color: var(--text); font-variant-numeric: tabular-nums; margin-left: 0.25em; }
      .counts .open b { color: var(--warn); }
      .body { flex: 1; min-height: 0; margin-top: 0.5rem; overflow: hidden; display: flex; flex-direction: column; gap: 0.3rem; }
      .row {
        --c: var(--good);
        display: grid;
        grid-template-columns: minmax(9em, 1.3fr) minmax(4em, 1fr) auto auto auto;
        align-items: center;
        gap: 0.8rem;
        padding: 0.3rem 0.6rem;
        border-radius: 0.45rem;
        border-left: 0.35rem solid var(--c);
        background: color-mix(in srgb, var(--c) 12%, #0e1628);
        font-size: max(var(--wall-text) / 0.7, clamp(0.85rem, 8cqh, 1.35rem));
        font-variant-numeric: tabular-nums;
      }
      .row.warn { --c: var(--warn); }
      .row.crit { --c: var(--crit); background: color-mix(in srgb, var(--crit) 24%, #0e1628); }
      .number { font-weight: 650; white-space: nowrap; letter-spacing: 0.02em; }
      .queue { color: var(--muted); white-space: nowrap; overflow: hidden; text-overflow: ellipsis; justify-self: start; text-align: left; }
      .ago { white-space: nowrap; }
      .tag { color: var(--muted); font-size: 0.8em; white-space: nowrap; }
      .tag b { color: var(--text); }
      .clear { flex: 1; display: flex; align-items: center; justify-content: center; color: var(--good); font-size: clamp(1rem, 12cqh, 1.8rem); font-weight: 650; }
    `,
  ];

  private rows: Record<string, CallbackRow> = {};
  private readonly fit = new RowFit(this);
  private stopTick: (() => void) | null = null;

  protected topics(): string[] {
    const scope = this.config.scope;
    return [scope.startsWith("queue:") ? `callbacks:${scope}` : "callbacks:tenant"];
  }

  protected onTopic(copy: TopicCopy): void {
    this.rows = copy.data as Record<string, CallbackRow>;
    this.requestUpdate();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.stopTick = onTick(() => this.open().length && this.requestUpdate());
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.stopTick?.();
  }

  private all(): CallbackRow[] {
    return Object.values(this.rows).filter((r) => r && typeof r === "object");
  }

  private open(): CallbackRow[] {
    return this.all()
      .filter((r) => r.status === "open")
      .sort((a, b) => a.first_missed - b.first_missed || a.id - b.id);
  }

  override render() {
    const rows = this.all();
    const open = this.open();
    const shown = open.slice(0, this.fit.shown(open.length));
    const now = live.serverNow();
    const counts = new Map<string, number>(CALLBACK_STATUSES.map((s) => [s, 0]));
    for (const row of rows) counts.set(row.status, (counts.get(row.status) ?? 0) + 1);
    return html`
      <header>
        <h2>${this.config.title || t("callbacks.title")}</h2>
      </header>
      <div class="counts" data-testid="callback-counts">
        ${CALLBACK_STATUSES.map(
          (s) => html`<span class=${s} data-status=${s}>${t(`callbacks.status.${s}` as MessageKey)}<b>${counts.get(s)}</b></span>`,
        )}
      </div>
      <div class="body">
        ${open.length === 0
          ? html`<div class="clear" data-testid="callbacks-clear">✓ ${t("callbacks.none")}</div>`
          : shown.map(
              (r) => html`<div class="row ${ageClass(now - r.first_missed)}" data-callback=${r.id}>
                <span class="number">${r.number}</span>
                <span class="queue">${r.queue ?? ""}</span>
                <span class="ago">${t("callbacks.ago", { duration: formatDurationWords((now - r.last_missed) / 1000) })}</span>
                <span class="tag">${t("callbacks.misses")} <b>${r.misses}</b></span>
                <span class="tag">${t("callbacks.attempts")} <b>${r.attempts}</b></span>
              </div>`,
            )}
      </div>
      ${open.length > shown.length
        ? html`<div class="more" data-testid="more-callbacks">${t("widget.more", { count: open.length - shown.length })}</div>`
        : nothing}
    `;
  }

  protected override updated(): void {
    this.fit.check(this.renderRoot.querySelector<HTMLElement>(".body"), this.renderRoot.querySelectorAll(".row"));
  }
}

customElements.define("fw-callbacks", FwCallbacks);
