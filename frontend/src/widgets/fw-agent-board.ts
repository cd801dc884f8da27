import { css, html, nothing } from "lit";
import { repeat } from "lit/directives/repeat.js";
import { wall } from "../core/context";
import { formatDuration, formatInteger, t } from "../core/i18n";
import { live, type TopicCopy } from "../core/live";
import type { BoardRow } from "../core/types";
import { panel } from "../ui/theme";
import { wallTextPx, WidgetElement } from "./base";
import { stateLabel } from "../core/labels";
import { onTick } from "./ticker";

/** Display order of the states, and the minutes in state after which a card's colour
 * deepens (levels 1, 2, 3): a break over 10 minutes is level 2, over 20 level 3. */
const STATE_ORDER = ["on_call", "ringing", "wrapup", "available", "break", "logged_out"];
const DEEPEN_MINUTES: Record<string, [number, number, number]> = {
  available: [5, 15, 30],
  ringing: [0.25, 0.5, 1],
  on_call: [5, 10, 20],
  wrapup: [1, 2, 5],
  break: [5, 10, 20],
};
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });
const DEFAULT_STATES = ["on_call", "ringing", "wrapup", "available", "break"];
/** Below this type size (px) a board outside wall mode scrolls instead of shrinking further. */
const MIN_FONT_PX = 9;
/** Card geometry in em of the card's type: the gap between cards, the horizontal padding and
 * border around a name, the height of a card (two lines with their spacing), and the largest
 * type in rem of the page. */
const GAP_EM = 0.3;
const PAD_EM = 1.5;
const CARD_EM = 2.5;
const MAX_FONT_REM = 1.6;
const DETAIL_EM = 0.88;

export function deepening(state: string, seconds: number): number {
  const limits = DEEPEN_MINUTES[state];
  if (!limits) return 0;
  const minutes = seconds / 60;
  return limits.filter((m) => minutes >= m).length;
}

export interface BoardFit {
  cols: number;
  /** the cards' type size, px */
  font: number;
}

/** The number of columns that gives `n` cards in `width` × `height` px the largest type with
 * every name whole: a name `nameEm` wide (in em, the longest on the board) must fit its card,
 * and two lines must fit its height. */
export function fit(n: number, width: number, height: number, nameEm: number, maxFont: number): BoardFit {
  let best: BoardFit = { cols: 1, font: 0 };
  for (let cols = 1; cols <= Math.max(1, n); cols++) {
    const rows = Math.ceil(n / cols);
    // gaps are GAP_EM of the font: solve for the font directly
    const byWidth = width / (cols * (nameEm + PAD_EM) + GAP_EM * (cols - 1));
    const byHeight = height / (rows * CARD_EM + GAP_EM * (rows - 1));
    const font = Math.min(byWidth, byHeight, maxFont);
    if (font > best.font) best = { cols, font };
  }
  return best;
}

let measureContext: CanvasRenderingContext2D | null = null;

/** The width of `text` in em of a `weight` font of `family` (canvas text metrics). */
function widthEm(texts: string[], weight: number, family: string): number {
  measureContext ??= document.createElement("canvas").getContext("2d");
  if (!measureContext) return 8;
  measureContext.font = `${weight} 100px ${family}`;
  let widest = 0;
  for (const text of texts) widest = Math.max(widest, measureContext.measureText(text).width);
  return widest / 100;
}

/** The second line of a card: the queue of the call (the colour already says "on call"),
 * else the state with its reason or queue. */
function detail(a: BoardRow): string {
  if (a.state === "on_call" && a.call_queue) return a.call_queue;
  const reason = a.reason && a.reason.toLowerCase() !== a.state ? a.reason : null;
  const extra = a.state === "break" ? reason : a.call_queue;
  return extra ? `${stateLabel(a.state)} · ${extra}` : stateLabel(a.state);
}

/** One card per agent: name, state and reason, time in state ticking live, the queue of the
 * current call; coloured by state, deeper the longer the state lasts. Filter by team and
 * state (header chips, or `options.team` / `options.states`). */
export class FwAgentBoard extends WidgetElement {
  static override styles = [
    panel,
    css`
      header { align-items: center; }
      header h2 { flex: none; }
      .filters {
        flex: 1;
        min-width: 0;
        display: flex;
        gap: 0.35rem;
        flex-wrap: wrap;
        justify-content: flex-end;
        align-items: center;
      }
      .chip {
        --c: var(--muted);
        display: inline-flex;
        align-items: center;
        gap: 0.35em;
        font-size: max(var(--wall-text), 0.78rem);
        font-weight: 600;
        padding: 0.15em 0.6em;
        border-radius: 99px;
        border: 1px solid color-mix(in srgb, var(--c) 45%, transparent);
        background: color-mix(in srgb, var(--c) 12%, transparent);
        color: var(--text);
        cursor: pointer;
        white-space: nowrap;
      }
      /* the count in a light tint of the state's colour: 4.5:1 or more on the chip (WCAG AA) */
      .chip b { color: color-mix(in srgb, var(--c) 45%, #fff); font-size: 1.1em; }
      .chip[aria-pressed="true"] { background: color-mix(in srgb, var(--c) 40%, transparent); }
      .chip.off { background: transparent; border-style: dashed; }
      select {
        background: var(--bg-2);
        border: 1px solid var(--line);
        border-radius: 0.4rem;
        padding: 0.1rem 0.4rem;
        font-size: max(var(--wall-text), 0.8rem);
      }
      .body { margin-top: 0.55rem; overflow: hidden; }
      .body.scroll { overflow-y: auto; }
      .grid {
        /* Its own layer: ticking times repaint the board, not the page around it. */
        will-change: transform;
        display: grid;
        grid-template-columns: repeat(var(--cols), minmax(0, 1fr));
        grid-auto-rows: var(--card-h);
        gap: ${GAP_EM}em;
        font-size: var(--fs);
      }
      .card {
        --c: #64748b;
        --a: 0.16;
        contain: strict;
        display: grid;
        grid-template-columns: minmax(0, 1fr) auto;
        grid-template-rows: 1fr 1fr;
        grid-template-areas: "name name" "detail time";
        align-items: center;
        column-gap: 0.45em;
        padding: 0.1em 0.5em 0.1em 0.68em;
        border-radius: 0.45em;
        border-left: 0.32em solid var(--c);
        background: color-mix(in srgb, var(--c) calc(var(--a) * 100%), #0e1628);
        overflow: hidden;
        line-height: 1.1;
      }
      .card.l1 { --a: 0.3; }
      .card.l2 { --a: 0.5; }
      .card.l3 { --a: 0.78; }
      .available { --c: #22c55e; }
      .ringing { --c: #38bdf8; }
      .on_call { --c: #6d7cff; }
      .wrapup { --c: #b46cf0; }
      .break { --c: #f5a524; }
      .break.l3 { --c: #f43f5e; }
      .logged_out { --c: #64748b; }
      .name {
        grid-area: name;
        font-weight: 650;
        white-space: nowrap;
        overflow: hidden;
        text-overflow: ellipsis;
        align-self: end;
      }
      .time {
        grid-area: time;
        font-weight: 750;
        font-variant-numeric: tabular-nums;
        align-self: start;
      }
      .detail {
        grid-area: detail;
        /* on a wall never under the least size: it may then end in "…", the name never does */
        font-size: max(var(--wall-text), ${DETAIL_EM}em);
        color: color-mix(in srgb, var(--text) 75%, transparent);
        white-space: nowrap;
        overflow: hidden;
        text-overflow: ellipsis;
        align-self: start;
        padding-top: 0.08em;
      }
      .l2 .detail, .l3 .detail { color: var(--text); }
    `,
  ];

  private agents: Record<string, BoardRow> = {};
  private teamFilter = "";
  private stateFilter: string | null = null;
  private size = { width: 0, height: 0 };
  private observer: ResizeObserver | null = null;
  private stopTick: (() => void) | null = null;
  private sortedCache: BoardRow[] | null = null;
  private nameEmCache: { key: string; em: number } | null = null;
  /** The page's rem, the wall's least text size and the font, px: read when the board's size
   * changes (a new screen size, wall mode on or off), never while rendering, where reading
   * computed styles would force the browser to restyle 500 cards on every tick. */
  private type = { rem: 16, wallText: 0, family: "sans-serif" };

  private readType(): void {
    const style = getComputedStyle(this);
    this.type = {
      rem: parseFloat(getComputedStyle(document.documentElement).fontSize) || 16,
      wallText: wallTextPx(this, style),
      family: style.fontFamily,
    };
    this.nameEmCache = null;
  }

  protected topics(): string[] {
    const team = this.config.options.team;
    return [typeof team === "string" && team ? `board:team:${team}` : "board:tenant"];
  }

  protected override configChanged(): void {
    this.agents = {};
    this.sortedCache = null;
    const team = this.config.options.team;
    this.teamFilter = typeof team === "string" ? team : "";
  }

  protected onTopic(copy: TopicCopy): void {
    this.agents = copy.data as Record<string, BoardRow>;
    this.sortedCache = null;
    this.requestUpdate();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.stopTick = onTick(() => this.requestUpdate());
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.stopTick?.();
    this.observer?.disconnect();
    this.observer = null;
  }

  protected override firstUpdated(): void {
    const body = this.renderRoot.querySelector(".body")!;
    this.observer = new ResizeObserver(([entry]) => {
      const { width, height } = entry.contentRect;
      if (width !== this.size.width || height !== this.size.height) {
        this.size = { width, height };
        this.readType();
        this.requestUpdate();
      }
    });
    this.observer.observe(body);
  }

  private allowedStates(): string[] {
    const states = this.config.options.states;
    return Array.isArray(states) && states.length ? states : DEFAULT_STATES;
  }

  /** Cards keep their place (by name) so that people find themselves at a glance and a state
   * change repaints one card instead of moving many; `options.sort = "state"` groups them by
   * state instead. */
  private sorted(): BoardRow[] {
    if (this.sortedCache) return this.sortedCache;
    const allowed = new Set(this.allowedStates());
    const rank = (s: string) => {
      const i = STATE_ORDER.indexOf(s);
      return i < 0 ? STATE_ORDER.length : i;
    };
    const byState = this.config.options.sort === "state";
    const name = (a: BoardRow) => a.name ?? a.agent;
    this.sortedCache = Object.values(this.agents)
      .filter((a) => allowed.has(a.state) && (!this.teamFilter || a.team === this.teamFilter))
      .sort(
        (a, b) =>
          (byState ? rank(a.state) - rank(b.state) : 0) || collator.compare(name(a), name(b)),
      );
    return this.sortedCache;
  }

  /** The widest name shown, in em of the cards' bold type (measured once per set of names). */
  private nameEm(shown: BoardRow[]): number {
    const names = shown.map((a) => a.name ?? a.agent);
    const key = names.join("\n");
    if (this.nameEmCache?.key !== key) {
      this.nameEmCache = { key, em: widthEm(names, 650, this.type.family) };
    }
    return this.nameEmCache.em;
  }

  /** On a wall nobody picks a team: the filter is left off (the chips still count). */
  private onWall(): boolean {
    return this.type.wallText > 0;
  }

  private setTeam(team: string): void {
    this.teamFilter = team;
    this.sortedCache = null;
    this.requestUpdate();
  }

  private toggleState(state: string): void {
    this.stateFilter = this.stateFilter === state ? null : state;
    this.requestUpdate();
  }

  private header(all: BoardRow[]) {
    const counts = new Map<string, number>();
    for (const a of all) counts.set(a.state, (counts.get(a.state) ?? 0) + 1);
    const teams = wall.options.teams;
    const configuredTeam = typeof this.config.options.team === "string" && this.config.options.team;
    return html`<header>
      <h2>${this.config.title || t("board.title")}</h2>
      <div class="filters">
        ${this.allowedStates().map(
          (s) => html`<button
            class="chip ${s} ${this.stateFilter && this.stateFilter !== s ? "off" : ""}"
            aria-pressed=${this.stateFilter === s ? "true" : "false"}
            data-state=${s}
            @click=${() => this.toggleState(s)}
          >
            ${stateLabel(s)} <b>${formatInteger(counts.get(s) ?? 0)}</b>
          </button>`,
        )}
        ${teams.length > 1 && !configuredTeam && !this.onWall()
          ? html`<select
              aria-label=${t("edit.teamFilter")}
              data-testid="team-filter"
              @change=${(e: Event) => this.setTeam((e.target as HTMLSelectElement).value)}
            >
              <option value="" ?selected=${!this.teamFilter}>${t("board.allTeams")}</option>
              ${teams.map((team) => html`<option value=${team} ?selected=${team === this.teamFilter}>${team}</option>`)}
            </select>`
          : nothing}
      </div>
    </header>`;
  }

  override render() {
    const all = this.sorted();
    const shown = this.stateFilter ? all.filter((a) => a.state === this.stateFilter) : all;
    const { width, height } = this.size;
    const { rem, wallText } = this.type;
    const nameEm = this.nameEm(shown);
    const best = fit(shown.length, width, height, nameEm, MAX_FONT_REM * rem);
    // A wall never scrolls; elsewhere a board too large for its panel scrolls at a legible size.
    const scroll = best.font < MIN_FONT_PX && wallText === 0;
    const font = scroll ? MIN_FONT_PX : best.font;
    const columns = scroll
      ? Math.max(1, Math.floor(width / (font * (nameEm + PAD_EM + GAP_EM))))
      : best.cols;
    const now = live.serverNow();
    return html`
      ${this.header(all)}
      <div class="body ${scroll ? "scroll" : ""}">
        ${shown.length === 0
          ? html`<div class="empty">${t("board.empty")}</div>`
          : html`<div
              class="grid"
              style="--cols:${columns};--card-h:${font * CARD_EM}px;--fs:${font}px"
            >
              ${repeat(
                shown,
                (a) => a.agent,
                (a) => {
                  const seconds = Math.max(0, (now - a.since_ms) / 1000);
                  const level = deepening(a.state, seconds);
                  const text = detail(a);
                  return html`<div
                    class="card ${a.state} l${level}"
                    data-agent=${a.agent}
                    data-state=${a.state}
                    title="${a.name ?? a.agent} · ${text}"
                  >
                    <span class="name">${a.name ?? a.agent}</span>
                    <span class="detail">${text}</span>
                    <span class="time" data-testid="time-in-state">${formatDuration(seconds)}</span>
                  </div>`;
                },
              )}
            </div>`}
      </div>
    `;
  }
}

customElements.define("fw-agent-board", FwAgentBoard);
