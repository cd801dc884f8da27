import { css, html, nothing } from "lit";
import { keyed } from "lit/directives/keyed.js";
import { alertText, bySeverity } from "../core/alerts";
import { rememberAgentNames } from "../core/agent-names";
import { api } from "../core/api";
import type { components } from "../core/api-types";
import { formatTime, t } from "../core/i18n";
import type { MessageKey } from "../core/messages";
import { comparableWithPlan, formatMetric, formatShare, fromDisplayUnit, metricLabel, ruleMetrics, toDisplayUnit, unitLabel } from "../core/metrics";
import { scopeLabel, severityLabel, stateLabel, windowLabel } from "../core/labels";
import { AdminSection, formValues, type AgentOut, type QueueOut, type TeamOut } from "./admin/section";

interface RuleOut {
  id: number;
  name: string;
  enabled: boolean;
  metric: string;
  scope: string;
  window: string;
  op: string;
  threshold: number;
  clear_threshold: number | null;
  for_s: number;
  keep_firing_for_s: number;
  repeat_interval_s: number | null;
  severity: string;
  agent_state: string | null;
  against_plan: boolean;
  channels: number[];
}

interface ChannelOut {
  id: number;
  name: string;
  kind: "webhook" | "slack" | "teams" | "email";
  settings: Record<string, unknown>;
}

type AlertOut = components["schemas"]["AlertOut"];

const WINDOWS = ["live", "5m", "15m", "60m", "today", "interval"];
const OPS = ["<", "<=", ">", ">="];
const SEVERITIES = ["critical", "warning", "info"];
const AGENT_STATES = ["available", "ringing", "on_call", "wrapup", "break", "logged_out"];
const KINDS = ["webhook", "slack", "teams", "email"] as const;
const SILENCE_MS = 3_600_000;
/** The event rule: an alert per banned phrase said on a call (docs/alerts.md, Banned phrases). */
const BANNED_PHRASE = "banned_phrase";

function isPhraseRule(metric: string): boolean {
  return metric === BANNED_PHRASE || metric.startsWith(`${BANNED_PHRASE}:`);
}

/** A rule's scope in words; `each_queue`, `each_agent` and `each_agent:team:NAME` too. */
function ruleScopeLabel(scope: string): string {
  if (!scope.startsWith("each_")) return scopeLabel(scope);
  const key = scope.startsWith("each_agent:") ? "each_agent_team" : scope;
  return t(`alertSetup.scope.${key}` as MessageKey, { team: scope.split(":")[2] ?? "" });
}

function ruleMetricLabel(metric: string): string {
  if (!isPhraseRule(metric)) return metricLabel(metric);
  const list = metric.split(":")[1];
  return list ? `${t("alertSetup.bannedPhrase")}: ${list}` : t("alertSetup.bannedPhrase");
}
const REFRESH_MS = 15_000;

function optional(data: FormData, name: string): string | null {
  const text = String(data.get(name) ?? "").trim();
  return text === "" ? null : text;
}

/** A threshold as entered: a share of the plan in % for rules against the plan, else in the
 * metric's display unit. */
function threshold(metric: string, againstPlan: boolean, text: string): number {
  return againstPlan ? Number(text) / 100 : fromDisplayUnit(metric, Number(text)) ?? 0;
}

function ruleFields(data: FormData, channels: number[]): Omit<RuleOut, "id"> {
  const metric = String(data.get("metric"));
  const againstPlan = data.get("against_plan") === "on";
  const clear = optional(data, "clear_threshold");
  const repeat = optional(data, "repeat_interval_s");
  return {
    name: String(data.get("name") ?? "").trim(),
    enabled: true,
    metric,
    scope: String(data.get("scope")),
    window: String(data.get("window")),
    op: String(data.get("op")),
    threshold: threshold(metric, againstPlan, String(data.get("threshold"))),
    clear_threshold: clear === null ? null : threshold(metric, againstPlan, clear),
    for_s: Number(data.get("for_s") || 0),
    keep_firing_for_s: Number(data.get("keep_firing_for_s") || 0),
    repeat_interval_s: repeat === null ? null : Number(repeat),
    severity: String(data.get("severity")),
    agent_state: metric === "time_in_state" ? String(data.get("agent_state")) : null,
    against_plan: againstPlan,
    channels,
  };
}

function channelSettings(kind: string, data: FormData): Record<string, unknown> {
  if (kind === "email") {
    const settings: Record<string, unknown> = {
      kind,
      to: String(data.get("to") ?? "").split(",").map((a) => a.trim()).filter(Boolean),
      from_address: String(data.get("from_address") ?? "").trim(),
      smtp_host: String(data.get("smtp_host") ?? "").trim(),
      smtp_port: Number(data.get("smtp_port") || 587),
      security: String(data.get("security")),
    };
    const username = optional(data, "username");
    if (username) settings.username = username;
    const password = optional(data, "password");
    if (password) settings.password = password;
    return settings;
  }
  const settings: Record<string, unknown> = { kind, url: String(data.get("url") ?? "").trim() };
  const secret = optional(data, "secret");
  if (kind === "webhook" && secret) settings.secret = secret;
  return settings;
}

/** `/alerts`: what is open now (acknowledge, silence for an hour), the threshold rules (create,
 * change, switch off, delete) and the channels notifications go to. Staff only; the API keeps
 * team leads to rules of their own teams and never returns a channel's secrets. */
export class FwAlertSetup extends AdminSection {
  static override properties = {
    ...AdminSection.properties,
    open: { state: true },
    rules: { state: true },
    channels: { state: true },
    scopes: { state: true },
    metric: { state: true },
    againstPlan: { state: true },
    kind: { state: true },
    editing: { state: true },
    generation: { state: true },
  };
  declare open: AlertOut[];
  declare rules: RuleOut[];
  declare channels: ChannelOut[];
  declare scopes: string[];
  /** The metric chosen in the rule form (its unit labels the thresholds). */
  declare metric: string;
  /** The rule form compares the day's figure with the day plan (thresholds in % of it). */
  declare againstPlan: boolean;
  /** The kind chosen in the channel form (it decides the fields). */
  declare kind: (typeof KINDS)[number];
  /** The rule loaded into the form, or null for a new one. */
  declare editing: RuleOut | null;
  /** Counts saved rules: a new number renders a new, empty rule form. */
  declare generation: number;

  static override styles = [
    ...AdminSection.styles,
    css`
      .sev { font-weight: 800; font-size: 0.75rem; letter-spacing: 0.06em; text-transform: uppercase; }
      .sev.critical { color: var(--crit); }
      .sev.warning { color: var(--warn); }
      .sev.info { color: var(--info); }
      fieldset { display: flex; flex-wrap: wrap; gap: 0.3rem 0.9rem; border: 1px solid var(--line); border-radius: 0.45rem; padding: 0.3rem 0.7rem 0.45rem; margin: 0; }
      legend { padding: 0 0.3rem; }
      td.actions { display: flex; gap: 0.4rem; }
      td.actions button { padding: 0.2rem 0.6rem; font-size: 0.8rem; }
      .said { margin-top: 0.2rem; font-style: italic; overflow-wrap: anywhere; }
      .hint { flex: 1 1 100%; margin: 0; }
    `,
  ];

  private timer = 0;

  constructor() {
    super();
    this.canEdit = true;
    this.open = [];
    this.rules = [];
    this.channels = [];
    this.scopes = ["tenant", "each_queue", "each_agent"];
    this.metric = "service_level";
    this.againstPlan = false;
    this.kind = "webhook";
    this.editing = null;
    this.generation = 0;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.timer = window.setInterval(() => void this.run(() => this.loadOpen(), false), REFRESH_MS);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.clearInterval(this.timer);
  }

  private async loadOpen(): Promise<void> {
    this.open = bySeverity(await api<AlertOut[]>("GET", "/v1/alerts?state=firing&state=pending"));
  }

  protected async reload(): Promise<void> {
    const [rules, channels, queues, teams, agents] = await Promise.all([
      api<RuleOut[]>("GET", "/v1/alert-rules"),
      api<ChannelOut[]>("GET", "/v1/alert-channels"),
      api<QueueOut[]>("GET", "/v1/queues"),
      api<TeamOut[]>("GET", "/v1/teams"),
      api<AgentOut[]>("GET", "/v1/agents/roster"),
      this.loadOpen(),
    ]);
    this.rules = rules;
    this.channels = channels;
    rememberAgentNames(agents);
    this.scopes = [
      "tenant",
      "each_queue",
      "each_agent",
      ...queues.map((q) => `queue:${q.name}`),
      ...teams.flatMap((team) => [`team:${team.name}`, `each_agent:team:${team.name}`]),
      ...agents.map((a) => `agent:${a.external_id}`),
    ];
  }

  // -- open alerts ---------------------------------------------------------------------------

  private async acknowledge(alert: AlertOut): Promise<void> {
    await this.run(() => api("POST", `/v1/alerts/${alert.id}/acknowledge`, {}));
  }

  private async silence(alert: AlertOut): Promise<void> {
    const until = new Date(Date.now() + SILENCE_MS).toISOString();
    await this.run(() => api("POST", `/v1/alerts/${alert.id}/silence`, { until }));
  }

  private async unsilence(alert: AlertOut): Promise<void> {
    await this.run(() => api("DELETE", `/v1/alerts/${alert.id}/silence`));
  }

  private openTable() {
    if (this.open.length === 0) return html`<p class="muted" data-testid="no-open-alerts">${t("alerts.noneDetail")}</p>`;
    return html`<div class="scroll"><table data-testid="open-alerts">
      <thead><tr><th>${t("alertSetup.severity")}</th><th>${t("alertSetup.alert")}</th><th>${t("alertSetup.state")}</th>
        <th class="num">${t("alertSetup.value")}</th><th>${t("alertSetup.since")}</th><th></th></tr></thead>
      <tbody>${this.open.map((a) => html`<tr data-alert=${a.id}>
        <td class="sev ${a.severity}">${severityLabel(a.severity)}</td>
        <td>${alertText(a)}${a.phrase?.text
          ? html`<div class="said" data-testid="said"><span class="muted">${t("alerts.said")}:</span> ${a.phrase.text}</div>`
          : nothing}</td>
        <td>${t(`alertSetup.state.${a.state}` as MessageKey)}${a.acknowledged_by ? html` · ${t("alerts.acked", { who: a.acknowledged_by })}` : nothing}
          ${a.silenced_until ? html` · ${t("alertSetup.silencedUntil", { time: formatTime(Date.parse(a.silenced_until), false) })}` : nothing}</td>
        <td class="num">${a.phrase ? "" : formatMetric(a.metric, a.value)}</td>
        <td>${formatTime(Date.parse(a.started_at), false)}</td>
        <td class="actions">
          ${a.state === "firing" && !a.acknowledged_by
            ? html`<button data-action="ack" @click=${() => this.acknowledge(a)}>${t("alerts.ack")}</button>`
            : nothing}
          ${a.silenced_until
            ? html`<button data-action="unsilence" @click=${() => this.unsilence(a)}>${t("alertSetup.unsilence")}</button>`
            : html`<button data-action="silence" @click=${() => this.silence(a)}>${t("alertSetup.silence")}</button>`}
        </td></tr>`)}</tbody></table></div>`;
  }

  // -- rules ---------------------------------------------------------------------------------

  private async saveRule(event: Event): Promise<void> {
    const form = event.target as HTMLFormElement;
    const data = formValues(event);
    const channels = [...form.querySelectorAll<HTMLInputElement>("input[name=channel]:checked")].map((c) => Number(c.value));
    const body = ruleFields(data, channels);
    const editing = this.editing;
    const saved = await this.run(() =>
      editing
        ? api("PUT", `/v1/alert-rules/${editing.id}`, { ...body, enabled: editing.enabled })
        : api("POST", "/v1/alert-rules", body),
    );
    if (saved) this.closeForm();
  }

  private closeForm(): void {
    this.editing = null;
    this.metric = "service_level";
    this.againstPlan = false;
    this.generation += 1;
  }

  private edit(rule: RuleOut): void {
    this.editing = rule;
    this.metric = rule.metric;
    this.againstPlan = rule.against_plan;
    this.generation += 1;
    this.renderRoot.querySelector("[data-form=rule]")?.scrollIntoView({ block: "start" });
  }

  private async toggle(rule: RuleOut, enabled: boolean): Promise<void> {
    await this.run(() => api("PATCH", `/v1/alert-rules/${rule.id}`, { enabled }));
  }

  private async deleteRule(rule: RuleOut): Promise<void> {
    if (confirm(t("admin.confirmDelete", { name: rule.name }))) {
      await this.run(() => api("DELETE", `/v1/alert-rules/${rule.id}`));
    }
  }

  private condition(rule: RuleOut): string {
    if (isPhraseRule(rule.metric)) return ruleMetricLabel(rule.metric);
    const what = rule.metric === "time_in_state" ? `${metricLabel(rule.metric)} (${stateLabel(rule.agent_state ?? "")})` : metricLabel(rule.metric);
    const window = rule.window === "live" ? "" : ` (${windowLabel(rule.window)})`;
    if (rule.against_plan) return `${what}${window} ${rule.op} ${t("alertSetup.shareOfPlan", { share: formatShare(rule.threshold) })}`;
    return `${what}${window} ${rule.op} ${formatMetric(rule.metric, rule.threshold)}`;
  }

  private ruleForm() {
    const rule = this.editing;
    const metric = this.metric;
    const planOffered = comparableWithPlan(metric);
    const againstPlan = this.againstPlan && planOffered;
    const unit = againstPlan ? t("alertSetup.percentOfPlan") : unitLabel(metric);
    const shown = (value: number | null | undefined) =>
      value === null || value === undefined ? "" : String(againstPlan ? Math.round(value * 10000) / 100 : toDisplayUnit(metric, value));
    const scopes = rule && !this.scopes.includes(rule.scope) ? [rule.scope, ...this.scopes] : this.scopes;
    // keyed on the rule (and on each save), so that loading another rule replaces every field
    return keyed(`${rule?.id ?? "new"}-${this.generation}`, html`<form data-form="rule" data-editing=${rule?.id ?? ""} @submit=${this.saveRule}>
      <label>${t("admin.name")}<input name="name" required maxlength="200" .value=${rule?.name ?? ""} /></label>
      <label>${t("plans.metric")}<select name="metric" @change=${(e: Event) => (this.metric = (e.target as HTMLSelectElement).value)}>
        ${[...ruleMetrics(), ...(isPhraseRule(metric) && metric !== BANNED_PHRASE ? [metric] : []), BANNED_PHRASE].map(
          (m) => html`<option value=${m} ?selected=${m === metric}>${ruleMetricLabel(m)}</option>`,
        )}</select></label>
      ${metric === "time_in_state"
        ? html`<label>${t("alertSetup.agentState")}<select name="agent_state">${AGENT_STATES.map(
            (s) => html`<option value=${s} ?selected=${s === (rule?.agent_state ?? "break")}>${stateLabel(s)}</option>`,
          )}</select></label>`
        : nothing}
      <label>${t("plans.scope")}<select name="scope">${scopes.map(
        (s) => html`<option value=${s} ?selected=${s === (rule?.scope ?? "tenant")}>${ruleScopeLabel(s)}</option>`,
      )}</select></label>
      ${isPhraseRule(metric)
        ? html`<input type="hidden" name="window" value="live" /><input type="hidden" name="op" value=">" />
            <input type="hidden" name="threshold" value="0" /><p class="muted hint" data-testid="phrase-rule-hint">${t("alertSetup.bannedPhraseHint")}</p>`
        : html`${planOffered
          ? html`<label class="check"><input type="checkbox" name="against_plan" .checked=${againstPlan}
              @change=${(e: Event) => (this.againstPlan = (e.target as HTMLInputElement).checked)} />${t("alertSetup.againstPlan")}</label>`
          : nothing}
      ${againstPlan
        ? html`<input type="hidden" name="window" value="today" /><p class="muted hint" data-testid="plan-rule-hint">${t("alertSetup.againstPlanHint")}</p>`
        : html`<label>${t("alertSetup.window")}<select name="window">${WINDOWS.map(
        (w) => html`<option value=${w} ?selected=${w === (rule?.window ?? "live")}>${windowLabel(w)}</option>`,
      )}</select></label>`}
      <label>${t("alertSetup.when")}<select name="op">${OPS.map(
        (op) => html`<option value=${op} ?selected=${op === (rule?.op ?? "<")}>${op}</option>`,
      )}</select></label>
      <label>${t("alertSetup.threshold")}${unit ? ` (${unit})` : ""}<input name="threshold" type="number" step="any" required .value=${shown(rule?.threshold)} /></label>
      <label>${t("alertSetup.clearThreshold")}${unit ? ` (${unit})` : ""}<input name="clear_threshold" type="number" step="any" .value=${shown(rule?.clear_threshold)} /></label>
      <label>${t("alertSetup.forS")}<input name="for_s" type="number" min="0" step="any" .value=${String(rule?.for_s ?? 0)} /></label>`}
      <label>${t("alertSetup.keepFiringS")}<input name="keep_firing_for_s" type="number" min="0" step="any" .value=${String(rule?.keep_firing_for_s ?? 0)} /></label>
      <label>${t("alertSetup.repeatS")}<input name="repeat_interval_s" type="number" min="1" step="any" .value=${rule?.repeat_interval_s === null || rule?.repeat_interval_s === undefined ? "" : String(rule.repeat_interval_s)} /></label>
      <label>${t("alertSetup.severity")}<select name="severity">${SEVERITIES.map(
        (s) => html`<option value=${s} ?selected=${s === (rule?.severity ?? "warning")}>${severityLabel(s)}</option>`,
      )}</select></label>
      ${this.channels.length
        ? html`<fieldset><legend class="muted">${t("alertSetup.channels")}</legend>${this.channels.map(
            (c) => html`<label class="check"><input type="checkbox" name="channel" value=${c.id} .checked=${rule?.channels.includes(c.id) ?? false} />${c.name}</label>`,
          )}</fieldset>`
        : nothing}
      <button class="primary" type="submit">${rule ? t("admin.save") : t("admin.create")}</button>
      ${rule ? html`<button type="button" data-action="cancel" @click=${() => this.closeForm()}>${t("edit.cancel")}</button>` : nothing}
    </form>`);
  }

  private rulesTable() {
    if (this.rules.length === 0) return html`<p class="muted">${t("alertSetup.noRules")}</p>`;
    const names = new Map(this.channels.map((c) => [c.id, c.name]));
    return html`<div class="scroll"><table data-testid="rules">
      <thead><tr><th>${t("alertSetup.on")}</th><th>${t("admin.name")}</th><th>${t("alertSetup.condition")}</th>
        <th>${t("plans.scope")}</th><th class="num">${t("alertSetup.forS")}</th><th>${t("alertSetup.severity")}</th>
        <th>${t("alertSetup.channels")}</th><th></th></tr></thead>
      <tbody>${this.rules.map((r) => html`<tr data-rule=${r.name} class=${r.enabled ? "" : "off"}>
        <td><input type="checkbox" aria-label=${t("alertSetup.on")} .checked=${r.enabled}
          @change=${(e: Event) => this.toggle(r, (e.target as HTMLInputElement).checked)} /></td>
        <td>${r.name}</td><td>${this.condition(r)}</td><td>${ruleScopeLabel(r.scope)}</td>
        <td class="num">${r.for_s}</td><td class="sev ${r.severity}">${severityLabel(r.severity)}</td>
        <td>${r.channels.map((id) => names.get(id) ?? `#${id}`).join(", ") || "—"}</td>
        <td class="actions"><button data-action="edit" @click=${() => this.edit(r)}>${t("nav.edit")}</button>
          <button class="danger" @click=${() => this.deleteRule(r)}>${t("admin.delete")}</button></td>
      </tr>`)}</tbody></table></div>`;
  }

  // -- channels ------------------------------------------------------------------------------

  private async createChannel(event: Event): Promise<void> {
    const form = event.target as HTMLFormElement;
    const data = formValues(event);
    const body = { name: String(data.get("name") ?? "").trim(), settings: channelSettings(this.kind, data) };
    if (await this.run(() => api("POST", "/v1/alert-channels", body))) form.reset();
  }

  private async deleteChannel(channel: ChannelOut): Promise<void> {
    if (confirm(t("admin.confirmDelete", { name: channel.name }))) {
      await this.run(() => api("DELETE", `/v1/alert-channels/${channel.id}`));
    }
  }

  private channelForm() {
    const kind = this.kind;
    const fields =
      kind === "email"
        ? html`<label>${t("alertSetup.to")}<input name="to" required placeholder="lead@example.com, ops@example.com" /></label>
            <label>${t("alertSetup.from")}<input name="from_address" required /></label>
            <label>${t("alertSetup.smtpHost")}<input name="smtp_host" required /></label>
            <label>${t("alertSetup.smtpPort")}<input name="smtp_port" type="number" min="1" max="65535" value="587" /></label>
            <label>${t("alertSetup.security")}<select name="security"><option value="starttls">STARTTLS</option>
              <option value="tls">TLS</option><option value="none">${t("alertSetup.securityNone")}</option></select></label>
            <label>${t("alertSetup.username")}<input name="username" autocomplete="off" /></label>
            <label>${t("alertSetup.password")}<input name="password" type="password" autocomplete="new-password" /></label>`
        : html`<label style="flex: 1 1 22rem">URL<input name="url" type="url" required placeholder="https://" /></label>
            ${kind === "webhook"
              ? html`<label>${t("alertSetup.secret")}<input name="secret" type="password" minlength="16" autocomplete="new-password" /></label>`
              : nothing}`;
    return html`<form data-form="channel" @submit=${this.createChannel}>
      <label>${t("admin.name")}<input name="name" required maxlength="200" /></label>
      <label>${t("alertSetup.kind")}<select name="kind" @change=${(e: Event) => (this.kind = (e.target as HTMLSelectElement).value as FwAlertSetup["kind"])}>
        ${KINDS.map((k) => html`<option value=${k} ?selected=${k === kind}>${t(`alertSetup.kind.${k}` as MessageKey)}</option>`)}</select></label>
      ${fields}
      <button class="primary" type="submit">${t("admin.create")}</button>
    </form>`;
  }

  private channelTarget(channel: ChannelOut): string {
    const settings = channel.settings;
    if (channel.kind === "email") return (settings.to as string[]).join(", ");
    return String(settings.url ?? "");
  }

  private channelsTable() {
    if (this.channels.length === 0) return html`<p class="muted">${t("alertSetup.noChannels")}</p>`;
    return html`<div class="scroll"><table data-testid="channels">
      <thead><tr><th>${t("admin.name")}</th><th>${t("alertSetup.kind")}</th><th>${t("alertSetup.target")}</th><th></th></tr></thead>
      <tbody>${this.channels.map((c) => html`<tr data-channel=${c.name}>
        <td>${c.name}</td><td>${t(`alertSetup.kind.${c.kind}` as MessageKey)}</td><td>${this.channelTarget(c)}</td>
        <td class="actions"><button class="danger" @click=${() => this.deleteChannel(c)}>${t("admin.delete")}</button></td>
      </tr>`)}</tbody></table></div>`;
  }

  override render() {
    return html`
      <h1>${t("alertSetup.title")}</h1>
      ${this.status()}
      <section><h2>${t("alertSetup.open")}</h2>${this.openTable()}</section>
      <section><h2>${this.editing ? t("alertSetup.editRule", { name: this.editing.name }) : t("alertSetup.newRule")}</h2>
        ${this.ruleForm()}</section>
      <section><h2>${t("alertSetup.rules")}</h2>${this.rulesTable()}</section>
      <section><h2>${t("alertSetup.newChannel")}</h2>${this.channelForm()}</section>
      <section><h2>${t("alertSetup.channelsTitle")}</h2>${this.channelsTable()}</section>
    `;
  }
}

customElements.define("fw-alert-setup", FwAlertSetup);
