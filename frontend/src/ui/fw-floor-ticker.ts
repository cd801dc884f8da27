import { css, html, nothing } from "lit";
import { t } from "../core/i18n";
import { live } from "../core/live";
import type { Dashboard } from "../core/types";
import { onTick } from "../widgets/ticker";
import { LocalizedElement } from "./localized";
import { reset } from "./theme";

/** One message of the `messages:SCOPE` topics (app/messages/feed.py). */
interface FloorMessage {
  id: number;
  text: string;
  dashboard_id: number | null;
  expires_at_ms: number | null;
  created_at_ms: number;
}

/** Pixels per second a long message moves, as a share of the bar's width: it crosses the
 * screen in about twelve seconds, slow enough to read from across the room. */
const SPEED_PER_WIDTH = 1 / 12;

/**
 * The message line under a wall: the messages to every wall and to this dashboard
 * (`messages:tenant`, and `messages:team:NAME` for a team's dashboard), newest first, shown
 * the moment they are posted and gone when they expire. A line wider than the screen scrolls.
 */
export class FwFloorTicker extends LocalizedElement {
  static override properties = { dashboard: { attribute: false } };
  declare dashboard: Dashboard | null;

  private messages = new Map<string, Record<string, FloorMessage>>();
  private releases: (() => void)[] = [];
  private watching = "";
  private stopTick: (() => void) | null = null;

  static override styles = [reset, css`
    :host { display: block; flex: none; }
    .bar {
      display: flex;
      align-items: center;
      gap: 0.8em;
      margin-top: 0.6rem;
      padding: 0.35em 0.9em;
      border-radius: var(--radius, 0.6rem);
      background: #1e1b4b;
      border: 1px solid #4338ca;
      color: #eef2ff;
      font-size: max(var(--wall-text), 1.15rem);
      font-weight: 600;
      overflow: hidden;
      white-space: nowrap;
    }
    .label {
      flex: none;
      font-size: 0.8em;
      letter-spacing: 0.08em;
      text-transform: uppercase;
      color: #c7d2fe;
    }
    .window { flex: 1; min-width: 0; overflow: hidden; }
    .line { display: inline-block; }
    .copy { display: inline-block; }
    .copy span + span::before { content: "•"; margin: 0 1em; color: #a5b4fc; }
    /* A line longer than the screen runs as a loop of two copies: it starts readable at the
       left and the second copy follows the first without a gap on the screen. */
    :host([scrolling]) .copy { padding-right: 4em; }
    :host([scrolling]) .line { animation: scroll var(--scroll-s, 20s) linear infinite; }
    @keyframes scroll { from { transform: translateX(0); } to { transform: translateX(-50%); } }
    @media (prefers-reduced-motion: reduce) {
      :host([scrolling]) .line { animation: none; }
    }
  `];

  constructor() {
    super();
    this.dashboard = null;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.stopTick = onTick(() => this.expire());
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.stopTick?.();
    this.stopTick = null;
    this.unwatch();
  }

  private unwatch(): void {
    for (const release of this.releases) release();
    this.releases = [];
    this.messages = new Map();
    this.watching = "";
  }

  private topics(): string[] {
    const team = this.dashboard?.team;
    return team ? ["messages:tenant", `messages:team:${team}`] : ["messages:tenant"];
  }

  protected override willUpdate(): void {
    const key = this.dashboard ? this.topics().join(",") : "";
    if (key === this.watching) return;
    this.unwatch();
    this.watching = key;
    if (!key) return;
    this.releases = this.topics().map((topic) =>
      live.subscribe(topic, (copy) => {
        this.messages.set(topic, copy.data as Record<string, FloorMessage>);
        this.requestUpdate();
      }),
    );
  }

  private shown(): FloorMessage[] {
    const now = live.serverNow();
    const id = this.dashboard?.id;
    return [...this.messages.values()]
      .flatMap((byId) => Object.values(byId))
      .filter((m) => (m.dashboard_id === null || m.dashboard_id === id) && (m.expires_at_ms === null || m.expires_at_ms > now))
      .sort((a, b) => b.id - a.id);
  }

  private last = "";

  /** Once a second: drop what expired (the server's feed may still hold it a moment). */
  private expire(): void {
    const ids = this.shown().map((m) => m.id).join(",");
    if (ids !== this.last) this.requestUpdate();
  }

  override render() {
    const shown = this.shown();
    this.last = shown.map((m) => m.id).join(",");
    if (shown.length === 0) return nothing;
    return html`<div class="bar" role="status" aria-live="polite" data-testid="floor-messages">
      <span class="label">${t("ticker.label")}</span>
      <div class="window"><div class="line">
        <span class="copy">${shown.map((m) => html`<span data-message=${m.id}>${m.text}</span>`)}</span>${this.hasAttribute("scrolling")
          ? html`<span class="copy" aria-hidden="true">${shown.map((m) => html`<span>${m.text}</span>`)}</span>`
          : nothing}
      </div></div>
    </div>`;
  }

  protected override updated(): void {
    const window = this.renderRoot.querySelector<HTMLElement>(".window");
    const copy = this.renderRoot.querySelector<HTMLElement>(".copy");
    if (!window || !copy) {
      this.toggleAttribute("scrolling", false);
      return;
    }
    const width = window.clientWidth;
    const scrolling = this.hasAttribute("scrolling");
    const padding = scrolling ? parseFloat(getComputedStyle(copy).paddingRight) : 0;
    const wanted = copy.offsetWidth - padding > width + 1;
    if (wanted !== scrolling) {
      this.toggleAttribute("scrolling", wanted);
      this.requestUpdate();
    }
    if (wanted) this.style.setProperty("--scroll-s", `${(copy.offsetWidth / (width * SPEED_PER_WIDTH)).toFixed(1)}s`);
  }
}

customElements.define("fw-floor-ticker", FwFloorTicker);
