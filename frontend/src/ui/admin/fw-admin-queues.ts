import { html } from "lit";
import { api } from "../../core/api";
import { formatDecimal, t } from "../../core/i18n";
import { AdminSection, formValues, type QueueOut } from "./section";

function queueFields(data: FormData): Omit<QueueOut, "id"> {
  return {
    name: String(data.get("name") ?? "").trim(),
    sl_threshold_s: Number(data.get("sl_threshold_s")),
    short_abandon_s: Number(data.get("short_abandon_s")),
    wrapup: data.get("wrapup") === "on",
  };
}

/** Queues and their thresholds: service-level threshold, short-abandon threshold, wrap-up. */
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
      <label>${t("admin.shortAbandon")}<input name="short_abandon_s" type="number" step="any" required
        .value=${String(queue?.short_abandon_s ?? 5)} /></label>
      <label class="check"><input name="wrapup" type="checkbox" .checked=${queue?.wrapup ?? true} />${t("admin.wrapup")}</label>`;
  }

  override render() {
    if (!this.canEdit) {
      return html`${this.status()}<section><table data-testid="queues">
        <thead><tr><th>${t("admin.name")}</th><th class="num">${t("admin.slThreshold")}</th>
          <th class="num">${t("admin.shortAbandon")}</th><th>${t("admin.wrapup")}</th></tr></thead>
        <tbody>${this.queues.map((q) => html`<tr data-queue=${q.name}><td>${q.name}</td>
          <td class="num">${formatDecimal(q.sl_threshold_s, 0)}</td><td class="num">${formatDecimal(q.short_abandon_s, 0)}</td>
          <td>${q.wrapup ? "✓" : "—"}</td></tr>`)}</tbody>
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
