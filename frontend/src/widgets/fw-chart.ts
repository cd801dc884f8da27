import { css, html, unsafeCSS } from "lit";
import uPlot from "uplot";
import uplotCss from "uplot/dist/uPlot.min.css?inline";
import { api } from "../core/api";
import { history, seriesKey } from "../core/history";
import { formatPercent, formatTime, t } from "../core/i18n";
import type { TopicCopy } from "../core/live";
import { formatMetric, metricInfo, metricLabel, thresholdsFor } from "../core/metrics";
import { panel } from "../ui/theme";
import { metricTopic, wallTextPx, WidgetElement } from "./base";
import { windowBadge } from "../core/labels";

const COLOURS = { line: "#38bdf8", fill: "rgba(56,189,248,0.12)", warn: "#f5a524", crit: "#f43f5e" };
const REDRAW_MS = 1000;

/** A metric over the last hour (uPlot), from the samples the page collects (core/history),
 * with the widget's thresholds as dashed lines. */
export class FwChart extends WidgetElement {
  static override styles = [
    panel,
    unsafeCSS(uplotCss),
    css`
      .body { margin-top: 0.4rem; }
      .plot { position: absolute; inset: 0; }
      .current {
        margin-left: auto;
        font-weight: 700;
        font-size: max(var(--wall-text), 1.15rem);
        font-variant-numeric: tabular-nums;
      }
    `,
  ];

  private plot: uPlot | null = null;
  private observer: ResizeObserver | null = null;
  private lastDraw = 0;
  private plotHeight = 0;
  private latest: number | null = null;
  /** The series whose server history was asked for (once per series and page). */
  private fetchedHistory = "";

  private key(): string {
    return seriesKey(metricTopic(this.config.scope, this.config.window), this.config.metric ?? "");
  }

  private minutes(): number {
    const m = Number(this.config.options.minutes);
    return m > 0 && m <= 65 ? m : 60;
  }

  protected topics(): string[] {
    return [metricTopic(this.config.scope, this.config.window)];
  }

  protected override configChanged(): void {
    this.plot?.destroy();
    this.plot = null;
  }

  protected onTopic(copy: TopicCopy): void {
    const metric = this.config.metric ?? "";
    this.latest = copy.data[metric] ?? null;
    history.record(seriesKey(copy.topic, metric), copy.at || Date.now(), this.latest);
    if (Date.now() - this.lastDraw >= REDRAW_MS) this.draw();
    this.requestUpdate();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.observer?.disconnect();
    this.observer = null;
    this.plot?.destroy();
    this.plot = null;
  }

  protected override updated(): void {
    if (this.fetchedHistory !== this.key()) void this.loadServerHistory();
    if (!this.plot) this.draw();
  }

  /** The last hour as the server sampled it, so a wall opened now shows the hour at once. */
  private async loadServerHistory(): Promise<void> {
    const key = this.key();
    this.fetchedHistory = key;
    const query = new URLSearchParams({
      metric: this.config.metric ?? "",
      scope: this.config.scope,
      window: this.config.window,
      minutes: String(this.minutes()),
    });
    try {
      const found = await api<{ points: Array<[number, number | null]> }>("GET", `/v1/metrics/history?${query}`);
      history.merge(key, found.points);
      this.draw();
    } catch (error) {
      console.warn("floorwatch chart: no server history", error);
    }
  }

  private draw(): void {
    const host = this.renderRoot.querySelector<HTMLElement>(".plot");
    if (!host || host.clientWidth === 0) return;
    this.lastDraw = Date.now();
    const series = history.get(this.key());
    const now = Date.now() / 1000;
    const data: uPlot.AlignedData = [series.times.slice(), series.values.slice()];
    host.dataset.points = String(series.times.length);
    host.dataset.since = String(series.times[0] ?? "");
    if (!this.plot) {
      this.plot = new uPlot(this.options(host.clientWidth, host.clientHeight), data, host);
      this.plotHeight = host.clientHeight;
      this.observer?.disconnect();
      this.observer = new ResizeObserver(() => {
        if (!this.plot || host.clientWidth === 0) return;
        if (Math.abs(host.clientHeight - this.plotHeight) > this.plotHeight / 4) {
          // Fonts and axis sizes follow the height: a much smaller or larger panel (rows
          // added to the dashboard, another screen) gets a plot built for its size.
          this.plot.destroy();
          this.plot = null;
          this.draw();
        } else {
          this.plot.setSize({ width: host.clientWidth, height: host.clientHeight });
        }
      });
      this.observer.observe(host);
    } else {
      this.plot.setData(data);
    }
    // Until the page has a whole window of samples, the axis spans what it has.
    const first = series.times[0] ?? now;
    const min = Math.max(now - this.minutes() * 60, Math.min(first - 30, now - 120));
    this.plot.setScale("x", { min, max: now });
  }

  private options(width: number, height: number): uPlot.Options {
    const metric = this.config.metric ?? "";
    const ratio = metricInfo(metric).kind === "ratio";
    const thresholds = thresholdsFor(metric, this.config.thresholds, this.config.scope);
    const wallText = wallTextPx(this);
    const fontPx = Math.round(Math.max(11, wallText, Math.min(22, height / 14)));
    const font = `${fontPx}px Inter, "Segoe UI", system-ui, sans-serif`;
    const axis = {
      stroke: "#93a2c3",
      font,
      grid: { stroke: "#1c2744", width: 1 },
      ticks: { show: false },
    };
    return {
      width,
      height,
      legend: { show: false },
      cursor: { show: false },
      padding: [fontPx / 2, fontPx * 3, 0, 0],
      scales: {
        x: { time: true },
        y: ratio ? { range: [0, 1] } : { range: (_u, _min, max) => [0, Math.max(1, max * 1.15)] },
      },
      axes: [
        {
          ...axis,
          // uPlot's default x-axis band is 50 px whatever the font: in a short panel it left
          // the line a strip of a few pixels.
          size: Math.round(fontPx * 2.2),
          space: fontPx * 6,
          values: (u, splits) => {
            const span = (u.scales.x.max ?? 0) - (u.scales.x.min ?? 0);
            return splits.map((s) => formatTime(s * 1000, span < 600));
          },
        },
        {
          ...axis,
          size: fontPx * 4,
          space: fontPx * 2,
          values: (_u, splits) =>
            splits.map((s) => (ratio ? formatPercent(s, 0) : formatMetric(metric, s))),
        },
      ],
      series: [
        {},
        {
          stroke: COLOURS.line,
          width: Math.max(2, fontPx / 6),
          fill: COLOURS.fill,
          spanGaps: true,
          points: { show: false },
        },
      ],
      hooks: {
        draw: [
          (u) => {
            if (!thresholds) return;
            const ctx = u.ctx;
            for (const [value, colour] of [
              [thresholds.warn, COLOURS.warn],
              [thresholds.crit, COLOURS.crit],
            ] as [number | null, string][]) {
              if (value === null) continue;
              const y = u.valToPos(value, "y", true);
              ctx.save();
              ctx.strokeStyle = colour;
              ctx.setLineDash([8 * devicePixelRatio, 6 * devicePixelRatio]);
              ctx.lineWidth = 2 * devicePixelRatio;
              ctx.beginPath();
              ctx.moveTo(u.bbox.left, y);
              ctx.lineTo(u.bbox.left + u.bbox.width, y);
              ctx.stroke();
              ctx.restore();
            }
          },
        ],
      },
    };
  }

  override render() {
    const metric = this.config.metric ?? "";
    return html`
      <header>
        <h2>${this.config.title || t("chart.title", { metric: metricLabel(metric) })}</h2>
        <span class="current" data-testid="value">${formatMetric(metric, this.latest)}</span>
        <span class="badge">${windowBadge(this.config.window)}</span>
      </header>
      <div class="body">
        <div class="plot" data-testid="plot"></div>

      </div>
    `;
  }
}

customElements.define("fw-chart", FwChart);
