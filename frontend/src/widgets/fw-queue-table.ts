import { css, html } from "lit";
import { wall } from "../core/context";
import { t } from "../core/i18n";
import type { TopicCopy } from "../core/live";
import type { MessageKey } from "../core/messages";
import { formatMetric, levelOf, metricInfo, thresholdsFor } from "../core/metrics";
import type { MetricValues } from "../core/types";
import { panel } from "../ui/theme";
import { metricTopic, WidgetElement } from "./base";
import { windowBadge } from "../core/labels";

interface Column {
  metric: string;
  label: MessageKey;
}

const COLUMNS: Column[] = [
  { metric: "calls_waiting", label: "queues.waiting" },
  { metric: "longest_wait", label: "queues.longest" },
  { metric: "offered", label: "queues.offered" },
  { metric: "answered", label: "queues.answered" },
  { metric: "abandoned", label: "queues.abandoned" },
  { metric: "service_level", label: "queues.sl" },
  { metric: "asa", label: "queues.asa" },
  { metric: "aht", label: "queues.aht" },
];

/** Every queue in a row: waiting now, longest wait and the window's figures, sortable by
 * any column (click a header), coloured by thresholds (the widget's own for service level). */
export class FwQueueTable extends WidgetElement {
  static override styles = [
    panel,
    css`
      .body {
        overflow: hidden;
        margin-top: 0.4rem;
      }
      table {
        width: 100%;
        border-collapse: collapse;
        font-size: clamp(0.7rem, min(calc(100cqh / (var(--rows) + 1.6) * 0.42), calc(100cqw / 42)), 1.7rem);
        font-variant-numeric: tabular-nums;
      }
      th {
        text-align: right;
        font-size: 0.72em;
        font-weight: 600;
        letter-spacing: 0.05em;
        text-transform: uppercase;
        color: var(--muted);
        padding: 0.3em 0.5em;
        border-bottom: 1px solid var(--line);
        cursor: pointer;
        user-select: none;
        white-space: nowrap;
      }
      th:first-child, td:first-child { text-align: left; }
      th[aria-sort="ascending"], th[aria-sort="descending"] { color: var(--text); }
      th[aria-sort="ascending"]::after { content: " ▲"; }
      th[aria-sort="descending"]::after { content: " ▼"; }
      td {
        text-align: right;
        padding: 0.32em 0.5em;
        border-bottom: 1px solid #1a2540;
        white-space: nowrap;
      }
      td:first-child {
        font-weight: 600;
        max-width: 10em;
        overflow: hidden;
        text-overflow: ellipsis;
      }
      tr:last-child td { border-bottom: none; }
      td.warn { color: var(--warn); font-weight: 700; }
      td.crit { color: #fff; background: color-mix(in srgb, var(--crit) 55%, transparent); font-weight: 700; }
      td.good { color: var(--good); }
    `,
  ];

  private rows = new Map<string, MetricValues>();
  private sortKey = "calls_waiting";
  private sortDesc = true;

  private queues(): string[] {
    const chosen = this.config.options.queues;
    return Array.isArray(chosen) && chosen.length ? chosen : wall.options.queues;
  }

  protected topics(): string[] {
    return this.queues().map((q) => metricTopic(`queue:${q}`, this.config.window));
  }

  protected override configChanged(): void {
    this.rows = new Map();
    // `sort`: a column's metric (or `queue`); a leading `+` sorts ascending.
    const sort = this.config.options.sort;
    if (typeof sort === "string" && sort) {
      this.sortDesc = !sort.startsWith("+");
      this.sortKey = sort.replace(/^\+/, "");
    }
  }

  protected onTopic(copy: TopicCopy): void {
    const queue = copy.topic.slice("metrics:queue:".length, copy.topic.lastIndexOf(":"));
    this.rows.set(queue, copy.data as MetricValues);
    this.requestUpdate();
  }

  private sortBy(metric: string): void {
    if (this.sortKey === metric) this.sortDesc = !this.sortDesc;
    else {
      this.sortKey = metric;
      this.sortDesc = metric !== "queue";
    }
    this.requestUpdate();
  }

  private sorted(): [string, MetricValues][] {
    const key = this.sortKey;
    const sign = this.sortDesc ? -1 : 1;
    return this.queues()
      .map((q): [string, MetricValues] => [q, this.rows.get(q) ?? {}])
      .sort(([qa, a], [qb, b]) => {
        if (key === "queue") return sign * qa.localeCompare(qb);
        const va = a[key] ?? -Infinity;
        const vb = b[key] ?? -Infinity;
        return va === vb ? qa.localeCompare(qb) : sign * (va < vb ? -1 : 1);
      });
  }

  private level(metric: string, value: number | null | undefined): string {
    const configured = metric === "service_level" ? this.config.thresholds : null;
    const level = levelOf(value, thresholdsFor(metric, configured));
    // Counts have no useful "good" colour; only ratios and times turn green.
    return level === "good" && metricInfo(metric).kind === "count" ? "" : level;
  }

  override render() {
    const rows = this.sorted();
    const aria = (key: string) => (this.sortKey === key ? (this.sortDesc ? "descending" : "ascending") : undefined);
    return html`
      <header>
        <h2>${this.config.title || t("queues.title")}</h2>
        <span class="badge">${windowBadge(this.config.window)}</span>
      </header>
      <div class="body">
        ${rows.length === 0
          ? html`<div class="empty">${t("queues.empty")}</div>`
          : html`<table style="--rows:${rows.length}">
              <thead>
                <tr>
                  <th @click=${() => this.sortBy("queue")} aria-sort=${aria("queue") ?? "none"}>${t("queues.queue")}</th>
                  ${COLUMNS.map(
                    (c) => html`<th
                      @click=${() => this.sortBy(c.metric)}
                      aria-sort=${aria(c.metric) ?? "none"}
                      data-metric=${c.metric}
                    >${t(c.label)}</th>`,
                  )}
                </tr>
              </thead>
              <tbody>
                ${rows.map(
                  ([queue, values]) => html`<tr data-queue=${queue}>
                    <td>${queue}</td>
                    ${COLUMNS.map(
                      (c) => html`<td class=${this.level(c.metric, values[c.metric])} data-metric=${c.metric}>
                        ${formatMetric(c.metric, values[c.metric])}
                      </td>`,
                    )}
                  </tr>`,
                )}
              </tbody>
            </table>`}
      </div>
    `;
  }
}

customElements.define("fw-queue-table", FwQueueTable);
