import { html, nothing } from "lit";
import { api, ApiError } from "../core/api";
import { wall } from "../core/context";
import { watchDashboard } from "../core/dashboard-sync";
import { createDashboard, deleteDashboard, saveDashboard } from "../core/dashboards";
import { t } from "../core/i18n";
import { newWidget, WIDGET_TYPES } from "../core/layout";
import { live } from "../core/live";
import { loadCatalog } from "../core/metrics";
import { problemText } from "../core/problems";
import { nextInRotation, savedRotation, urlRotation, type RotationPlan } from "../core/rotation";
import { openSession } from "../core/session";
import type { MessageKey } from "../core/messages";
import type { Dashboard, Me, Rotation, Tenant, WallOptions, WidgetConfig, WidgetType } from "../core/types";
import type { FwGrid } from "./fw-grid";
import { LocalizedElement } from "./localized";
import { appStyles } from "./fw-app-styles";
import { dashboardIdAt, isStaffRole, loadPage, pageAt, type PageView, type View } from "./routes";
import { brand, pageNav } from "./app-bar";
import { reset } from "./theme";
import "./fw-grid";
import "./fw-display-links";
import "./fw-floor-ticker";
import "./fw-rotation-editor";
import "./fw-win-celebration";
import "./fw-floor-messages";
import "./fw-locale-switch";
import "./fw-login";
import "./fw-status";
import "./fw-widget-editor";

type Phase = "loading" | "login" | "ready" | "error";
const CHROME_HIDE_MS = 3000;

/**
 * The page: sign-in, then one dashboard at a time (`/d/ID`), in normal, wall or edit mode.
 *
 *   /                 the first dashboard the user may see
 *   /d/ID?wall=1      wall mode: full screen, no controls (they show when the pointer moves)
 *   /d/ID?rotate=1,4,7&every=30   wall mode cycling through those dashboards (else the
 *                     rotation saved with the dashboard wall mode opens on, if it has one)
 *   /display#token=…  a display link: read-only, wall mode, its one dashboard, no login
 *   /reports          KPI reports (ui/fw-reports.ts)
 *   /plans            plans and today's progress to them (ui/fw-plans.ts; staff only)
 *   /shifts           shifts and how they were kept, a roster import (ui/fw-shifts.ts; staff)
 *   /coaching         the coaching journal with KPIs before and after (ui/fw-coaching.ts; staff)
 *   /alerts           open alerts, alert rules and channels (ui/fw-alert-setup.ts; staff only)
 *   /admin/TAB        users, teams, agents, queues, API keys (ui/fw-admin.ts; staff only)
 *   ?lang=pl          Polish (the switch in the header remembers the choice)
 */
export class FwApp extends LocalizedElement {
  static override properties = {
    phase: { state: true },
    message: { state: true },
    dashboards: { state: true },
    current: { state: true },
    draft: { state: true },
    selected: { state: true },
    wallMode: { state: true },
    chrome: { state: true },
    notice: { state: true },
    linksOpen: { state: true },
    messagesOpen: { state: true },
    view: { state: true },
  };
  declare view: View;
  declare phase: Phase;
  declare message: string;
  declare dashboards: Dashboard[];
  declare current: Dashboard | null;
  declare draft: Dashboard | null;
  declare selected: string | null;
  declare wallMode: boolean;
  declare chrome: boolean;
  declare notice: string;
  declare linksOpen: boolean;
  declare messagesOpen: boolean;

  private me: Me | null = null;
  /** From `?rotate=`: fixed for the page's life. */
  private urlRotation: RotationPlan | null = null;
  private rotationTimer: number | null = null;
  /** The dashboard whose saved rotation runs (the one wall mode opened on). */
  private rotationAnchor: number | null = null;
  private chromeTimer: number | null = null;
  private unwatchDashboard: (() => void) | null = null;

  constructor() {
    super();
    this.phase = "loading";
    this.message = "";
    this.dashboards = [];
    this.current = null;
    this.draft = null;
    this.selected = null;
    this.wallMode = false;
    this.chrome = true;
    this.notice = "";
    this.linksOpen = false;
    this.messagesOpen = false;
    this.view = "board";
  }

  static override styles = [reset, appStyles];

  override connectedCallback(): void {
    super.connectedCallback();
    live.addEventListener("status", this.onLiveStatus);
    window.addEventListener("popstate", this.onPop);
    window.addEventListener("pointermove", this.onPointer);
    document.addEventListener("keydown", this.onKey);
    void this.boot();
  }

  override updated(changed: Map<string, unknown>): void {
    if (changed.has("current")) {
      this.unwatchDashboard?.();
      this.unwatchDashboard = this.current ? watchDashboard(this.current, () => void this.reloadDashboards()) : null;
    }
  }

  /** The shown dashboard changed on the server (saved elsewhere, moved, deleted): take the
   * new layout, unless it is being edited here (saving will then report the conflict). */
  private async reloadDashboards(): Promise<void> {
    if (this.draft) return;
    try {
      this.dashboards = await api<Dashboard[]>("GET", "/v1/dashboards");
    } catch (error) {
      console.warn("floorwatch: reloading the dashboards failed", error);
      return;
    }
    const shown = this.dashboards.find((d) => d.id === this.current?.id);
    if (shown) this.current = shown;
    else if (this.view === "board") this.route();
    if (!this.urlRotation) this.startRotation();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.unwatchDashboard?.();
    live.removeEventListener("status", this.onLiveStatus);
    window.removeEventListener("popstate", this.onPop);
    window.removeEventListener("pointermove", this.onPointer);
    document.removeEventListener("keydown", this.onKey);
  }

  private readonly onLiveStatus = () => {
    if (live.status === "unauthorized" && !wall.readOnly) {
      live.stop();
      this.phase = "login";
    }
    this.requestUpdate();
  };

  private readonly onPop = () => this.route();

  private readonly onPointer = () => {
    if (!this.wallMode) return;
    this.chrome = true;
    if (this.chromeTimer !== null) clearTimeout(this.chromeTimer);
    this.chromeTimer = window.setTimeout(() => (this.chrome = false), CHROME_HIDE_MS);
  };

  private readonly onKey = (event: KeyboardEvent) => {
    if (event.key === "Escape" && this.selected) this.selected = null;
  };

  // -- boot and routing ---------------------------------------------------------------------

  private async boot(): Promise<void> {
    this.phase = "loading";
    const params = new URLSearchParams(location.search);
    let session;
    try {
      session = await openSession();
    } catch (error) {
      return this.fail(error instanceof Error ? error.message : String(error));
    }
    if (session.kind === "signed-out" && location.pathname === "/display") {
      return this.fail(t("status.unauthorized"));
    }
    if (session.kind === "signed-out") {
      this.phase = "login";
      if (location.pathname !== "/login") history.replaceState(null, "", "/login");
      return;
    }
    this.me = session.kind === "user" ? session.me : null;
    wall.readOnly = session.kind === "display" || this.me?.user.role === "display";
    this.wallMode = session.kind === "display" || params.get("wall") === "1" || params.has("rotate");
    this.markWall();
    try {
      const [options, dashboards, tenant] = await Promise.all([
        api<WallOptions>("GET", "/v1/dashboards/options"),
        api<Dashboard[]>("GET", "/v1/dashboards"),
        api<Tenant>("GET", "/v1/tenant"),
        loadCatalog(),
      ]);
      wall.options = options;
      wall.tenant = tenant;
      this.dashboards = dashboards;
    } catch (error) {
      if (error instanceof ApiError && error.status === 401 && wall.readOnly) {
        return this.fail(t("status.unauthorized"));
      }
      return this.fail(error instanceof Error ? error.message : String(error));
    }
    this.urlRotation = urlRotation(params, this.dashboards);
    live.start();
    this.phase = "ready";
    this.route();
    this.startRotation();
    this.onPointer();
  }

  private fail(message: string): void {
    this.message = message;
    this.phase = "error";
  }

  private isStaff(): boolean {
    return !wall.readOnly && isStaffRole(this.me?.user.role);
  }

  private route(): void {
    if (this.phase !== "ready") return;
    const page = pageAt(location.pathname);
    if (!wall.readOnly && page && (!page.staff || this.isStaff())) {
      void loadPage(page.view).catch((error: unknown) => this.fail(String(error)));
      this.view = page.view;
      this.cancelEditing();
      document.title = `${t(page.title)} · Floorwatch`;
      return;
    }
    this.view = "board";
    const wanted = dashboardIdAt(location.pathname);
    const found = this.dashboards.find((d) => d.id === wanted) ?? this.dashboards[0] ?? null;
    this.current = found;
    this.draft = null;
    this.selected = null;
    this.toggleAttribute("editing", false);
    if (found && !wall.readOnly && location.pathname !== `/d/${found.id}`) {
      history.replaceState(null, "", `/d/${found.id}${location.search}`);
    }
    document.title = found ? `${found.name} · Floorwatch` : "Floorwatch";
  }

  private open(path: string): void {
    history.pushState(null, "", `${path}${location.search}`);
    this.route();
  }

  private go(id: number): void {
    history.pushState(null, "", `/d/${id}${location.search}`);
    this.route();
  }

  /** The rotation in force: `?rotate=`, else in wall mode the one saved with the dashboard
   * wall mode opened on (display links included), restarted when that dashboard changes. */
  private rotationPlan(): RotationPlan | null {
    if (this.urlRotation) return this.urlRotation;
    if (!this.wallMode || this.view !== "board") return null;
    const anchor = this.dashboards.find((d) => d.id === (this.rotationAnchor ?? this.current?.id));
    return savedRotation(anchor, this.dashboards);
  }

  private stopRotation(): void {
    if (this.rotationTimer !== null) clearInterval(this.rotationTimer);
    this.rotationTimer = null;
    this.rotationAnchor = null;
  }

  private startRotation(): void {
    const anchor = this.rotationAnchor ?? this.current?.id ?? null;
    this.stopRotation();
    this.rotationAnchor = anchor;
    const plan = this.rotationPlan();
    if (!plan || plan.ids.length < 2) return;
    this.rotationTimer = window.setInterval(() => {
      if (this.draft) return;
      this.show(nextInRotation(plan, this.current?.id));
    }, plan.every * 1000);
  }

  /** Next dashboard of a rotation: a display link keeps its address (`/display`), so a
   * restarted TV is still a display; a signed-in wall moves to `/d/ID`. */
  private show(id: number): void {
    if (!wall.readOnly || location.pathname !== "/display") return this.go(id);
    const found = this.dashboards.find((d) => d.id === id);
    if (!found) return;
    this.current = found;
    document.title = `${found.name} · Floorwatch`;
  }

  private async loggedIn(): Promise<void> {
    history.replaceState(null, "", "/");
    await this.boot();
  }

  private async logout(): Promise<void> {
    try {
      await api("POST", "/v1/auth/logout");
    } finally {
      live.stop();
      location.assign("/login");
    }
  }

  // -- wall mode ------------------------------------------------------------------------------

  /** Wall mode is marked on the document too: `--wall-text` (styles/page.css), the least size
   * of any text on a wall, applies to every widget from there. */
  private markWall(): void {
    this.toggleAttribute("wall", this.wallMode);
    document.documentElement.toggleAttribute("data-wall", this.wallMode);
  }

  private toggleWall(): void {
    this.wallMode = !this.wallMode;
    this.markWall();
    this.rotationAnchor = null;
    this.startRotation();
    if (this.wallMode) {
      void document.documentElement.requestFullscreen?.().catch(() => undefined);
      this.onPointer();
    } else if (document.fullscreenElement) {
      void document.exitFullscreen();
    }
  }

  // -- editing --------------------------------------------------------------------------------

  private startEditing(): void {
    if (!this.current) return;
    this.draft = structuredClone(this.current);
    this.toggleAttribute("editing", true);
  }

  private cancelEditing(): void {
    this.draft = null;
    this.selected = null;
    this.toggleAttribute("editing", false);
  }

  private setWidgets(widgets: WidgetConfig[]): void {
    if (this.draft) this.draft = { ...this.draft, widgets };
  }

  /** A new widget goes to the first free place, which may be below the fold of a full
   * dashboard: the board scrolls to it. */
  private async addWidget(type: WidgetType): Promise<void> {
    if (!this.draft) return;
    const widget = newWidget(type, this.draft.widgets);
    this.setWidgets([...this.draft.widgets, widget]);
    this.selected = widget.id;
    await this.updateComplete;
    const grid = this.renderRoot.querySelector<FwGrid>("fw-grid");
    await grid?.updateComplete;
    grid?.reveal(widget.id);
  }

  private changeWidget(widget: WidgetConfig): void {
    if (!this.draft) return;
    this.setWidgets(this.draft.widgets.map((w) => (w.id === widget.id ? widget : w)));
  }

  private flash(text: string): void {
    this.notice = text;
    window.setTimeout(() => this.notice === text && (this.notice = ""), 4000);
  }

  private async save(): Promise<void> {
    const draft = this.draft;
    if (!draft) return;
    try {
      const saved = await saveDashboard(draft, this.dashboards);
      this.dashboards = this.dashboards.map((d) => (d.id === saved.id ? saved : d));
      this.current = saved;
      this.cancelEditing();
      this.flash(t("edit.saved"));
    } catch (error) {
      if (error instanceof ApiError && error.status === 409 && error.message.includes("version")) {
        this.flash(t("edit.conflict"));
      } else {
        this.flash(problemText(error));
      }
    }
  }

  private async addDashboard(): Promise<void> {
    try {
      const created = await createDashboard(t("edit.newDashboard"), this.dashboards);
      this.dashboards = [...this.dashboards, created];
      this.go(created.id);
      this.startEditing();
    } catch (error) {
      this.flash(problemText(error));
    }
  }

  private async removeDashboard(): Promise<void> {
    const current = this.current;
    if (!current || !confirm(t("edit.confirmDelete", { name: current.name }))) return;
    try {
      await deleteDashboard(current.id);
      this.dashboards = this.dashboards.filter((d) => d.id !== current.id);
      this.cancelEditing();
      if (this.dashboards[0]) this.go(this.dashboards[0].id);
      else this.current = null;
    } catch (error) {
      this.flash(problemText(error));
    }
  }

  // -- rendering ------------------------------------------------------------------------------

  private topBar() {
    const dashboard = this.draft ?? this.current;
    const editing = this.draft !== null;
    if (editing && this.draft) {
      const draft = this.draft;
      return html`<div class="top">
        ${brand}
        <span class="editing-tag">${t("edit.title")}</span>
        <input name="dashboard-name" aria-label=${t("edit.name")} .value=${draft.name}
          @input=${(e: Event) => (this.draft = { ...draft, name: (e.target as HTMLInputElement).value })} />
        <select name="dashboard-team" aria-label=${t("edit.team")}
          @change=${(e: Event) => (this.draft = { ...draft, team: (e.target as HTMLSelectElement).value || null })}>
          <option value="" ?selected=${!draft.team}>${t("edit.team")}: ${t("edit.wholeTenant")}</option>
          ${wall.options.teams.map((team) => html`<option value=${team} ?selected=${draft.team === team}>${t("edit.team")}: ${team}</option>`)}
        </select>
        <select name="add-widget" data-testid="add-widget" aria-label=${t("edit.add")}
          @change=${(e: Event) => {
            const select = e.target as HTMLSelectElement;
            if (select.value) this.addWidget(select.value as WidgetType);
            select.value = "";
          }}>
          <option value="">+ ${t("edit.add")}</option>
          ${WIDGET_TYPES.map((type) => html`<option value=${type}>${t(`widget.${type}` as MessageKey)}</option>`)}
        </select>
        <span class="spacer"></span>
        <button data-action="display-links" @click=${() => (this.linksOpen = true)}>${t("links.title")}</button>
        <button @click=${this.addDashboard}>${t("edit.newDashboard")}</button>
        <button class="danger" @click=${this.removeDashboard}>${t("edit.deleteDashboard")}</button>
        <button @click=${this.cancelEditing} data-action="cancel">${t("edit.cancel")}</button>
        <button class="primary" @click=${this.save} data-action="save">${t("edit.save")}</button>
      </div>`;
    }
    const canEdit = !wall.readOnly && dashboard?.can_edit && this.view === "board";
    const nav = wall.readOnly || this.wallMode
      ? nothing
      : pageNav(this.view, this.isStaff(), (path) => this.open(path), () => (this.current ? this.go(this.current.id) : this.open("/")));
    if (this.view !== "board") {
      return html`<div class="top">
        ${brand}${nav}
        <span class="spacer"></span>
        <div class="controls">
          <fw-locale-switch></fw-locale-switch>
          <button data-action="logout" @click=${this.logout}>${t("nav.logout")}</button>
        </div>
      </div>`;
    }
    return html`<div class="top">
      ${brand}${nav}
      ${this.dashboards.length > 1 && !this.wallMode
        ? html`<select aria-label=${t("nav.dashboards")} data-testid="dashboard-select"
            @change=${(e: Event) => this.go(Number((e.target as HTMLSelectElement).value))}>
            ${this.dashboards.map((d) => html`<option value=${d.id} ?selected=${d.id === dashboard?.id}>${d.name}</option>`)}
          </select>`
        : html`<div class="title" data-testid="dashboard-name">${dashboard?.name ?? ""}
            ${dashboard?.team ? html`<span class="team">· ${dashboard.team}</span>` : nothing}</div>`}
      <span class="spacer"></span>
      <fw-status ?wall=${this.wallMode}></fw-status>
      <div class="controls ${this.chrome ? "" : "hidden"}">
        <fw-locale-switch></fw-locale-switch>
        ${wall.readOnly
          ? nothing
          : html`
              ${canEdit && !this.wallMode ? html`<button data-action="edit" @click=${this.startEditing}>${t("nav.edit")}</button>` : nothing}
              ${canEdit && !this.wallMode ? html`<button data-action="messages" @click=${() => (this.messagesOpen = true)}>${t("messages.open")}</button>` : nothing}
              <button data-action="wall" @click=${this.toggleWall}>${this.wallMode ? t("nav.exitWall") : t("nav.wall")}</button>
              ${this.wallMode ? nothing : html`<button data-action="logout" @click=${this.logout}>${t("nav.logout")}</button>`}
            `}
      </div>
    </div>`;
  }

  private page(view: PageView) {
    switch (view) {
      case "reports":
        return html`<fw-reports .userRole=${this.me?.user.role ?? ""}></fw-reports>`;
      case "plans":
        return html`<fw-plans></fw-plans>`;
      case "shifts":
        return html`<fw-shifts></fw-shifts>`;
      case "coaching":
        return html`<fw-coaching></fw-coaching>`;
      case "alerts":
        return html`<fw-alert-setup></fw-alert-setup>`;
      case "admin":
        return html`<fw-admin .userRole=${this.me?.user.role ?? ""}></fw-admin>`;
    }
  }

  override render() {
    switch (this.phase) {
      case "login":
        return html`<fw-login @logged-in=${this.loggedIn}></fw-login>`;
      case "loading":
        return html`<div class="center">${t("app.loading")}</div>`;
      case "error":
        return html`<div class="center"><div><p>${t("app.error")}</p><p>${this.message}</p>
          <button @click=${() => location.reload()}>${t("app.retry")}</button></div></div>`;
    }
    if (this.view !== "board") {
      return html`${this.topBar()}<main>
        ${this.page(this.view)}
      </main>`;
    }
    const dashboard = this.draft ?? this.current;
    const selected = this.draft?.widgets.find((w) => w.id === this.selected) ?? null;
    return html`
      ${this.topBar()}
      <main>
        ${dashboard
          ? html`<div class="board ${live.status === "stale" ? "stale" : ""}">
              <fw-grid
                .widgets=${dashboard.widgets}
                ?editing=${this.draft !== null}
                .selected=${this.selected}
                @widgets-change=${(e: CustomEvent<WidgetConfig[]>) => this.setWidgets(e.detail)}
                @widget-select=${(e: CustomEvent<string | null>) => (this.selected = e.detail)}
              ></fw-grid>
              ${this.draft ? nothing : html`<fw-floor-ticker .dashboard=${dashboard}></fw-floor-ticker>`}
              ${this.draft ? nothing : html`<fw-win-celebration .dashboard=${dashboard}></fw-win-celebration>`}
            </div>`
          : html`<div class="center">${t("app.noDashboards")}</div>`}
        ${selected
          ? html`<fw-widget-editor
              .widget=${selected}
              @widget-change=${(e: CustomEvent<WidgetConfig>) => this.changeWidget(e.detail)}
              @close=${() => (this.selected = null)}
            ></fw-widget-editor>`
          : this.draft
            ? // the settings column stays while editing: opening a widget's settings does not
              // narrow the grid under the pointer
              html`<aside class="editor-hint" data-testid="editor-hint">
                <h3>${t("edit.settings")}</h3><p>${t("edit.pickHint")}</p>
                <fw-rotation-editor .dashboard=${this.draft} .dashboards=${this.dashboards}
                  @rotation-change=${(e: CustomEvent<Rotation | null>) => this.draft && (this.draft = { ...this.draft, rotation: e.detail })}
                ></fw-rotation-editor>
                <label class="celebrate"><input type="checkbox" name="celebrate-wins" .checked=${this.draft.celebrate_wins ?? false}
                  @change=${(e: Event) => this.draft && (this.draft = { ...this.draft, celebrate_wins: (e.target as HTMLInputElement).checked })}
                />${t("celebrate.setting")}</label>
              </aside>`
            : nothing}
      </main>
      ${this.notice ? html`<div class="notice" role="status">${this.notice}</div>` : nothing}
      ${this.linksOpen && this.current
        ? html`<fw-display-links .dashboard=${this.current} @close=${() => (this.linksOpen = false)}></fw-display-links>`
        : nothing}
      ${this.messagesOpen && this.current
        ? html`<fw-floor-messages .dashboard=${this.current} @close=${() => (this.messagesOpen = false)}></fw-floor-messages>`
        : nothing}
    `;
  }
}

customElements.define("fw-app", FwApp);
