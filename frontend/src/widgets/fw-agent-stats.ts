import { css, html, nothing } from "lit";
import { formatDuration, t } from "../core/i18n";
import { live, type TopicCopy } from "../core/live";
import type { MessageKey } from "../core/messages";
import { formatMetric, levelOf, metricInfo } from "../core/metrics";
import type { BoardRow, MetricValues } from "../core/types";
import { panel, wallTable } from "../ui/theme";
import { metricTopic, wallTextPx, WidgetElement } from "./base";
import { stateLabel, windowBadge } from "../core/labels";
import { RowFit } from "./row-fit";
import { onTick } from "./ticker";

/** Per-agent topics are one subscription each; beyond this many agents the table is cut. */
const MAX_AGENTS = 150;
/** What a table can be sorted by (`options.sort`; a leading `+` sorts ascending). */
export const AGENT_STATS_SORTS = ["name", "state", "in_state", "handled", "aht", "occupancy"] as const;
type SortKey = (typeof AGENT_STATS_SORTS)[number];
/** Columns a narrow table leaves out, first to last (name, time in state and calls handled
 * stay): first the type gets smaller, down to the least size of a wall, then these go. */
const DROP_ORDER: SortKey[] = ["state", "occupancy", "aht"];
const COLUMNS: { key: Exclude<SortKey, "name">; label: MessageKey }[] = [
  { key: "state", label: "agentStats.state" },
  { key: "in_state", label: "agentStats.inState" },
  { key: "handled", label: "agentStats.handled" },
  { key: "aht", label: "agentStats.aht" },
  { key: "occupancy", label: "agentStats.occupancy" },
];
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

/**
 * One row per agent signed in: name (from the roster), state and how long in it (ticking),
 * calls handled, AHT and occupancy for the window (today by default). Sortable by any
 * column (default: longest in state first). The agents come from the board topic (a team's
 * with `options.team`), their figures from `metrics:agent:ID:WINDOW`; on a wall only whole
 * rows show, the rest as "+N more".
 */
export class FwAgentStats extends WidgetElement {
  static override styles = [
    panel,
    wallTable,
    css`
      :host { --chars-across: 30; --max-text: 1.6rem; }
      th { letter-spacing: 0.04em; padding: 0.25em 0.45em; cursor: pointer; user-select: none; }
      th:focus-visible { outline: 2px solid var(--accent); outline-offset: -2px; }
      th[aria-sort="ascending"], th[aria-sort="descending"] { color: var(--text); }
      th[aria-sort="ascending"]::after { content: " ▲"; }
      th[aria-sort="descending"]::after { content: " ▼"; }
      td { padding: 0.2em 0.45em; }
      th:first-child, td:first-child { text-align: left; width: 100%; }
      td.state { text-align: left; color: var(--muted); }
      td.state::before {
        content: "";
        display: inline-block;
        width: 0.55em;
        height: 0.55em;
        border-radius: 50%;
        margin-right: 0.4em;
        background: var(--dot, var(--faint));
      }
      tr[data-state="on_call"] { --dot: #818cf8; }
      tr[data-state="ringing"] { --dot: #38bdf8; }
      tr[data-state="wrapup"] { --dot: #a78bfa; }
      tr[data-state="available"] { --dot: #4ade80; }
      tr[data-state="break"] { --dot: #fbbf24; }
      td.warn { color: var(--warn); font-weight: 700; }
      td.crit { color: #fff; background: color-mix(in srgb, var(--crit) 55%, transparent); font-weight: 700; }
    `,
  ];

  private agents: Record<string, BoardRow> = {};
  private figures = new Map<string, MetricValues>();
  private readonly fit = new RowFit(this, () => {
    this.dropped = 0;
    this.scale = 1;
  });
  private dropped = 0;
  private scale = 1;
  private sortKey: SortKey = "in_state";
  private sortDesc = true;
  private stopTick: (() => void) | null = null;

  private boardTopic(): string {
    const team = this.config.options.team;
    return typeof team === "string" && team ? `board:team:${team}` : "board:tenant";
  }

  private signedIn(): BoardRow[] {
    return Object.values(this.agents).filter((a) => a.state !== "logged_out");
  }

  protected topics(): string[] {
    const ids = this.signedIn().map((a) => a.agent).sort().slice(0, MAX_AGENTS);
    return [this.boardTopic(), ...ids.map((id) => metricTopic(`agent:${id}`, this.config.window))];
  }

  protected override configChanged(): void {
    this.agents = {};
    this.figures = new Map();
    const sort = this.config.options.sort;
    if (typeof sort === "string" && AGENT_STATS_SORTS.includes(sort.replace(/^\+/, "") as SortKey)) {
      this.sortDesc = !sort.startsWith("+");
      this.sortKey = sort.replace(/^\+/, "") as SortKey;
    }
  }

  protected onTopic(copy: TopicCopy): void {
    if (copy.topic.startsWith("board:")) {
      this.agents = copy.data as Record<string, BoardRow>;
      this.syncTopics(); // subscribes the agents that came, releases those gone (a diff)
    } else {
      const id = copy.topic.slice("metrics:agent:".length, copy.topic.lastIndexOf(":"));
      this.figures.set(id, copy.data as MetricValues);
    }
    this.requestUpdate();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.stopTick = onTick(() => this.requestUpdate());
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.stopTick?.();
    this.stopTick = null;
  }

  private sortBy(key: SortKey): void {
    if (this.sortKey === key) this.sortDesc = !this.sortDesc;
    else {
      this.sortKey = key;
      this.sortDesc = key !== "name" && key !== "state";
    }
    this.requestUpdate();
  }

  private sortKeys(event: KeyboardEvent, key: SortKey): void {
    if (event.key !== "Enter" && event.key !== " ") return;
    event.preventDefault();
    this.sortBy(key);
  }

  private header(key: SortKey, label: string) {
    const sort = this.sortKey === key ? (this.sortDesc ? "descending" : "ascending") : "none";
    return html`<th
      tabindex="0"
      aria-sort=${sort}
      data-key=${key}
      @click=${() => this.sortBy(key)}
      @keydown=${(e: KeyboardEvent) => this.sortKeys(e, key)}
    >${label}</th>`;
  }

  private value(agent: BoardRow, key: SortKey, now: number): number | string | null {
    switch (key) {
      case "name":
        return agent.name ?? agent.agent;
      case "state":
        return stateLabel(agent.state);
      case "in_state":
        return Math.max(0, now - agent.since_ms);
      default:
        return this.figures.get(agent.agent)?.[key] ?? null;
    }
  }

  private sorted(now: number): BoardRow[] {
    const key = this.sortKey;
    const sign = this.sortDesc ? -1 : 1;
    const byName = (a: BoardRow, b: BoardRow) => collator.compare(a.name ?? a.agent, b.name ?? b.agent);
    return this.signedIn().sort((a, b) => {
      const va = this.value(a, key, now);
      const vb = this.value(b, key, now);
      if (va === vb) return byName(a, b);
      // Missing figures (no call yet) go last whichever way the column sorts.
      if (va === null) return 1;
      if (vb === null) return -1;
      if (typeof va === "string" || typeof vb === "string") return sign * collator.compare(String(va), String(vb));
      return sign * (va < vb ? -1 : 1);
    });
  }

  private cell(agent: BoardRow, key: Exclude<SortKey, "name">, now: number) {
    if (key === "state") return html`<td class="state" data-key="state">${stateLabel(agent.state)}</td>`;
    if (key === "in_state") {
      return html`<td data-key="in_state">${formatDuration((now - agent.since_ms) / 1000)}</td>`;
    }
    const value = this.figures.get(agent.agent)?.[key];
    const thresholds = key === "handled" ? null : metricInfo(key).thresholds;
    const level = levelOf(value, thresholds ?? null);
    return html`<td data-key=${key} class=${level === "warn" || level === "crit" ? level : ""}>${formatMetric(key, value)}</td>`;
  }

  override render() {
    const now = live.serverNow();
    const rows = this.sorted(now);
    const shown = rows.slice(0, this.fit.shown(rows.length));
    const left = new Set(DROP_ORDER.slice(0, this.dropped));
    const columns = COLUMNS.filter((c) => !left.has(c.key));
    return html`
      <header>
        <h2>${this.config.title || t("agentStats.title")}</h2>
        <span class="badge">${windowBadge(this.config.window)}</span>
      </header>
      <div class="body">
        ${rows.length === 0
          ? html`<div class="empty">${t("agentStats.empty")}</div>`
          : html`<div class="rows"><table style="--rows:${Math.max(rows.length, 5)};--scale:${this.scale}">
              <thead>
                <tr>
                  ${this.header("name", t("agentStats.agent"))}
                  ${columns.map((c) => this.header(c.key, t(c.label)))}
                </tr>
              </thead>
              <tbody>
                ${shown.map(
                  (a) => html`<tr data-agent=${a.agent} data-state=${a.state}>
                    <td class="name">${a.name ?? a.agent}</td>
                    ${columns.map((c) => this.cell(a, c.key, now))}
                  </tr>`,
                )}
              </tbody>
            </table></div>
            ${shown.length < rows.length
              ? html`<div class="more" data-testid="more">${t("widget.more", { count: rows.length - shown.length })}</div>`
              : nothing}`}
      </div>
    `;
  }

  protected override updated(): void {
    const box = this.renderRoot.querySelector<HTMLElement>(".rows");
    const namesCut = [...this.renderRoot.querySelectorAll<HTMLElement>("td.name")].some(
      (cell) => cell.scrollWidth > cell.clientWidth + 1,
    );
    if (box && (box.scrollWidth > box.clientWidth + 1 || namesCut)) {
      const table = box.querySelector("table");
      const font = table ? parseFloat(getComputedStyle(table).fontSize) : 0;
      if (font > wallTextPx(this) + 1 && this.scale > 0.6) this.scale *= 0.9;
      else if (this.dropped < DROP_ORDER.length) this.dropped++;
      else return this.fit.check(box, this.renderRoot.querySelectorAll("tbody tr"));
      this.requestUpdate();
      return;
    }
    this.fit.check(box, this.renderRoot.querySelectorAll("tbody tr"));
  }
}

customElements.define("fw-agent-stats", FwAgentStats);
