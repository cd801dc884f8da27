import { css, html, nothing } from "lit";
import { repeat } from "lit/directives/repeat.js";
import { t } from "../core/i18n";
import { clampWidget, COLUMNS, rowsOf } from "../core/layout";
import type { WidgetConfig } from "../core/types";
import { LocalizedElement } from "./localized";
import { reset } from "./theme";
import "../widgets/fw-agent-board";
import "../widgets/fw-agent-stats";
import "../widgets/fw-alerts";
import "../widgets/fw-callbacks";
import "../widgets/fw-chart";
import "../widgets/fw-funnel";
import "../widgets/fw-gauge";
import "../widgets/fw-kpi";
import "../widgets/fw-leaderboard";
import "../widgets/fw-phrases";
import "../widgets/fw-stalled-deals";
import "../widgets/fw-queue-table";

function widget(config: WidgetConfig) {
  switch (config.type) {
    case "kpi":
      return html`<fw-kpi .config=${config}></fw-kpi>`;
    case "gauge":
      return html`<fw-gauge .config=${config}></fw-gauge>`;
    case "queue_table":
      return html`<fw-queue-table .config=${config}></fw-queue-table>`;
    case "agent_board":
      return html`<fw-agent-board .config=${config}></fw-agent-board>`;
    case "chart":
      return html`<fw-chart .config=${config}></fw-chart>`;
    case "leaderboard":
      return html`<fw-leaderboard .config=${config}></fw-leaderboard>`;
    case "alerts":
      return html`<fw-alerts .config=${config}></fw-alerts>`;
    case "agent_stats":
      return html`<fw-agent-stats .config=${config}></fw-agent-stats>`;
    case "callbacks":
      return html`<fw-callbacks .config=${config}></fw-callbacks>`;
    case "phrases":
      return html`<fw-phrases .config=${config}></fw-phrases>`;
    case "stalled_deals":
      return html`<fw-stalled-deals .config=${config}></fw-stalled-deals>`;
    case "funnel":
      return html`<fw-funnel .config=${config}></fw-funnel>`;
  }
}

interface Drag {
  id: string;
  mode: "move" | "resize";
  startX: number;
  startY: number;
  origin: WidgetConfig;
  cellW: number;
  cellH: number;
}

/**
 * The dashboard grid: 12 columns and as many rows as the widgets need, filling the space it
 * is given (the wall never scrolls). With `editing`, each widget gets a frame to drag it,
 * a corner to resize it, and buttons to configure or remove it; changes are sent up as
 * `widgets-change` events with the new list.
 */
export class FwGrid extends LocalizedElement {
  static override properties = {
    widgets: { attribute: false },
    editing: { type: Boolean, reflect: true },
    selected: { attribute: false },
  };
  declare widgets: WidgetConfig[];
  declare editing: boolean;
  declare selected: string | null;

  private drag: Drag | null = null;

  constructor() {
    super();
    this.widgets = [];
    this.editing = false;
    this.selected = null;
  }

  static override styles = [reset, css`
    :host {
      display: block;
      height: 100%;
      min-height: 0;
    }
    .grid {
      display: grid;
      grid-template-columns: repeat(${COLUMNS}, minmax(0, 1fr));
      grid-template-rows: repeat(var(--rows), minmax(0, 1fr));
      gap: 0.75rem;
      height: 100%;
    }
    :host([editing]) .grid {
      grid-template-rows: repeat(var(--rows), minmax(5.5rem, 1fr));
      height: auto;
      min-height: 100%;
      background-image: linear-gradient(#1b2640 1px, transparent 1px),
        linear-gradient(90deg, #1b2640 1px, transparent 1px);
      background-size: calc((100% + 0.75rem) / ${COLUMNS}) calc((100% + 0.75rem) / var(--rows));
    }
    .cell {
      position: relative;
      min-width: 0;
      min-height: 0;
    }
    /* While editing, each widget sits below a strip with its type and its buttons, so that
       the buttons never cover the widget's title. */
    :host([editing]) .cell { padding-top: 2.2rem; }
    .frame {
      position: absolute;
      inset: 0;
      border: 2px dashed #4b6cb7;
      border-radius: var(--radius);
      background: rgba(15, 23, 42, 0.35);
      cursor: move;
      touch-action: none;
      display: flex;
      align-items: flex-start;
      justify-content: space-between;
      padding: 0.3rem 0.35rem;
      gap: 0.3rem;
    }
    .cell.selected .frame { border-color: var(--accent); border-style: solid; background: rgba(56, 189, 248, 0.08); }
    .cell.dragging { z-index: 5; opacity: 0.85; }
    .tag {
      font-size: 0.75rem;
      white-space: nowrap;
      overflow: hidden;
      text-overflow: ellipsis;
      min-width: 0;
      background: #1e293b;
      border-radius: 0.3rem;
      padding: 0.15rem 0.45rem;
      color: var(--muted);
    }
    .tools { display: flex; flex: none; gap: 0.3rem; }
    .tools button {
      font: inherit;
      font-size: 0.8rem;
      color: var(--text);
      background: #1e293b;
      border: 1px solid #334155;
      border-radius: 0.35rem;
      padding: 0.2rem 0.55rem;
      cursor: pointer;
    }
    .tools button.remove:hover { background: var(--crit); }
    .resize {
      position: absolute;
      right: 0.15rem;
      bottom: 0.15rem;
      width: 1.4rem;
      height: 1.4rem;
      cursor: nwse-resize;
      border-right: 3px solid var(--accent);
      border-bottom: 3px solid var(--accent);
      border-radius: 0 0 0.4rem 0;
    }
  `];

  /** Scroll the board so that the widget `id` is in view. */
  reveal(id: string): void {
    this.renderRoot.querySelector(`[data-widget="${CSS.escape(id)}"]`)?.scrollIntoView({ block: "nearest" });
  }

  private emit(widgets: WidgetConfig[]): void {
    this.dispatchEvent(new CustomEvent("widgets-change", { detail: widgets }));
  }

  private select(id: string | null): void {
    this.dispatchEvent(new CustomEvent("widget-select", { detail: id }));
  }

  private startDrag(event: PointerEvent, config: WidgetConfig, mode: Drag["mode"]): void {
    if ((event.target as HTMLElement).closest("button")) return;
    event.preventDefault();
    event.stopPropagation();
    const grid = this.renderRoot.querySelector<HTMLElement>(".grid")!;
    const rect = grid.getBoundingClientRect();
    const gap = parseFloat(getComputedStyle(grid).columnGap) || 0;
    const rows = this.rows();
    this.drag = {
      id: config.id,
      mode,
      startX: event.clientX,
      startY: event.clientY,
      origin: config,
      cellW: (rect.width + gap) / COLUMNS,
      cellH: (rect.height + gap) / rows,
    };
    (event.currentTarget as HTMLElement).setPointerCapture(event.pointerId);
    this.select(config.id);
  }

  private moveDrag(event: PointerEvent): void {
    const drag = this.drag;
    if (!drag) return;
    const dx = Math.round((event.clientX - drag.startX) / drag.cellW);
    const dy = Math.round((event.clientY - drag.startY) / drag.cellH);
    const o = drag.origin;
    const next =
      drag.mode === "move"
        ? clampWidget({ ...o, x: o.x + dx, y: o.y + dy })
        : clampWidget({ ...o, w: Math.min(COLUMNS - o.x, o.w + dx), h: o.h + dy });
    const current = this.widgets.find((w) => w.id === drag.id);
    if (current && (current.x !== next.x || current.y !== next.y || current.w !== next.w || current.h !== next.h)) {
      this.emit(this.widgets.map((w) => (w.id === drag.id ? next : w)));
    }
  }

  private endDrag(): void {
    this.drag = null;
    this.requestUpdate();
  }

  private rows(): number {
    const rows = rowsOf(this.widgets);
    return this.editing ? rows + 2 : rows;
  }

  override render() {
    return html`<div class="grid" style="--rows:${this.rows()}" @click=${() => this.editing && this.select(null)}>
      ${repeat(
        this.widgets,
        (w) => w.id,
        (w) => html`<div
          class="cell ${this.selected === w.id ? "selected" : ""} ${this.drag?.id === w.id ? "dragging" : ""}"
          style="grid-column:${w.x + 1} / span ${w.w};grid-row:${w.y + 1} / span ${w.h}"
          data-widget=${w.id}
          data-type=${w.type}
        >
          ${widget(w)}
          ${this.editing
            ? html`<div
                class="frame"
                title=${t("edit.move")}
                @pointerdown=${(e: PointerEvent) => this.startDrag(e, w, "move")}
                @pointermove=${(e: PointerEvent) => this.moveDrag(e)}
                @pointerup=${() => this.endDrag()}
                @pointercancel=${() => this.endDrag()}
                @click=${(e: Event) => e.stopPropagation()}
              >
                <span class="tag">${t(`widget.${w.type}`)}</span>
                <span class="tools">
                  <button data-action="configure" title=${t("edit.configure")} aria-label=${t("edit.configure")} @click=${() => this.select(w.id)}>⚙</button>
                  <button
                    class="remove"
                    data-action="remove"
                    aria-label=${t("edit.remove")}
                    title=${t("edit.remove")}
                    @click=${() => this.emit(this.widgets.filter((x) => x.id !== w.id))}
                  >✕</button>
                </span>
                <span
                  class="resize"
                  title=${t("edit.resize")}
                  @pointerdown=${(e: PointerEvent) => this.startDrag(e, w, "resize")}
                  @pointermove=${(e: PointerEvent) => this.moveDrag(e)}
                  @pointerup=${() => this.endDrag()}
                ></span>
              </div>`
            : nothing}
        </div>`,
      )}
    </div>`;
  }
}

customElements.define("fw-grid", FwGrid);
