import { css, html, nothing } from "lit";
import { formatInteger, t } from "../core/i18n";
import type { TopicCopy } from "../core/live";
import { formatMetric } from "../core/metrics";
import type { BoardRow, MetricValues } from "../core/types";
import { panel } from "../ui/theme";
import { metricTopic, WidgetElement } from "./base";
import { windowBadge } from "../core/labels";
import { RowFit } from "./row-fit";

/** Per-agent topics are one subscription each; beyond this many agents the list is cut. */
const MAX_AGENTS = 150;
const ADHERENCE = "script_adherence:";

/** Script adherence per agent (phrase spotting, docs/phrases.md): for one `required` phrase
 * list (option `list`, else the first one the figures carry), the agents with transcribed
 * calls, lowest adherence first, with their calls with banned phrases. Agents from the board
 * topic, figures from `metrics:agent:ID:WINDOW`. What was said is not shown on a wall. */
export class FwPhrases extends WidgetElement {
  static override styles = [
    panel,
    css`
      .body { margin-top: 0.4rem; display: flex; flex-direction: column; container-type: size; }
      .rows { flex: 1; min-height: 0; overflow: hidden; }
      table {
        width: 100%;
        border-collapse: collapse;
        font-size: max(
          var(--wall-text),
          clamp(0.7rem, min(100cqh / (var(--rows) + 0.8) / 1.6, 100cqw / 22), 1.7rem)
        );
        font-variant-numeric: tabular-nums;
      }
      th {
        font-size: max(var(--wall-text), 0.72em);
        white-space: nowrap;
        font-weight: 600;
        letter-spacing: 0.05em;
        text-transform: uppercase;
        color: var(--muted);
        text-align: right;
        padding: 0.25em 0.5em;
        border-bottom: 1px solid var(--line);
      }
      td { text-align: right; padding: 0.2em 0.5em; border-bottom: 1px solid #1a2540; white-space: nowrap; }
      th:first-child, td:first-child { text-align: left; width: 100%; }
      td.name { font-weight: 600; overflow: hidden; text-overflow: ellipsis; max-width: 0; }
      td.low { color: #f87171; font-weight: 700; }
      td.banned { color: #fb923c; font-weight: 700; }
      tr:last-child td { border-bottom: none; }
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
      const before = Object.keys(this.agents).length;
      this.agents = copy.data as Record<string, BoardRow>;
      if (copy.changed === null || Object.keys(this.agents).length !== before) this.syncTopics();
    } else {
      const id = copy.topic.slice("metrics:agent:".length, copy.topic.lastIndexOf(":"));
      this.figures.set(id, copy.data as MetricValues);
    }
    this.requestUpdate();
  }

  /** The `script_adherence:LIST` metric shown: the configured list, else the first found. */
  private metric(): string | null {
    const list = this.config.options.list;
    if (typeof list === "string" && list) return ADHERENCE + list;
    for (const f of this.figures.values()) {
      const found = Object.keys(f).filter((k) => k.startsWith(ADHERENCE)).sort()[0];
      if (found) return found;
    }
    return null;
  }

  override render() {
    const metric = this.metric();
    const limit = Math.max(1, Math.min(50, Number(this.config.options.limit) || 8));
    const ranked = metric
      ? [...this.figures.entries()]
          .filter(([, f]) => f[metric] !== null && f[metric] !== undefined)
          .sort(([ia, a], [ib, b]) => (a[metric] ?? 0) - (b[metric] ?? 0) || ia.localeCompare(ib))
          .slice(0, limit)
      : [];
    const shown = ranked.slice(0, this.fit.shown(ranked.length));
    const list = metric ? metric.slice(ADHERENCE.length) : "";
    return html`
      <header>
        <h2>${this.config.title || t("phrases.title", { list })}</h2>
        <span class="badge">${windowBadge(this.config.window)}</span>
      </header>
      <div class="body">
        ${ranked.length === 0
          ? html`<div class="empty">${t("phrases.empty")}</div>`
          : html`<div class="rows"><table style="--rows:${Math.max(ranked.length, Math.min(limit, 5))}">
              <thead>
                <tr>
                  <th>${t("phrases.agent")}</th>
                  <th>${t("phrases.adherence")}</th>
                  <th>${t("phrases.banned")}</th>
                </tr>
              </thead>
              <tbody>
                ${shown.map(([id, f]) => {
                  const value = metric ? f[metric] ?? null : null;
                  const banned = f.banned_calls ?? 0;
                  return html`<tr data-agent=${id}>
                    <td class="name">${this.agents[id]?.name ?? id}</td>
                    <td class=${value !== null && value < 0.8 ? "low" : ""}>${formatMetric("script_adherence", value)}</td>
                    <td class=${banned > 0 ? "banned" : ""}>${formatInteger(banned)}</td>
                  </tr>`;
                })}
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

customElements.define("fw-phrases", FwPhrases);
