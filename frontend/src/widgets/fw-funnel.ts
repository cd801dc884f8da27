import { css, html, nothing } from "lit";
import { formatInteger, formatPercent, hasMessage, t } from "../core/i18n";
import type { TopicCopy } from "../core/live";
import type { MessageKey } from "../core/messages";
import type { FunnelData, FunnelStep, WidgetConfig } from "../core/types";
import { panel } from "../ui/theme";
import { WidgetElement } from "./base";
import { RowFit } from "./row-fit";

export const FUNNEL_PERIODS = ["today", "week", "month"] as const;
export const FUNNEL_COUNTS = ["any_path", "in_order"] as const;
type FunnelCount = (typeof FUNNEL_COUNTS)[number];
const DEFAULT_PIPELINE = "default";
const WON = "won";

/** The pipeline a funnel widget shows: its scope `pipeline:NAME`, or `default` for `tenant`. */
export function funnelPipeline(config: WidgetConfig): string {
  return config.scope.startsWith("pipeline:") ? config.scope.slice("pipeline:".length) : DEFAULT_PIPELINE;
}

export function funnelPeriod(config: WidgetConfig): string {
  const period = config.options.period;
  return typeof period === "string" && (FUNNEL_PERIODS as readonly string[]).includes(period) ? period : "today";
}

function funnelCount(config: WidgetConfig): FunnelCount {
  return config.options.count === "in_order" ? "in_order" : "any_path";
}

/** `funnel:pipeline:NAME:PERIOD`, or a team's part `funnel:team:TEAM:pipeline:NAME:PERIOD`. */
export function funnelTopic(config: WidgetConfig): string {
  const team = typeof config.options.team === "string" && config.options.team ? config.options.team : null;
  const scope = `${team ? `team:${team}:` : ""}pipeline:${funnelPipeline(config)}`;
  return `funnel:${scope}:${funnelPeriod(config)}`;
}

export function stageLabel(stage: string): string {
  return stage === WON ? t("funnel.won") : stage;
}

/** A pipeline's funnel (`funnel:` topics, docs/wall.md): a bar per stage, widest for the
 * stage most deals entered, with the deals counted and the conversion from the stage before;
 * under it the deals created in the period and how many of them were won. Type is sized to
 * the tile, so that the longest stage name stays whole; never under the wall's least size. */
export class FwFunnel extends WidgetElement {
  static override styles = [
    panel,
    css`
      .body {
        margin-top: 0.4rem;
        container-type: size;
        display: flex;
        flex-direction: column;
      }
      .grid {
        flex: 1;
        min-height: 0;
        overflow: hidden;
        display: grid;
        grid-template-columns: minmax(0, max-content) minmax(3em, 1fr) max-content;
        grid-auto-rows: minmax(0, max-content);
        align-content: center;
        column-gap: 0.6em;
        row-gap: 0.3em;
        /* As large as the height allows for every row, and as the width allows for the longest
           stage name beside a bar and a conversion (--across: that row's width in em). */
        font-size: max(
          var(--wall-text),
          clamp(0.75rem, min(100cqh / (var(--steps) + 1.2) / 1.8, 100cqw / var(--across)), 3rem)
        );
        font-variant-numeric: tabular-nums;
      }
      .step, .head { display: grid; grid-column: 1 / -1; grid-template-columns: subgrid; align-items: center; }
      .head span {
        font-size: max(var(--wall-text), 0.6em);
        font-weight: 600;
        letter-spacing: 0.05em;
        text-transform: uppercase;
        color: var(--muted);
        white-space: nowrap;
      }
      .head .deals { text-align: center; }
      .head .conv, .conv { text-align: right; }
      .stage { font-weight: 650; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
      .track { position: relative; height: 1.45em; display: grid; place-items: center; }
      .bar {
        position: absolute;
        inset-block: 0;
        left: 50%;
        transform: translateX(-50%);
        min-width: 0.3em;
        border-radius: 0.3em;
        background: linear-gradient(180deg, #2f74b8 0%, #245d96 100%);
      }
      .bar.zero { min-width: 0; width: 0; }
      .won .bar { background: linear-gradient(180deg, #1c7a4a 0%, #15633b 100%); }
      .count { position: relative; font-weight: 750; color: #fff; text-shadow: 0 0 0.25em #000a; white-space: nowrap; }
      .conv { white-space: nowrap; font-weight: 650; }
      .conv .arrow { color: var(--muted); font-weight: 400; margin-right: 0.15em; }
      .conv.none { color: var(--muted); font-weight: 400; }
      footer {
        flex: none;
        padding-top: 0.3rem;
        color: var(--muted);
        font-size: max(var(--wall-text), clamp(0.75rem, 7cqh, 1.1rem));
      }
      footer b { color: var(--text); font-weight: 650; }
      footer span { white-space: nowrap; }
    `,
  ];

  private data: FunnelData | null = null;
  private readonly fit = new RowFit(this);

  protected topics(): string[] {
    return [funnelTopic(this.config)];
  }

  protected override configChanged(): void {
    this.data = null;
  }

  protected onTopic(copy: TopicCopy): void {
    this.data = copy.data as FunnelData;
    this.requestUpdate();
  }

  private heading(): string {
    if (this.config.title) return this.config.title;
    const pipeline = funnelPipeline(this.config);
    const team = this.config.options.team;
    return [t("funnel.title"), pipeline === DEFAULT_PIPELINE ? "" : pipeline, typeof team === "string" ? team : ""]
      .filter(Boolean)
      .join(" · ");
  }

  private badge(): string {
    const key = `funnel.badge.${funnelPeriod(this.config)}`;
    return hasMessage(key) ? t(key as MessageKey) : "";
  }

  private stepRow(step: FunnelStep, previous: FunnelStep | undefined, count: FunnelCount, widest: number) {
    const value = step[count];
    const conversion = previous ? previous[`${count}_next`] : undefined;
    return html`<div class="step ${step.stage === WON ? "won" : ""}" data-stage=${step.stage}>
      <span class="stage">${stageLabel(step.stage)}</span>
      <span class="track">
        <span class="bar ${value ? "" : "zero"}" style="width:${widest ? (100 * value) / widest : 0}%"></span>
        <span class="count" data-testid="funnel-count">${formatInteger(value)}</span>
      </span>
      ${conversion === undefined
        ? html`<span class="conv none"></span>`
        : conversion === null
          ? html`<span class="conv none" data-testid="funnel-conversion">–</span>`
          : html`<span class="conv" data-testid="funnel-conversion"><span class="arrow">↓</span>${formatPercent(conversion, 0)}</span>`}
    </div>`;
  }

  override render() {
    const data = this.data;
    const count = funnelCount(this.config);
    const steps = data?.steps ?? [];
    const empty = !data || (data.created === 0 && steps.every((s) => s[count] === 0));
    const shown = steps.slice(0, this.fit.shown(steps.length));
    const widest = Math.max(0, ...steps.map((s) => s[count]));
    const longest = Math.max(t("funnel.stage").length * 0.6, ...steps.map((s) => stageLabel(s.stage).length));
    // a bold letter is about 0.68em wide; the bar at least 3em, the conversion and gaps 6.5em
    const across = 0.68 * longest + 9.5;
    const won = steps.at(-1);
    const overall = won ? won[`${count}_cumulative`] : null;
    return html`
      <header>
        <h2>${this.heading()}</h2>
        <span class="badge">${this.badge()}</span>
      </header>
      <div class="body">
        ${!data
          ? html`<div class="empty">—</div>`
          : empty
            ? html`<div class="empty" data-testid="funnel-empty">${t("funnel.empty")}</div>`
            : html`<div class="grid" style="--steps:${shown.length};--across:${across}">
                <div class="head">
                  <span>${t("funnel.stage")}</span>
                  <span class="deals">${t("funnel.deals")}</span>
                  <span class="conv">${t("funnel.conversion")}</span>
                </div>
                ${shown.map((step, k) => this.stepRow(step, steps[k - 1], count, widest))}
              </div>
              ${steps.length > shown.length
                ? html`<div class="more">${t("widget.more", { count: steps.length - shown.length })}</div>`
                : nothing}
              <footer data-testid="funnel-footer">
                <b>${t("funnel.created", { count: formatInteger(data.created) })}</b>${overall === null || overall === undefined
                  ? nothing
                  : html` · <span>${t("funnel.overall", { percent: formatPercent(overall, 0) })}</span>`}
              </footer>`}
      </div>
    `;
  }

  protected override updated(): void {
    this.fit.check(this.renderRoot.querySelector<HTMLElement>(".grid"), this.renderRoot.querySelectorAll(".step"));
  }
}

customElements.define("fw-funnel", FwFunnel);
