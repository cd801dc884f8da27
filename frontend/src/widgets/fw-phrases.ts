import { css, html, nothing } from "lit";
import { formatInteger, formatTime, t } from "../core/i18n";
import type { TopicCopy } from "../core/live";
import { formatMetric, levelOf, metricInfo } from "../core/metrics";
import type { BoardRow, MetricValues } from "../core/types";
import { panel, wallTable } from "../ui/theme";
import { metricTopic, WidgetElement } from "./base";
import { windowBadge } from "../core/labels";
import { RowFit } from "./row-fit";

/** Per-agent topics are one subscription each; beyond this many agents the list is cut. */
const MAX_AGENTS = 150;
const ADHERENCE = "script_adherence:";
/** The latest hits shown under the table, newest first. */
const LATEST_HITS = 4;

/** A hit of the `phrases:SCOPE` topic: never the segment text (docs/websocket.md). */
interface WallHit {
  seq: number;
  at_ms: number;
  agent: string | null;
  team: string | null;
  list: string;
  kind: "required" | "banned" | "signal";
  phrase: string;
  role: "agent" | "customer";
}

/** Script adherence per agent (phrase spotting, docs/phrases.md): for one `required` phrase
 * list (option `list`, else the first one the figures carry), the agents with transcribed
 * calls, lowest adherence first, with their calls with banned phrases. Agents from the board
 * topic, figures from `metrics:agent:ID:WINDOW`. Under the table, the latest hits of the
 * `phrases:SCOPE` topic (agent, list, phrase, who said it, when); what was said around the
 * phrase is never shown on a wall. */
/** A cell's colour by the metric's thresholds in the catalog (as every tile reads them). */
function level(metric: string | null, value: number | null): string {
  if (!metric) return "";
  const found = levelOf(value, metricInfo(metric).thresholds ?? null);
  return found === "warn" || found === "crit" ? found : "";
}

export class FwPhrases extends WidgetElement {
  static override styles = [
    panel,
    wallTable,
    css`
      :host { --chars-across: 22; }
      th:first-child, td:first-child { text-align: left; width: 100%; }
      td.warn { color: var(--warn); font-weight: 700; }
      td.crit { color: #fff; background: color-mix(in srgb, var(--crit) 55%, transparent); font-weight: 700; }
      .hits { margin: 0.4em 0 0; padding: 0.3em 0 0; border-top: 1px solid var(--line); font-size: max(var(--wall-text), clamp(0.7rem, 100cqw / 34, 1.4rem)); }
      .hits ul { margin: 0; padding: 0; list-style: none; }
      .hits h3 { margin: 0 0 0.2em; font-size: 0.72em; font-weight: 600; letter-spacing: 0.05em; text-transform: uppercase; color: var(--muted); }
      .hit { display: flex; gap: 0.6em; align-items: baseline; white-space: nowrap; overflow: hidden; padding: 0.1em 0; }
      .hit time { color: var(--muted); font-variant-numeric: tabular-nums; }
      .hit .who { font-weight: 600; }
      .hit .phrase { overflow: hidden; text-overflow: ellipsis; min-width: 0; flex: 1; }
      .hit.banned .phrase { color: #fb923c; font-weight: 700; }
      .hit .role { color: var(--muted); font-size: 0.85em; }
    `,
  ];

  private agents: Record<string, BoardRow> = {};
  private figures = new Map<string, MetricValues>();
  private hits: Record<string, WallHit> = {};
  private readonly fit = new RowFit(this);

  private scope(): string {
    const team = this.config.options.team;
    return typeof team === "string" && team ? `team:${team}` : "tenant";
  }

  protected topics(): string[] {
    const ids = Object.keys(this.agents).sort().slice(0, MAX_AGENTS);
    return [
      `board:${this.scope()}`,
      `phrases:${this.scope()}`,
      ...ids.map((id) => metricTopic(`agent:${id}`, this.config.window)),
    ];
  }

  protected override configChanged(): void {
    this.agents = {};
    this.figures = new Map();
    this.hits = {};
  }

  protected onTopic(copy: TopicCopy): void {
    if (copy.topic.startsWith("phrases:")) {
      this.hits = copy.data as Record<string, WallHit>;
    } else if (copy.topic.startsWith("board:")) {
      this.agents = copy.data as Record<string, BoardRow>;
      this.syncTopics(); // subscribes the agents that came, releases those gone (a diff)
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

  private latestHits() {
    const hits = Object.values(this.hits).sort((a, b) => b.seq - a.seq).slice(0, LATEST_HITS);
    if (hits.length === 0) return nothing;
    return html`<div class="hits" data-testid="phrase-hits">
      <h3>${t("phrases.latest")}</h3>
      <ul>${hits.map(
        (hit) => html`<li class="hit ${hit.kind}" data-seq=${hit.seq}>
          <time>${formatTime(hit.at_ms, false)}</time>
          <span class="who">${hit.agent ? this.agents[hit.agent]?.name ?? hit.agent : "—"}</span>
          <span class="phrase">${t("phrases.hit", { list: hit.list, phrase: hit.phrase })}</span>
          <span class="role">${t(hit.role === "agent" ? "phrases.saidByAgent" : "phrases.saidByCustomer")}</span>
        </li>`,
      )}</ul>
    </div>`;
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
                    <td class=${level(metric, value)}>${formatMetric("script_adherence", value)}</td>
                    <td class=${level("banned_calls", banned)}>${formatInteger(banned)}</td>
                  </tr>`;
                })}
              </tbody>
            </table></div>
            ${shown.length < ranked.length
              ? html`<div class="more" data-testid="more">${t("widget.more", { count: ranked.length - shown.length })}</div>`
              : nothing}`}
        ${this.latestHits()}
      </div>
    `;
  }

  protected override updated(): void {
    const rows = this.renderRoot.querySelectorAll("tbody tr");
    this.fit.check(this.renderRoot.querySelector<HTMLElement>(".rows"), rows);
  }
}

customElements.define("fw-phrases", FwPhrases);
