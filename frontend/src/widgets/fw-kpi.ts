import { css, html, nothing, type PropertyValues } from "lit";
import { history, seriesKey } from "../core/history";
import { t } from "../core/i18n";
import type { TopicCopy } from "../core/live";
import { formatMetric, levelOf, metricInfo, metricLabel, thresholdsFor } from "../core/metrics";
import { panel } from "../ui/theme";
import { metricTopic, WidgetElement } from "./base";
import { scopeLabel, windowBadge } from "../core/labels";

/** Minutes back the trend compares with, per window. */
const TREND_MINUTES: Record<string, number> = {
  live: 5,
  "5m": 5,
  "15m": 15,
  "60m": 60,
  interval: 15,
  today: 60,
};

/** One number, large: value, label, window, trend against one window ago, threshold colour. */
export class FwKpi extends WidgetElement {
  static override styles = [
    panel,
    css`
      :host {
        border-left: 0.4rem solid var(--level, var(--line));
        padding-bottom: 0.7rem;
      }
      :host([level="crit"]) {
        background: linear-gradient(180deg, #3d1020 0%, #2a0c18 100%);
        border-color: var(--crit);
      }
      :host([level="warn"]) {
        background: linear-gradient(180deg, #33260f 0%, #241a0b 100%);
      }
      h2 {
        white-space: normal;
        display: -webkit-box;
        -webkit-line-clamp: 2;
        -webkit-box-orient: vertical;
        line-height: 1.3;
        letter-spacing: 0.04em;
      }
      .body {
        display: flex;
        align-items: center;
      }
      .value {
        /* A long value (money: "125 000 €") takes smaller type so that it stays whole: a
           bold digit is about 0.7em wide. */
        font-size: min(40cqh, 22cqw, 140cqw / var(--chars, 1));
        line-height: 1;
        font-weight: 750;
        letter-spacing: -0.02em;
        color: var(--level, var(--text));
        font-variant-numeric: tabular-nums;
        white-space: nowrap;
      }
      footer {
        display: flex;
        align-items: center;
        gap: 0.6rem;
        min-width: 0;
        font-size: max(var(--wall-text), min(9cqh, 6.5cqw, 1.1rem));
        color: var(--muted);
        white-space: nowrap;
        overflow: hidden;
      }
      footer .badge { font-size: max(var(--wall-text), 0.8em); }
      .trend { overflow: hidden; text-overflow: ellipsis; }
      .better { color: var(--good); font-weight: 700; }
      .worse { color: var(--crit); font-weight: 700; }
      .scope { overflow: hidden; text-overflow: ellipsis; }
    `,
  ];

  private value: number | null | undefined = undefined;
  private at = 0;

  protected topics(): string[] {
    return [metricTopic(this.config.scope, this.config.window)];
  }

  protected override configChanged(): void {
    this.value = undefined;
  }

  protected onTopic(copy: TopicCopy): void {
    const metric = this.config.metric ?? "";
    this.value = copy.data[metric] ?? null;
    this.at = copy.at || Date.now();
    history.record(seriesKey(copy.topic, metric), this.at, this.value ?? null);
    this.requestUpdate();
  }

  private trend() {
    const metric = this.config.metric ?? "";
    const minutes = TREND_MINUTES[this.config.window] ?? 15;
    if (this.value === null || this.value === undefined) return nothing;
    const key = seriesKey(metricTopic(this.config.scope, this.config.window), metric);
    const before = history.valueAt(key, this.at - minutes * 60_000);
    if (before === undefined || before === null) return nothing;
    const delta = this.value - before;
    const bad = metricInfo(metric).bad;
    const arrow = delta > 0 ? "▲" : delta < 0 ? "▼" : "■";
    const cls = delta === 0 ? "" : (delta > 0) === (bad === "below") ? "better" : "worse";
    const shown = formatMetric(metric, Math.abs(delta));
    return html`<span class="trend" data-testid="trend">
      <span class=${cls}>${arrow} ${shown}</span>
      ${t("trend.vs", { ago: t("trend.ago", { minutes }) })}
    </span>`;
  }

  protected override willUpdate(changed: PropertyValues): void {
    super.willUpdate(changed);
    const { metric, thresholds, scope } = this.config;
    this.setAttribute("level", levelOf(this.value, thresholdsFor(metric, thresholds, scope)));
  }

  override render() {
    const { metric, title, scope, window } = this.config;
    const name = metric ?? "";
    const scopeText = scope === "tenant" ? "" : scopeLabel(scope);
    const shown = formatMetric(name, this.value);
    return html`
      <header>
        <h2>${title || metricLabel(name)}</h2>
      </header>
      <div class="body">
        <div class="value" data-testid="value" data-raw=${this.value ?? ""} style="--chars:${shown.length}">
          ${shown}
        </div>
      </div>
      <footer>
        <span class="badge">${windowBadge(window)}</span>
        ${scopeText ? html`<span class="scope">${scopeText}</span>` : nothing}
        ${this.trend()}
      </footer>
    `;
  }
}

customElements.define("fw-kpi", FwKpi);
