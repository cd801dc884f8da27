import { html } from "lit";
import { api } from "../../core/api";
import { formatDecimal, formatPercent, t } from "../../core/i18n";
import { AdminSection, formValues, type QueueOut } from "./section";

type WrapupMode = "event" | "none" | "limit";
const WRAPUP_MODE_LABELS = {
  event: "admin.wrapupEvent",
  none: "admin.wrapupNone",
  limit: "admin.wrapupLimit",
} as const;

function wrapupMode(wrapupS: number | null): WrapupMode {
  return wrapupS === null ? "event" : wrapupS === 0 ? "none" : "limit";
}

function queueFields(data: FormData): Omit<QueueOut, "id"> {
  const mode = String(data.get("wrapup_mode") ?? "event") as WrapupMode;
  return {
    name: String(data.get("name") ?? "").trim(),
    sl_threshold_s: Number(data.get("sl_threshold_s")),
    sl_target: Number(String(data.get("sl_target") ?? "").replace(",", ".")) / 100,
    short_abandon_s: Number(data.get("short_abandon_s")),
    wrapup_s: mode === "event" ? null : mode === "none" ? 0 : Number(data.get("wrapup_s")),
  };
}

/** The seconds field counts only for a wrap-up limit; a disabled field is not submitted. */
function toggleWrapupSeconds(event: Event): void {
  const select = event.target as HTMLSelectElement;
  const seconds = select.form?.elements.namedItem("wrapup_s");
  if (seconds instanceof HTMLInputElement) seconds.disabled = select.value !== "limit";
}

function wrapupText(wrapupS: number | null): string {
  if (wrapupS === null) return t("admin.wrapupEvent");
  if (wrapupS === 0) return t("admin.wrapupNone");
  return t("admin.wrapupAtMost", { seconds: formatDecimal(wrapupS, 0) });
}

/** Queues and their thresholds: service-level threshold and target (80 % within 20 s, typed as
 * a percentage and stored as a fraction), short-abandon threshold, wrap-up
 * (until the platform ends it, none, or at most N seconds: see docs/metrics.md). */
export class FwAdminQueues extends AdminSection {
  static override properties = { ...AdminSection.properties, queues: { state: true } };
  declare queues: QueueOut[];

  constructor() {
    super();
    this.queues = [];
  }

  protected async reload(): Promise<void> {
    this.queues = await api<QueueOut[]>("GET", "/v1/queues");
  }

  private async create(event: Event): Promise<void> {
    const form = event.target as HTMLFormElement;
    if (await this.run(() => api("POST", "/v1/queues", queueFields(formValues(event))))) form.reset();
  }

  private async saveQueue(queue: QueueOut, event: Event): Promise<void> {
    await this.run(() => api("PATCH", `/v1/queues/${queue.id}`, queueFields(formValues(event))));
  }

  private async deleteItem(queue: QueueOut): Promise<void> {
    if (confirm(t("admin.confirmDelete", { name: queue.name }))) {
      await this.run(() => api("DELETE", `/v1/queues/${queue.id}`));
    }
  }

  private fields(queue: QueueOut | null) {
    return html`
      <label>${t("admin.name")}<input name="name" required maxlength="128" .value=${queue?.name ?? ""} /></label>
      <label>${t("admin.slThreshold")}<input name="sl_threshold_s" type="number" step="any" required
        .value=${String(queue?.sl_threshold_s ?? 20)} /></label>
      <label>${t("admin.slTarget")}<input name="sl_target" type="number" step="any" required
        .value=${String(Math.round((queue?.sl_target ?? 0.8) * 1000) / 10)} /></label>
      <label>${t("admin.shortAbandon")}<input name="short_abandon_s" type="number" step="any" required
        .value=${String(queue?.short_abandon_s ?? 5)} /></label>
      <label>${t("admin.wrapup")}<select name="wrapup_mode" @change=${toggleWrapupSeconds}>
        ${(["event", "none", "limit"] as const).map((mode) => html`<option value=${mode}
          ?selected=${wrapupMode(queue?.wrapup_s ?? null) === mode}>${t(WRAPUP_MODE_LABELS[mode])}</option>`)}
      </select></label>
      <label>${t("admin.wrapupSeconds")}<input name="wrapup_s" type="number" min="1" max="3600" step="any"
        required ?disabled=${wrapupMode(queue?.wrapup_s ?? null) !== "limit"}
        .value=${String(queue?.wrapup_s || 30)} /></label>`;
  }

  override render() {
    if (!this.canEdit) {
      return html`${this.status()}<section><table data-testid="queues">
        <thead><tr><th>${t("admin.name")}</th><th class="num">${t("admin.slThreshold")}</th><th class="num">${t("admin.slTarget")}</th>
          <th class="num">${t("admin.shortAbandon")}</th><th>${t("admin.wrapup")}</th></tr></thead>
        <tbody>${this.queues.map((q) => html`<tr data-queue=${q.name}><td>${q.name}</td>
          <td class="num">${formatDecimal(q.sl_threshold_s, 0)}</td><td class="num" data-key="sl_target">${formatPercent(q.sl_target, 0)}</td><td class="num">${formatDecimal(q.short_abandon_s, 0)}</td>
          <td>${wrapupText(q.wrapup_s)}</td></tr>`)}</tbody>
      </table></section>`;
    }
    return html`
      <section><h2>${t("admin.newQueue")}</h2>
        <form data-form="new-queue" @submit=${this.create}>${this.fields(null)}
          <button class="primary" type="submit">${t("admin.create")}</button></form>
      </section>
      ${this.status()}
      ${this.queues.map((queue) => html`<section data-queue=${queue.name}>
        <form @submit=${(e: Event) => this.saveQueue(queue, e)}>${this.fields(queue)}
          <button class="primary" type="submit">${t("admin.save")}</button>
          <button class="danger" type="button" @click=${() => this.deleteItem(queue)}>${t("admin.delete")}</button>
        </form></section>`)}
    `;
  }
}

customElements.define("fw-admin-queues", FwAdminQueues);
