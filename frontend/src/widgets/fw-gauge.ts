import { css, html, nothing, svg, type PropertyValues } from "lit";
import { history, seriesKey } from "../core/history";
import { formatInteger, formatPercent, t } from "../core/i18n";
import type { TopicCopy } from "../core/live";
import { formatMetric, levelOf, metricInfo, metricLabel, serviceLevelGoal, thresholdsFor } from "../core/metrics";
import { panel } from "../ui/theme";
import { metricTopic, WidgetElement } from "./base";
import { windowBadge } from "../core/labels";

const R = 80;
const ARC = Math.PI * R;

/** A half-circle gauge, made for service level (any ratio metric; others need `options.max`). */
export class FwGauge extends WidgetElement {
  static override styles = [
    panel,
    css`
      h2 {
        white-space: normal;
        display: -webkit-box;
        -webkit-line-clamp: 2;
        -webkit-box-orient: vertical;
        line-height: 1.3;
      }
      svg {
        position: absolute;
        inset: 0;
        width: 100%;
        height: 100%;
      }
      .track { stroke: #1e2a45; }
      .arc { stroke: var(--level, var(--accent)); transition: stroke-dasharray 0.6s ease; }
      .tick { stroke: var(--text); stroke-width: 2.5; }
      .value {
        fill: var(--level, var(--text));
        font-weight: 700;
        font-size: 34px;
        font-variant-numeric: tabular-nums;
      }
      .target { fill: var(--muted); font-size: 19px; }
    `,
  ];

  private value: number | null | undefined = undefined;

  protected topics(): string[] {
    return [metricTopic(this.config.scope, this.config.window)];
  }

  protected override configChanged(): void {
    this.value = undefined;
  }

  protected onTopic(copy: TopicCopy): void {
    const metric = this.config.metric ?? "";
    this.value = copy.data[metric] ?? null;
    history.record(seriesKey(copy.topic, metric), copy.at || Date.now(), this.value ?? null);
    this.requestUpdate();
  }

  /** A target of whole percent reads as one (`90%`, not `90.0%`). */
  private targetText(target: number): string {
    const metric = this.config.metric ?? "";
    const whole = Math.abs(target * 100 - Math.round(target * 100)) < 1e-9;
    return metricInfo(metric).kind === "ratio" && whole ? formatPercent(target, 0) : formatMetric(metric, target);
  }

  private max(): number {
    const configured = Number(this.config.options.max);
    if (configured > 0) return configured;
    return metricInfo(this.config.metric ?? "").kind === "ratio" ? 1 : 100;
  }

  protected override willUpdate(changed: PropertyValues): void {
    super.willUpdate(changed);
    const { metric, thresholds, scope } = this.config;
    this.setAttribute("level", levelOf(this.value, thresholdsFor(metric, thresholds, scope)));
  }

  override render() {
    const metric = this.config.metric ?? "";
    const thresholds = thresholdsFor(metric, this.config.thresholds, this.config.scope);
    const goal = metric === "service_level" ? serviceLevelGoal(this.config.scope) : null;
    const max = this.max();
    const fraction = Math.max(0, Math.min(1, (this.value ?? 0) / max));
    const target = thresholds?.warn ?? null;
    const angle = target === null ? null : Math.PI * (1 - Math.max(0, Math.min(1, target / max)));
    return html`
      <header>
        <h2>${this.config.title || metricLabel(metric)}</h2>
        <span class="badge">${windowBadge(this.config.window)}</span>
      </header>
      <div class="body">
        <svg viewBox="0 0 200 126" role="img" aria-label=${metricLabel(metric)}>
          <path class="track" d="M20,100 A80,80 0 0 1 180,100" fill="none" stroke-width="18" stroke-linecap="round" />
          ${this.value === null || this.value === undefined
            ? nothing
            : svg`<path class="arc" d="M20,100 A80,80 0 0 1 180,100" fill="none" stroke-width="18"
                stroke-linecap="round" stroke-dasharray="${ARC * fraction} ${ARC}" />`}
          ${angle === null
            ? nothing
            : svg`<line class="tick" x1=${100 + (R - 14) * Math.cos(angle)} y1=${100 - (R - 14) * Math.sin(angle)}
                x2=${100 + (R + 14) * Math.cos(angle)} y2=${100 - (R + 14) * Math.sin(angle)} />`}
          <text class="value" x="100" y="98" text-anchor="middle" data-testid="value">
            ${formatMetric(metric, this.value)}
          </text>
          ${target === null
            ? nothing
            : svg`<text class="target" x="100" y="122" text-anchor="middle">
                ${goal && target === goal.target
                  ? t("gauge.targetWithin", { value: this.targetText(target), seconds: formatInteger(goal.threshold_s) })
                  : t("gauge.target", { value: this.targetText(target) })}</text>`}
        </svg>
      </div>
    `;
  }
}

customElements.define("fw-gauge", FwGauge);
