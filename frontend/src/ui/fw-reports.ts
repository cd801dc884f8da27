import { html, nothing, unsafeCSS, type PropertyValues } from "lit";
import uPlot from "uplot";
import uplotCss from "uplot/dist/uPlot.min.css?inline";
import { api } from "../core/api";
import { locale, t } from "../core/i18n";
import type { MessageKey } from "../core/messages";
import { formatMetric, metricLabel } from "../core/metrics";
import { problemText } from "../core/problems";
import {
  chartSeries,
  GROUPS,
  keyFields,
  keyText,
  PERIODS,
  PLAN_PERIODS,
  plannedMetrics,
  reportUrl,
  thisMonth,
  type KpiReport,
  type ReportQuery,
  type ReportRow,
} from "../core/reports";
import "./fw-callback-list";
import "./fw-callback-report";
import { LocalizedElement } from "./localized";
import { pageStyles } from "./page-styles";

const PALETTE = ["#38bdf8", "#22c55e", "#f5a524", "#a78bfa", "#f43f5e", "#2dd4bf", "#fb923c", "#e879f9"];
const CHART_HEIGHT = 300;
/** Roles that see the call-back list with whole numbers (where their teams allow). */
const STAFF_ROLES = ["admin", "supervisor", "team_lead"];

type SortColumn = { kind: "period" } | { kind: "group"; field: "queue" | "team" | "agent" } | { kind: "metric"; metric: string }
  | { kind: "plan" | "deviation"; metric: string };

function columnId(column: SortColumn): string {
  return "metric" in column ? `${column.kind}:${column.metric}` : column.kind === "group" ? `group:${column.field}` : "period";
}

function sortValue(row: ReportRow, column: SortColumn): number | string | null {
  switch (column.kind) {
    case "period":
      return Date.parse(row.start);
    case "group":
      return keyText(row, column.field);
    case "metric":
      return row.metrics[column.metric] ?? null;
    case "plan":
      return row.plan?.[column.metric]?.standard ?? null;
    case "deviation":
      return row.plan?.[column.metric]?.deviation ?? null;
  }
}

/** `/reports`: the KPI report for a group, period and date range (this month by default), a
 * chart of one metric over the periods, the whole metric catalog as a sortable table (with plan
 * and deviation where plans exist), and the same report as CSV. */
export class FwReports extends LocalizedElement {
  static override properties = {
    userRole: { type: String },
    query: { state: true },
    metric: { state: true },
    report: { state: true },
    loading: { state: true },
    error: { state: true },
    sort: { state: true },
    descending: { state: true },
  };
  declare userRole: string;
  declare query: ReportQuery;
  declare metric: string;
  declare report: KpiReport | null;
  declare loading: boolean;
  declare error: string;
  declare sort: SortColumn;
  declare descending: boolean;

  static override styles = [
    pageStyles,
    unsafeCSS(uplotCss),
    unsafeCSS(`
      .chart { min-height: ${CHART_HEIGHT + 40}px; }
      .uplot { font-family: inherit; color: var(--muted); }
      .u-legend { font-size: 0.85rem; }
      th.sortable { cursor: pointer; user-select: none; }
      /* The period stays in view while the metric columns scroll sideways. */
      td:first-child, th:first-child { position: sticky; left: 0; z-index: 1; background: var(--panel-2); }
      th.sortable:focus-visible { outline: 2px solid var(--accent); outline-offset: -2px; }
      th[aria-sort="ascending"]::after { content: " ▲"; }
      th[aria-sort="descending"]::after { content: " ▼"; }
    `),
  ];

  private plot: uPlot | null = null;
  private observer: ResizeObserver | null = null;
  private requestId = 0;
  private drawnLocale = "";

  constructor() {
    super();
    this.userRole = "";
    this.query = { group_by: "tenant", period: "day", ...thisMonth() };
    this.metric = "offered";
    this.report = null;
    this.loading = false;
    this.error = "";
    this.sort = { kind: "period" };
    this.descending = false;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.plot?.destroy();
    this.plot = null;
    this.observer?.disconnect();
  }

  private withPlan(): boolean {
    return PLAN_PERIODS.includes(this.query.period);
  }

  private async load(): Promise<void> {
    const id = ++this.requestId;
    this.loading = true;
    this.error = "";
    try {
      const extra: Record<string, string> = this.withPlan() ? { plan: "true" } : {};
      const report = await api<KpiReport>("GET", reportUrl(this.query, extra));
      if (id === this.requestId) this.report = report;
    } catch (error) {
      if (id === this.requestId) {
        this.report = null;
        this.error = problemText(error);
      }
    } finally {
      if (id === this.requestId) this.loading = false;
    }
  }

  private change(field: keyof ReportQuery, value: string): void {
    this.query = { ...this.query, [field]: value } as ReportQuery;
    if (field === "group_by" && this.sort.kind === "group") this.sort = { kind: "period" };
    void this.load();
  }

  private sortBy(column: SortColumn): void {
    if (columnId(column) === columnId(this.sort)) this.descending = !this.descending;
    else {
      this.sort = column;
      this.descending = column.kind !== "period" && column.kind !== "group";
    }
  }

  private sortedRows(report: KpiReport): ReportRow[] {
    const column = this.sort;
    const sign = this.descending ? -1 : 1;
    return [...report.rows].sort((a, b) => {
      const x = sortValue(a, column);
      const y = sortValue(b, column);
      if (x === y) return 0;
      if (x === null) return 1;
      if (y === null) return -1;
      return (x < y ? -1 : 1) * sign;
    });
  }

  // -- chart ----------------------------------------------------------------------------------

  protected override updated(changed: PropertyValues<this>): void {
    if (changed.has("report") || changed.has("metric") || this.drawnLocale !== locale()) this.draw();
  }

  private draw(): void {
    this.plot?.destroy();
    this.plot = null;
    this.drawnLocale = locale();
    const host = this.renderRoot.querySelector<HTMLElement>(".chart");
    const report = this.report;
    if (!host || !report || report.rows.length === 0) return;
    const data = chartSeries(report, this.metric);
    const options: uPlot.Options = {
      width: Math.max(300, host.clientWidth),
      height: CHART_HEIGHT,
      scales: {
        // One period alone would be stretched over years: give it a day either side.
        x: {
          time: true,
          range: (_u, min, max): uPlot.Range.MinMax => {
            const [first, last] = [data.xs[0], data.xs[data.xs.length - 1]];
            return first === last ? [first - 86_400, last + 86_400] : [min, max];
          },
        },
      },
      series: [
        { label: t("reports.period"), value: (_u, _v, _s, i) => (i === null ? "" : data.labels[i] ?? "") },
        ...data.series.map((s, i) => ({
          label: s.name || t("reports.group.tenant"),
          stroke: PALETTE[i % PALETTE.length],
          width: 2,
          points: { show: true, size: 8 },
          value: (_u: uPlot, v: number | null) => formatMetric(this.metric, v),
        })),
        ...(data.plan
          ? [{
              label: t("reports.plan"),
              stroke: "#f5a524",
              width: 2,
              dash: [8, 6],
              points: { show: true, size: 8 },
              value: (_u: uPlot, v: number | null) => formatMetric(this.metric, v),
            }]
          : []),
      ],
      axes: [
        { stroke: "#93a2c3", grid: { stroke: "rgba(147,162,195,0.12)" } },
        {
          stroke: "#93a2c3",
          grid: { stroke: "rgba(147,162,195,0.12)" },
          size: 70,
          values: (_u, values) => values.map((v) => formatMetric(this.metric, v)),
        },
      ],
    };
    const columns = [data.xs, ...data.series.map((s) => s.values), ...(data.plan ? [data.plan] : [])];
    this.plot = new uPlot(options, columns as uPlot.AlignedData, host);
    if (!this.observer) {
      this.observer = new ResizeObserver(() => {
        const target = this.renderRoot.querySelector<HTMLElement>(".chart");
        if (this.plot && target) this.plot.setSize({ width: Math.max(300, target.clientWidth), height: CHART_HEIGHT });
      });
      this.observer.observe(this);
    }
  }

  // -- rendering ------------------------------------------------------------------------------

  private controls() {
    const q = this.query;
    const metrics = this.report?.metrics ?? [this.metric];
    return html`<form class="bar" @submit=${(e: Event) => e.preventDefault()}>
      <label>${t("reports.groupBy")}
        <select name="group_by" @change=${(e: Event) => this.change("group_by", (e.target as HTMLSelectElement).value)}>
          ${GROUPS.map((g) => html`<option value=${g} ?selected=${q.group_by === g}>${t(`reports.group.${g}` as MessageKey)}</option>`)}
        </select>
      </label>
      <label>${t("reports.period")}
        <select name="period" @change=${(e: Event) => this.change("period", (e.target as HTMLSelectElement).value)}>
          ${PERIODS.map((p) => html`<option value=${p} ?selected=${q.period === p}>${t(`reports.period.${p}` as MessageKey)}</option>`)}
        </select>
      </label>
      <label>${t("reports.from")}
        <input type="date" name="from" .value=${q.from} required
          @change=${(e: Event) => (e.target as HTMLInputElement).value && this.change("from", (e.target as HTMLInputElement).value)} />
      </label>
      <label>${t("reports.to")}
        <input type="date" name="to" .value=${q.to} required
          @change=${(e: Event) => (e.target as HTMLInputElement).value && this.change("to", (e.target as HTMLInputElement).value)} />
      </label>
      <label>${t("reports.metric")}
        <select name="metric" @change=${(e: Event) => (this.metric = (e.target as HTMLSelectElement).value)}>
          ${metrics.map((m) => html`<option value=${m} ?selected=${this.metric === m}>${metricLabel(m)}</option>`)}
        </select>
      </label>
      <a class="button primary" data-testid="csv" download href=${reportUrl(q, { format: "csv", ...(this.withPlan() ? { plan: "true" } : {}) })}>${t("reports.csv")}</a>
      <span class="muted">${this.loading ? t("reports.loading") : this.report ? t("reports.rows", { count: this.report.rows.length }) : ""}</span>
    </form>`;
  }

  private header(label: string, column: SortColumn, numeric: boolean) {
    const active = columnId(column) === columnId(this.sort);
    return html`<th class="sortable ${numeric ? "num" : ""}" data-column=${columnId(column)}
      aria-sort=${active ? (this.descending ? "descending" : "ascending") : "none"} tabindex="0"
      @click=${() => this.sortBy(column)}
      @keydown=${(e: KeyboardEvent) => {
        if (e.key !== "Enter" && e.key !== " ") return;
        e.preventDefault();
        this.sortBy(column);
      }}>${label}</th>`;
  }

  private table(report: KpiReport) {
    if (report.rows.length === 0) return html`<p class="muted" data-testid="empty">${t("reports.empty")}</p>`;
    const keys = keyFields(report.group_by);
    const planned = new Set(plannedMetrics(report));
    const deviation = (row: ReportRow, metric: string) => {
      const cell = row.plan?.[metric];
      if (!cell || cell.deviation === null) return html`<td class="num">—</td>`;
      const good = cell.level === "standard" || cell.level === "maximum";
      return html`<td class="num ${good ? "good" : "bad"}">${formatMetric(metric, cell.deviation)}</td>`;
    };
    return html`<div class="scroll"><table data-testid="report-table">
      <thead><tr>
        ${this.header(t("reports.period"), { kind: "period" }, false)}
        ${keys.map((field) => this.header(t(`reports.group.${field}` as MessageKey), { kind: "group", field }, false))}
        ${report.metrics.map((metric) => html`
          ${this.header(metricLabel(metric), { kind: "metric", metric }, true)}
          ${planned.has(metric)
            ? html`${this.header(`${t("reports.plan")}: ${metricLabel(metric)}`, { kind: "plan", metric }, true)}
                ${this.header(t("reports.deviation"), { kind: "deviation", metric }, true)}`
            : nothing}`)}
      </tr></thead>
      <tbody>
        ${this.sortedRows(report).map((row) => html`<tr>
          <td>${row.period}</td>
          ${keys.map((field) => html`<td data-key=${field} title=${row[field] ?? ""}>${keyText(row, field)}</td>`)}
          ${report.metrics.map((metric) => html`
            <td class="num" data-metric=${metric}>${formatMetric(metric, row.metrics[metric])}</td>
            ${planned.has(metric)
              ? html`<td class="num" data-plan=${metric}>${row.plan?.[metric] ? formatMetric(metric, row.plan[metric].standard) : "—"}</td>
                  ${deviation(row, metric)}`
              : nothing}`)}
        </tr>`)}
      </tbody>
    </table></div>`;
  }

  override render() {
    const report = this.report;
    return html`
      <h1>${t("reports.title")}</h1>
      <section>${this.controls()}</section>
      ${this.error ? html`<section class="error" role="alert">${this.error}</section>` : nothing}
      <section>
        <h2>${metricLabel(this.metric)}</h2>
        <div class="chart" data-testid="report-chart"></div>
      </section>
      <section>
        <p class="muted">${t("reports.sortHint")} ${this.withPlan() ? t("reports.planHint") : ""}</p>
        ${report ? this.table(report) : nothing}
      </section>
      <section>
        <fw-callback-report .from=${this.query.from} .to=${this.query.to}></fw-callback-report>
      </section>
      ${STAFF_ROLES.includes(this.userRole)
        ? html`<section><fw-callback-list .userRole=${this.userRole}></fw-callback-list></section>`
        : nothing}
    `;
  }
}

customElements.define("fw-reports", FwReports);
