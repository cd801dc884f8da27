import { css, html, nothing } from "lit";
import { formatInteger, formatPercent, t } from "../core/i18n";
import type { TopicCopy } from "../core/live";
import { formatMetric, metricLabel } from "../core/metrics";
import type { BoardRow, MetricValues } from "../core/types";
import { panel, wallTable } from "../ui/theme";
import { metricTopic, wallTextPx, WidgetElement } from "./base";
import { windowBadge } from "../core/labels";
import { RowFit } from "./row-fit";

/** Per-agent topics are one subscription each; beyond this many agents the board is cut. */
const MAX_AGENTS = 150;
/** What a leaderboard ranks by; all but conversion are counters a plan may set a target for. */
export const RANK_BY = ["revenue", "deals", "deals_won", "deals_created", "handled", "conversion"] as const;
type RankBy = (typeof RANK_BY)[number];
/** The columns of the table without targets; a rank-by metric outside them leads. */
const COLUMNS: readonly RankBy[] = ["deals", "revenue", "conversion"];
/** Day plans are compared with the day so far: targets show on the `today` window only. */
const TARGET_WINDOW = "today";

/** The `targets:SCOPE` topic: each agent's day plan (standard scenario) for today. */
interface Targets {
  date?: string;
  period?: string;
  agents?: Record<string, Record<string, number>>;
}

interface Ranked {
  id: string;
  figures: MetricValues;
  value: number;
  target: number | null;
  /** Of the target, or of the leader's figure when the agent has no target. */
  progress: number | null;
}

/** Sales per agent for the window (today by default): deals, revenue and conversion, ranked.
 * The agents come from the agent board topic, their figures from `metrics:agent:ID:WINDOW`.
 * With the option `targets`, each row is the agent's figure against the agent's day plan
 * (`targets:SCOPE`) with a progress bar; without a plan, against the leader's figure. */
export class FwLeaderboard extends WidgetElement {
  static override styles = [
    panel,
    wallTable,
    css`
      :host { --chars-across: 24; }
      :host([targets]) { --chars-across: 26; }
      th:nth-child(2), td:nth-child(2) { text-align: left; width: 100%; }
      td.rank { color: var(--faint); text-align: center; width: 2em; }
      tr.top td.rank { color: #facc15; font-weight: 800; }
      td.main { font-weight: 700; color: var(--text); }
      td.main .of { font-weight: 500; color: var(--muted); }
      th.progress { text-align: left; }
      td.progress { width: 34%; padding-right: 0.3em; }
      .meter { display: flex; align-items: center; gap: 0.4em; }
      .bar {
        flex: 1;
        min-width: 5em;
        height: 0.6em;
        border-radius: 99px;
        background: #1c2a47;
        overflow: hidden;
      }
      .fill { display: block; height: 100%; border-radius: inherit; background: var(--info); }
      tr.reached .fill { background: var(--good); }
      tr.relative .fill { background: #64748b; }
      table.nobar .bar { display: none; }
      table.nobar td.progress { width: auto; min-width: 0; }
      .pct { min-width: 3.6em; text-align: right; font-weight: 700; color: var(--text); }
      tr.reached .pct { color: #4ade80; }
      tr.relative .pct { font-weight: 500; color: var(--muted); }
    `,
  ];

  private agents: Record<string, BoardRow> = {};
  private figures = new Map<string, MetricValues>();
  private targets: Targets = {};
  /** Names are kept whole: first smaller type (down to the wall's least), then no bars. */
  private scale = 1;
  private bars = true;
  private readonly fit = new RowFit(this, () => {
    this.scale = 1;
    this.bars = true;
  });

  private teamScope(): string | null {
    const team = this.config.options.team;
    return typeof team === "string" && team ? `team:${team}` : null;
  }

  private boardTopic(): string {
    return `board:${this.teamScope() ?? "tenant"}`;
  }

  private showsTargets(): boolean {
    return this.config.options.targets === true;
  }

  /** The plans are day plans: only a `today` leaderboard reads them (docs/wall.md). */
  private targetsTopic(): string | null {
    if (!this.showsTargets() || this.config.window !== TARGET_WINDOW) return null;
    return `targets:${this.teamScope() ?? "tenant"}`;
  }

  protected topics(): string[] {
    const ids = Object.keys(this.agents).sort().slice(0, MAX_AGENTS);
    const targets = this.targetsTopic();
    return [
      this.boardTopic(),
      ...(targets ? [targets] : []),
      ...ids.map((id) => metricTopic(`agent:${id}`, this.config.window)),
    ];
  }

  protected override configChanged(): void {
    this.agents = {};
    this.figures = new Map();
    this.targets = {};
    this.scale = 1;
    this.bars = true;
    this.toggleAttribute("targets", this.showsTargets());
  }

  protected onTopic(copy: TopicCopy): void {
    if (copy.topic.startsWith("board:")) {
      this.agents = copy.data as Record<string, BoardRow>;
      this.syncTopics(); // subscribes the agents that came, releases those gone (a diff)
    } else if (copy.topic.startsWith("targets:")) {
      this.targets = copy.data as Targets;
    } else {
      const id = copy.topic.slice("metrics:agent:".length, copy.topic.lastIndexOf(":"));
      this.figures.set(id, copy.data as MetricValues);
    }
    this.requestUpdate();
  }

  private rankBy(): RankBy {
    const by = this.config.options.by;
    return RANK_BY.includes(by as RankBy) ? (by as RankBy) : "revenue";
  }

  private targetOf(id: string, by: RankBy): number | null {
    if (!this.targetsTopic()) return null;
    const target = this.targets.agents?.[id]?.[by];
    return typeof target === "number" && target > 0 ? target : null;
  }

  /** The agents with a figure (a sale, or the ranked metric above 0) or a target, best first;
   * progress against the target, else against the leader's figure. */
  private ranked(by: RankBy, limit: number): Ranked[] {
    const targets = this.showsTargets();
    const rows = [...this.figures.entries()]
      .map(([id, figures]) => {
        const value = figures[by] ?? 0;
        return { id, figures, value, target: targets ? this.targetOf(id, by) : null, progress: null };
      })
      .filter((r) => (r.figures.deals ?? 0) > 0 || r.value > 0 || r.target !== null)
      .sort((a, b) => b.value - a.value || a.id.localeCompare(b.id))
      .slice(0, limit);
    const leader = rows[0]?.value ?? 0;
    return rows.map((r) => ({
      ...r,
      progress: r.target !== null ? r.value / r.target : leader > 0 ? r.value / leader : null,
    }));
  }

  private figureCell(row: Ranked, by: RankBy, currency: string | undefined) {
    return html`<td class="main">${formatMetric(by, row.value, currency)}${row.target !== null
      ? html`<span class="of"> / ${formatMetric(by, row.target, currency)}</span>`
      : nothing}</td>`;
  }

  private progressCell(row: Ranked) {
    const share = row.progress === null ? 0 : Math.min(1, Math.max(0, row.progress));
    return html`<td class="progress"><div class="meter">
      <span class="bar"><span class="fill" style="width:${(share * 100).toFixed(1)}%"></span></span>
      <span class="pct">${row.progress === null ? "—" : formatPercent(row.progress, 0)}</span>
    </div></td>`;
  }

  private rowClass(row: Ranked, i: number, targets: boolean): string {
    const classes = i === 0 ? ["top"] : [];
    if (targets && row.target === null) classes.push("relative");
    if (targets && row.target !== null && (row.progress ?? 0) >= 1) classes.push("reached");
    return classes.join(" ");
  }

  override render() {
    const by = this.rankBy();
    const targets = this.showsTargets();
    const limit = Math.max(1, Math.min(50, Number(this.config.options.limit) || 5));
    const currency = typeof this.config.options.currency === "string" ? this.config.options.currency : undefined;
    const ranked = this.ranked(by, limit);
    const shown = ranked.slice(0, this.fit.shown(ranked.length));
    const columns = COLUMNS.includes(by) ? COLUMNS : [by, ...COLUMNS];
    const head = (key: RankBy) => (COLUMNS.includes(key) ? t(`leaderboard.${key as "deals" | "revenue" | "conversion"}`) : metricLabel(key));
    return html`
      <header>
        <h2>${this.config.title || t(targets ? "leaderboard.targetsTitle" : "leaderboard.title")}</h2>
        <span class="badge">${windowBadge(this.config.window)}</span>
      </header>
      <div class="body">
        ${ranked.length === 0
          ? html`<div class="empty">${t("leaderboard.empty")}</div>`
          : html`<div class="rows"><table class=${this.bars ? "" : "nobar"}
              style="--rows:${Math.max(ranked.length, Math.min(limit, 5))};--scale:${this.scale}">
              <thead>
                <tr>
                  <th></th>
                  <th>${t("leaderboard.agent")}</th>
                  ${targets
                    ? html`<th>${head(by)}</th><th class="progress">${t("leaderboard.progress")}</th>`
                    : columns.map((key) => html`<th>${head(key)}</th>`)}
                </tr>
              </thead>
              <tbody>
                ${shown.map(
                  (row, i) => html`<tr class=${this.rowClass(row, i, targets)} data-agent=${row.id}>
                    <td class="rank">${i === 0 ? "★" : formatInteger(i + 1)}</td>
                    <td class="name">${this.agents[row.id]?.name ?? row.id}</td>
                    ${targets
                      ? html`${this.figureCell(row, by, currency)}${this.progressCell(row)}`
                      : columns.map(
                          (key) => html`<td class=${key === by ? "main" : ""}>${formatMetric(key, key === "conversion" || key === "revenue" ? row.figures[key] : (row.figures[key] ?? 0), currency)}</td>`,
                        )}
                  </tr>`,
                )}
              </tbody>
            </table></div>
            ${shown.length < ranked.length
              ? html`<div class="more" data-testid="more">${t("widget.more", { count: ranked.length - shown.length })}</div>`
              : nothing}`}
      </div>
    `;
  }

  protected override updated(): void {
    const box = this.renderRoot.querySelector<HTMLElement>(".rows");
    const rows = this.renderRoot.querySelectorAll("tbody tr");
    const namesCut = [...this.renderRoot.querySelectorAll<HTMLElement>("td.name")].some(
      (cell) => cell.scrollWidth > cell.clientWidth + 1,
    );
    if (box && (box.scrollWidth > box.clientWidth + 1 || namesCut)) {
      const table = box.querySelector("table");
      const font = table ? parseFloat(getComputedStyle(table).fontSize) : 0;
      if (font > wallTextPx(this) + 1 && this.scale > 0.6) this.scale *= 0.9;
      else if (this.bars && this.showsTargets()) this.bars = false;
      else return this.fit.check(box, rows);
      this.requestUpdate();
      return;
    }
    this.fit.check(box, rows);
  }
}

customElements.define("fw-leaderboard", FwLeaderboard);
