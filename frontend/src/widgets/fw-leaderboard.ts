import { css, html, nothing } from "lit";
import { formatInteger, t } from "../core/i18n";
import type { TopicCopy } from "../core/live";
import { formatMetric } from "../core/metrics";
import type { BoardRow, MetricValues } from "../core/types";
import { panel, wallTable } from "../ui/theme";
import { metricTopic, WidgetElement } from "./base";
import { windowBadge } from "../core/labels";
import { RowFit } from "./row-fit";

/** Per-agent topics are one subscription each; beyond this many agents the board is cut. */
const MAX_AGENTS = 150;
const RANK_BY = ["revenue", "deals", "conversion"] as const;
type RankBy = (typeof RANK_BY)[number];

/** Sales per agent for the window (today by default): deals, revenue and conversion, ranked.
 * The agents come from the agent board topic, their figures from `metrics:agent:ID:WINDOW`. */
export class FwLeaderboard extends WidgetElement {
  static override styles = [
    panel,
    wallTable,
    css`
      :host { --chars-across: 24; }
      th:nth-child(2), td:nth-child(2) { text-align: left; width: 100%; }
      td.rank { color: var(--faint); text-align: center; width: 2em; }
      tr.top td.rank { color: #facc15; font-weight: 800; }
      td.main { font-weight: 700; color: var(--text); }
    `,
  ];

  private agents: Record<string, BoardRow> = {};
  private figures = new Map<string, MetricValues>();
  private readonly fit = new RowFit(this);

  private boardTopic(): string {
    const team = this.config.options.team;
    return typeof team === "string" && team ? `board:team:${team}` : "board:tenant";
  }

  protected topics(): string[] {
    const ids = Object.keys(this.agents).sort().slice(0, MAX_AGENTS);
    return [this.boardTopic(), ...ids.map((id) => metricTopic(`agent:${id}`, this.config.window))];
  }

  protected override configChanged(): void {
    this.agents = {};
    this.figures = new Map();
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

  private rankBy(): RankBy {
    const by = this.config.options.by;
    return RANK_BY.includes(by as RankBy) ? (by as RankBy) : "revenue";
  }

  override render() {
    const by = this.rankBy();
    const limit = Math.max(1, Math.min(50, Number(this.config.options.limit) || 5));
    const currency = typeof this.config.options.currency === "string" ? this.config.options.currency : undefined;
    const ranked = [...this.figures.entries()]
      .filter(([, f]) => (f.deals ?? 0) > 0)
      .sort(([ia, a], [ib, b]) => (b[by] ?? -1) - (a[by] ?? -1) || ia.localeCompare(ib))
      .slice(0, limit);
    const shown = ranked.slice(0, this.fit.shown(ranked.length));
    return html`
      <header>
        <h2>${this.config.title || t("leaderboard.title")}</h2>
        <span class="badge">${windowBadge(this.config.window)}</span>
      </header>
      <div class="body">
        ${ranked.length === 0
          ? html`<div class="empty">${t("leaderboard.empty")}</div>`
          : html`<div class="rows"><table style="--rows:${Math.max(ranked.length, Math.min(limit, 5))}">
              <thead>
                <tr>
                  <th></th>
                  <th>${t("leaderboard.agent")}</th>
                  <th>${t("leaderboard.deals")}</th>
                  <th>${t("leaderboard.revenue")}</th>
                  <th>${t("leaderboard.conversion")}</th>
                </tr>
              </thead>
              <tbody>
                ${shown.map(
                  ([id, f], i) => html`<tr class=${i === 0 ? "top" : ""} data-agent=${id}>
                    <td class="rank">${i === 0 ? "★" : formatInteger(i + 1)}</td>
                    <td class="name">${this.agents[id]?.name ?? id}</td>
                    <td class=${by === "deals" ? "main" : ""}>${formatInteger(f.deals ?? 0)}</td>
                    <td class=${by === "revenue" ? "main" : ""}>${formatMetric("revenue", f.revenue, currency)}</td>
                    <td class=${by === "conversion" ? "main" : ""}>${formatMetric("conversion", f.conversion)}</td>
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
    const rows = this.renderRoot.querySelectorAll("tbody tr");
    this.fit.check(this.renderRoot.querySelector<HTMLElement>(".rows"), rows);
  }
}

customElements.define("fw-leaderboard", FwLeaderboard);
