import { css, html, nothing } from "lit";
import { wall } from "../core/context";
import { t } from "../core/i18n";
import type { TopicCopy } from "../core/live";
import type { MessageKey } from "../core/messages";
import { formatMetric, levelOf, metricInfo, thresholdsFor } from "../core/metrics";
import type { MetricValues } from "../core/types";
import { panel } from "../ui/theme";
import { metricTopic, wallTextPx, WidgetElement } from "./base";
import { windowBadge } from "../core/labels";
import { RowFit } from "./row-fit";

interface Column {
  metric: string;
  label: MessageKey;
}

/** Columns a narrow table leaves out, first to last, rather than cutting the table's right
 * edge (waiting now and service level always stay): first the type gets smaller, down to the
 * least size of a wall, then these columns go. */
const DROP_ORDER = ["answered", "offered", "abandoned", "asa", "aht", "longest_wait"];

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
        margin-top: 0.4rem;
        display: flex;
        flex-direction: column;
        container-type: size;
      }
      .rows { flex: 1; min-height: 0; overflow: hidden; }
      table {
        width: 100%;
        border-collapse: collapse;
        font-size: max(
          var(--wall-text),
          clamp(0.7rem, min(100cqh / (var(--rows) + 0.8) / 1.6, 100cqw / 36), 1.7rem) * var(--scale)
        );
        font-variant-numeric: tabular-nums;
      }
      th {
        text-align: right;
        font-size: max(var(--wall-text), 0.75em);
        font-weight: 600;
        letter-spacing: 0.03em;
        text-transform: uppercase;
        color: var(--muted);
        padding: 0.3em 0.4em;
        border-bottom: 1px solid var(--line);
        cursor: pointer;
        user-select: none;
        white-space: nowrap;
      }
      th:first-child, td:first-child { text-align: left; }
      th:focus-visible { outline: 2px solid var(--accent); outline-offset: -2px; }
      th[aria-sort="ascending"], th[aria-sort="descending"] { color: var(--text); }
      th[aria-sort="ascending"]::after { content: " ▲"; }
      th[aria-sort="descending"]::after { content: " ▼"; }
      td {
        text-align: right;
        padding: 0.2em 0.4em;
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
  private readonly fit = new RowFit(this, () => {
    this.dropped = 0;
    this.scale = 1;
  });
  private dropped = 0;
  private scale = 1;
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

  /** Headers sort by keyboard too (Tab to one, Enter or Space). */
  private sortKeys(event: KeyboardEvent, metric: string): void {
    if (event.key !== "Enter" && event.key !== " ") return;
    event.preventDefault();
    this.sortBy(metric);
  }

  private header(key: string, label: string, metric?: string) {
    const sort = this.sortKey === key ? (this.sortDesc ? "descending" : "ascending") : "none";
    return html`<th
      tabindex="0"
      aria-sort=${sort}
      data-metric=${metric ?? nothing}
      @click=${() => this.sortBy(key)}
      @keydown=${(e: KeyboardEvent) => this.sortKeys(e, key)}
    >${label}</th>`;
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

  private level(queue: string, metric: string, value: number | null | undefined): string {
    const configured = metric === "service_level" ? this.config.thresholds : null;
    const level = levelOf(value, thresholdsFor(metric, configured, `queue:${queue}`));
    // Counts have no useful "good" colour; only ratios and times turn green.
    return level === "good" && metricInfo(metric).kind === "count" ? "" : level;
  }

  override render() {
    const rows = this.sorted();
    const shown = rows.slice(0, this.fit.shown(rows.length));
    const left = new Set(DROP_ORDER.slice(0, this.dropped));
    const columns = COLUMNS.filter((c) => !left.has(c.metric));
    return html`
      <header>
        <h2>${this.config.title || t("queues.title")}</h2>
        <span class="badge">${windowBadge(this.config.window)}</span>
      </header>
      <div class="body">
        ${rows.length === 0
          ? html`<div class="empty">${t("queues.empty")}</div>`
          : html`<div class="rows"><table style="--rows:${rows.length};--scale:${this.scale}">
              <thead>
                <tr>
                  ${this.header("queue", t("queues.queue"))}
                  ${columns.map((c) => this.header(c.metric, t(c.label), c.metric))}
                </tr>
              </thead>
              <tbody>
                ${shown.map(
                  ([queue, values]) => html`<tr data-queue=${queue}>
                    <td>${queue}</td>
                    ${columns.map(
                      (c) => html`<td class=${this.level(queue, c.metric, values[c.metric])} data-metric=${c.metric}>
                        ${formatMetric(c.metric, values[c.metric])}
                      </td>`,
                    )}
                  </tr>`,
                )}
              </tbody>
            </table></div>
            ${shown.length < rows.length
              ? html`<div class="more" data-testid="more">${t("widget.more", { count: rows.length - shown.length })}</div>`
              : nothing}`}
      </div>
    `;
  }

  protected override updated(): void {
    const box = this.renderRoot.querySelector<HTMLElement>(".rows");
    if (box && box.scrollWidth > box.clientWidth + 1) {
      const table = box.querySelector("table");
      const font = table ? parseFloat(getComputedStyle(table).fontSize) : 0;
      const least = wallTextPx(this);
      if (font > least + 1 && this.scale > 0.6) this.scale *= 0.9;
      else if (this.dropped < DROP_ORDER.length) this.dropped++;
      else return this.fit.check(box, this.renderRoot.querySelectorAll("tbody tr"));
      this.requestUpdate();
      return;
    }
    this.fit.check(box, this.renderRoot.querySelectorAll("tbody tr"));
  }
}

customElements.define("fw-queue-table", FwQueueTable);
