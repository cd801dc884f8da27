import { css, html, nothing } from "lit";
import { wall } from "../core/context";
import { t } from "../core/i18n";
import { clampWidget, COLUMNS } from "../core/layout";
import type { MessageKey } from "../core/messages";
import { fromDisplayUnit, liveMetrics, metricInfo, metricLabel, thresholdsFor, toDisplayUnit, unitLabel } from "../core/metrics";
import type { Direction, OptionValue, Thresholds, WidgetConfig } from "../core/types";
import { stateLabel, windowLabel } from "../core/labels";
import { LocalizedElement } from "./localized";
import { AGENT_STATS_SORTS } from "../widgets/fw-agent-stats";
import { RANK_BY } from "../widgets/fw-leaderboard";
import { FUNNEL_COUNTS, FUNNEL_PERIODS, funnelPeriod, funnelPipeline } from "../widgets/fw-funnel";
import { reset } from "./theme";

const WITH_METRIC = new Set(["kpi", "gauge", "chart"]);
const WITH_WINDOW = new Set([
  "kpi", "gauge", "chart", "queue_table", "leaderboard", "agent_stats", "phrases",
]);
const WITH_THRESHOLDS = new Set(["kpi", "gauge", "chart", "queue_table"]);
const WITH_SCOPE = new Set(["kpi", "gauge", "chart", "alerts", "callbacks", "stalled_deals"]);

/** The form that configures one widget: what it shows (metric, scope, window), its
 * thresholds in the metric's own unit (percent for ratios, seconds for times), its options
 * and its place. Every change is sent up at once (`widget-change`), so the grid previews it. */
export class FwWidgetEditor extends LocalizedElement {
  static override properties = { widget: { attribute: false } };
  declare widget: WidgetConfig;

  static override styles = [reset, css`
    :host {
      display: block;
      flex: none;
      width: 22rem;
      height: 100%;
      overflow-y: auto;
      background: #0d1528;
      border-left: 1px solid var(--line);
      padding: 1rem 1.2rem 2rem;
      font-size: 0.9rem;
    }
    h3 {
      margin: 0 0 0.8rem;
      font-size: 1.05rem;
      display: flex;
      justify-content: space-between;
      align-items: center;
    }
    fieldset {
      border: 1px solid var(--line);
      border-radius: 0.5rem;
      padding: 0.6rem 0.8rem 0.8rem;
      margin: 0 0 0.9rem;
    }
    legend { color: var(--muted); font-size: 0.8rem; padding: 0 0.3rem; }
    label {
      display: grid;
      gap: 0.25rem;
      margin-bottom: 0.6rem;
      color: var(--muted);
      font-size: 0.8rem;
    }
    label.inline { display: flex; align-items: center; gap: 0.45rem; color: var(--text); font-size: 0.88rem; margin: 0.2rem 0; }
    input, select {
      font: inherit;
      font-size: 0.92rem;
      color: var(--text);
      background: var(--bg-2);
      border: 1px solid var(--line);
      border-radius: 0.4rem;
      padding: 0.4rem 0.5rem;
      width: 100%;
    }
    input[type="checkbox"] { width: auto; }
    p.hint { margin: 0 0 0.6rem; color: var(--warn); font-size: 0.8rem; }
    .row { display: grid; grid-template-columns: 1fr 1fr; gap: 0.6rem; }
    .row4 { display: grid; grid-template-columns: repeat(4, 1fr); gap: 0.5rem; }
    button {
      font: inherit;
      color: var(--text);
      background: var(--accent);
      color: #04121f;
      font-weight: 650;
      border: 0;
      border-radius: 0.4rem;
      padding: 0.35rem 0.9rem;
      cursor: pointer;
    }
  `];

  private change(patch: Partial<WidgetConfig>): void {
    this.dispatchEvent(new CustomEvent("widget-change", { detail: clampWidget({ ...this.widget, ...patch }) }));
  }

  private option(name: string, value: OptionValue): void {
    const options = { ...this.widget.options };
    if (value === "" || value === null || (Array.isArray(value) && value.length === 0)) delete options[name];
    else options[name] = value;
    this.change({ options });
  }

  /** Targets are day plans, compared with the day so far: ticking them also picks `today`. */
  private showTargets(on: boolean): void {
    const options = { ...this.widget.options };
    if (on) options.targets = true;
    else delete options.targets;
    this.change(on ? { options, window: "today" } : { options });
  }

  private thresholds(patch: Partial<Thresholds>): void {
    const metric = this.metricForThresholds();
    const defaults = thresholdsFor(metric, null, this.widget.scope);
    const base: Thresholds = this.widget.thresholds ?? {
      direction: metricInfo(metric).bad,
      warn: defaults?.warn ?? null,
      crit: defaults?.crit ?? null,
    };
    this.change({ thresholds: { ...base, ...patch } });
  }

  private metricForThresholds(): string {
    return this.widget.type === "queue_table" ? "service_level" : (this.widget.metric ?? "");
  }

  private number(event: Event): number | null {
    const raw = (event.target as HTMLInputElement).value.trim();
    return raw === "" ? null : Number(raw.replace(",", "."));
  }

  private scopeFields() {
    const [kind, ...rest] = this.widget.scope.split(":");
    const name = rest.join(":");
    const kinds =
      this.widget.type === "alerts"
        ? ["tenant", "queue", "team"]
        : this.widget.type === "callbacks"
          ? ["tenant", "queue"]
          : this.widget.type === "stalled_deals"
            ? ["tenant", "pipeline", "team"]
            : ["tenant", "queue", "team", "agent", "pipeline"];
    const names = this.scopeNames(kind, name);
    const setScope = (k: string, n: string) => this.change({ scope: k === "tenant" ? "tenant" : `${k}:${n}` });
    return html`<div class="row">
      <label>${t("edit.scope")}
        <select name="scope-kind" @change=${(e: Event) => {
          const k = (e.target as HTMLSelectElement).value;
          setScope(k, this.scopeNames(k, "")[0] ?? "");
        }}>
          ${kinds.map((k) => html`<option value=${k} ?selected=${k === kind}>${t(`scope.${k}` as MessageKey)}</option>`)}
        </select>
      </label>
      ${kind === "tenant"
        ? nothing
        : html`<label>${t("edit.scopeName")}
            ${names.length
              ? html`<select name="scope-name" @change=${(e: Event) => setScope(kind, (e.target as HTMLSelectElement).value)}>
                  ${names.map((n) => html`<option value=${n} ?selected=${n === name}>${n}</option>`)}
                </select>`
              : html`<input name="scope-name" .value=${name} @change=${(e: Event) => setScope(kind, (e.target as HTMLInputElement).value.trim())} />`}
          </label>`}
    </div>`;
  }

  /** The names the editor offers for a kind of scope (a name set through the API too). */
  private scopeNames(kind: string, current: string): string[] {
    const known =
      kind === "queue"
        ? wall.options.queues
        : kind === "team"
          ? wall.options.teams
          : kind === "pipeline"
            ? (wall.options.pipelines ?? [])
            : [];
    return current && known.length && !known.includes(current) ? [...known, current] : known;
  }

  private funnelOptions() {
    const o = this.widget.options;
    const pipeline = funnelPipeline(this.widget);
    return html`<label>${t("edit.pipeline")}
        <select name="pipeline" @change=${(e: Event) => this.change({ scope: `pipeline:${(e.target as HTMLSelectElement).value}` })}>
          ${this.scopeNames("pipeline", pipeline).map((p) => html`<option value=${p} ?selected=${p === pipeline}>${p}</option>`)}
        </select>
      </label>
      <label>${t("edit.teamFilter")}
        <select name="team" @change=${(e: Event) => this.option("team", (e.target as HTMLSelectElement).value)}>
          <option value="">${t("edit.allTeams")}</option>
          ${wall.options.teams.map((team) => html`<option value=${team} ?selected=${o.team === team}>${team}</option>`)}
        </select>
      </label>
      <label>${t("edit.period")}
        <select name="period" @change=${(e: Event) => this.option("period", (e.target as HTMLSelectElement).value)}>
          ${FUNNEL_PERIODS.map((p) => html`<option value=${p} ?selected=${funnelPeriod(this.widget) === p}>${t(`funnel.period.${p}`)}</option>`)}
        </select>
      </label>
      <label>${t("edit.funnelCount")}
        <select name="count" @change=${(e: Event) => this.option("count", (e.target as HTMLSelectElement).value)}>
          ${FUNNEL_COUNTS.map((c) => html`<option value=${c} ?selected=${(o.count ?? "any_path") === c}>${t(`funnel.count.${c}`)}</option>`)}
        </select>
      </label>`;
  }

  private metricField() {
    const gauge = this.widget.type === "gauge";
    const names = liveMetrics().filter((m) => !gauge || metricInfo(m).kind === "ratio");
    return html`<label>${t("edit.metric")}
      <select name="metric" @change=${(e: Event) => this.change({ metric: (e.target as HTMLSelectElement).value, thresholds: null })}>
        ${names.map((m) => html`<option value=${m} ?selected=${m === this.widget.metric}>${metricLabel(m)}</option>`)}
      </select>
    </label>`;
  }

  private thresholdFields() {
    const metric = this.metricForThresholds();
    const current = thresholdsFor(metric, this.widget.thresholds, this.widget.scope);
    const unit = unitLabel(metric);
    return html`<fieldset>
      <legend>${t("edit.thresholds")}${unit ? ` (${unit})` : ""}</legend>
      <label>${t("edit.direction")}
        <select name="direction" @change=${(e: Event) => this.thresholds({ direction: (e.target as HTMLSelectElement).value as Direction })}>
          ${(["above", "below"] as Direction[]).map(
            (d) => html`<option value=${d} ?selected=${(current?.direction ?? metricInfo(metric).bad) === d}>${t(`edit.direction.${d}`)}</option>`,
          )}
        </select>
      </label>
      <div class="row">
        <label>${t("edit.warn")}
          <input name="warn" type="number" step="any" .value=${String(toDisplayUnit(metric, current?.warn ?? null) ?? "")}
            @change=${(e: Event) => this.thresholds({ warn: fromDisplayUnit(metric, this.number(e)) })} />
        </label>
        <label>${t("edit.crit")}
          <input name="crit" type="number" step="any" .value=${String(toDisplayUnit(metric, current?.crit ?? null) ?? "")}
            @change=${(e: Event) => this.thresholds({ crit: fromDisplayUnit(metric, this.number(e)) })} />
        </label>
      </div>
    </fieldset>`;
  }

  private typeOptions() {
    const o = this.widget.options;
    switch (this.widget.type) {
      case "agent_board": {
        const states = Array.isArray(o.states) ? o.states : [];
        return html`<label>${t("edit.teamFilter")}
            <select name="team" @change=${(e: Event) => this.option("team", (e.target as HTMLSelectElement).value)}>
              <option value="">${t("edit.allTeams")}</option>
              ${wall.options.teams.map((team) => html`<option value=${team} ?selected=${o.team === team}>${team}</option>`)}
            </select>
          </label>
          <fieldset><legend>${t("edit.states")}</legend>
            ${wall.options.agent_states.map(
              (s) => html`<label class="inline"><input type="checkbox" name="state-${s}" .checked=${states.length ? states.includes(s) : s !== "logged_out"}
                @change=${(e: Event) => {
                  const on = (e.target as HTMLInputElement).checked;
                  const base = states.length ? states : wall.options.agent_states.filter((x) => x !== "logged_out");
                  this.option("states", on ? [...new Set([...base, s])] : base.filter((x) => x !== s));
                }} />${stateLabel(s)}</label>`,
            )}
          </fieldset>`;
      }
      case "leaderboard":
        return html`<div class="row">
            <label>${t("edit.rankBy")}
              <select name="by" @change=${(e: Event) => this.option("by", (e.target as HTMLSelectElement).value)}>
                ${RANK_BY.map((b) => html`<option value=${b} ?selected=${(o.by ?? "revenue") === b}>${metricLabel(b)}</option>`)}
              </select>
            </label>
            <label>${t("edit.limit")}
              <input name="limit" type="number" min="1" max="50" .value=${String(o.limit ?? 5)} @change=${(e: Event) => this.option("limit", this.number(e))} />
            </label>
          </div>
          <label>${t("edit.teamFilter")}
            <select name="team" @change=${(e: Event) => this.option("team", (e.target as HTMLSelectElement).value)}>
              <option value="">${t("edit.allTeams")}</option>
              ${wall.options.teams.map((team) => html`<option value=${team} ?selected=${o.team === team}>${team}</option>`)}
            </select>
          </label>
          <label class="inline"><input type="checkbox" name="targets" .checked=${o.targets === true}
            @change=${(e: Event) => this.showTargets((e.target as HTMLInputElement).checked)} />${t("edit.showTargets")}</label>
          ${o.targets === true && this.widget.window !== "today"
            ? html`<p class="hint" data-testid="targets-hint">${t("edit.targetsTodayOnly")}</p>`
            : nothing}`;
      case "phrases":
        return html`<div class="row">
            <label>${t("edit.phraseList")}
              <input name="list" .value=${typeof o.list === "string" ? o.list : ""} @change=${(e: Event) => this.option("list", (e.target as HTMLInputElement).value)} />
            </label>
            <label>${t("edit.limit")}
              <input name="limit" type="number" min="1" max="50" .value=${String(o.limit ?? 8)} @change=${(e: Event) => this.option("limit", this.number(e))} />
            </label>
          </div>
          <label>${t("edit.teamFilter")}
            <select name="team" @change=${(e: Event) => this.option("team", (e.target as HTMLSelectElement).value)}>
              <option value="">${t("edit.allTeams")}</option>
              ${wall.options.teams.map((team) => html`<option value=${team} ?selected=${o.team === team}>${team}</option>`)}
            </select>
          </label>`;
      case "queue_table": {
        const chosen = Array.isArray(o.queues) ? o.queues : [];
        return html`<fieldset><legend>${t("edit.queues")}</legend>
          ${wall.options.queues.map(
            (q) => html`<label class="inline"><input type="checkbox" name="queue-${q}" .checked=${chosen.includes(q)}
              @change=${(e: Event) => {
                const on = (e.target as HTMLInputElement).checked;
                this.option("queues", on ? [...chosen, q] : chosen.filter((x) => x !== q));
              }} />${q}</label>`,
          )}
        </fieldset>`;
      }
      case "agent_stats":
        return html`<label>${t("edit.sortBy")}
            <select name="sort" @change=${(e: Event) => this.option("sort", (e.target as HTMLSelectElement).value)}>
              ${AGENT_STATS_SORTS.map(
                (key) => html`<option value=${key} ?selected=${(o.sort ?? "in_state") === key}>${t(`agentStats.sort.${key}`)}</option>`,
              )}
            </select>
          </label>
          <label>${t("edit.teamFilter")}
            <select name="team" @change=${(e: Event) => this.option("team", (e.target as HTMLSelectElement).value)}>
              <option value="">${t("edit.allTeams")}</option>
              ${wall.options.teams.map((team) => html`<option value=${team} ?selected=${o.team === team}>${team}</option>`)}
            </select>
          </label>`;
      case "funnel":
        return this.funnelOptions();
      case "chart":
        return html`<label>${t("edit.minutes")}
          <input name="minutes" type="number" min="5" max="65" .value=${String(o.minutes ?? 60)} @change=${(e: Event) => this.option("minutes", this.number(e))} />
        </label>`;
      default:
        return nothing;
    }
  }

  override render() {
    const w = this.widget;
    const type = w.type;
    return html`
      <h3>${t(`widget.${type}` as MessageKey)}
        <button data-action="done" @click=${() => this.dispatchEvent(new CustomEvent("close"))}>${t("edit.done")}</button>
      </h3>
      <label>${t("edit.titleField")}
        <input name="title" .value=${w.title} placeholder=${t("edit.titlePlaceholder")}
          @input=${(e: Event) => this.change({ title: (e.target as HTMLInputElement).value })} />
      </label>
      ${WITH_METRIC.has(type) ? this.metricField() : nothing}
      ${WITH_SCOPE.has(type) ? this.scopeFields() : nothing}
      ${WITH_WINDOW.has(type)
        ? html`<label>${t("edit.window")}
            <select name="window" @change=${(e: Event) => this.change({ window: (e.target as HTMLSelectElement).value })}>
              ${wall.options.windows.map((win) => html`<option value=${win} ?selected=${win === w.window}>${windowLabel(win)}</option>`)}
            </select>
          </label>`
        : nothing}
      ${WITH_THRESHOLDS.has(type) ? this.thresholdFields() : nothing}
      ${this.typeOptions()}
      <fieldset>
        <legend>${t("edit.position")}</legend>
        <div class="row4">
          ${(["x", "y", "w", "h"] as const).map(
            (k) => html`<label>${t(`edit.${k}`)}
              <input name=${k} type="number" min=${k === "w" || k === "h" ? 1 : k === "x" ? 1 : 1}
                max=${k === "x" || k === "w" ? COLUMNS : 48}
                .value=${String(k === "x" || k === "y" ? w[k] + 1 : w[k])}
                @change=${(e: Event) => {
                  const n = this.number(e);
                  if (n !== null) this.change({ [k]: k === "x" || k === "y" ? n - 1 : n });
                }} />
            </label>`,
          )}
        </div>
      </fieldset>
    `;
  }
}

customElements.define("fw-widget-editor", FwWidgetEditor);
