import type { PropertyValues } from "lit";
import { t } from "../core/i18n";
import { live, type TopicCopy } from "../core/live";
import type { WidgetConfig } from "../core/types";
import { LocalizedElement } from "../ui/localized";

/** The part of a configuration that changes what a widget shows (not where it sits). */
function contentOf(config: WidgetConfig): string {
  const { type, metric, scope, window, thresholds, options } = config;
  return JSON.stringify({ type, metric, scope, window, thresholds, options });
}

/**
 * A widget: configured by `config`, fed by the page's one live connection. Subclasses name
 * their topics (which may depend on the data they already have, e.g. the leaderboard's
 * per-agent topics) and handle each update; the base keeps the subscriptions in line.
 */
export abstract class WidgetElement extends LocalizedElement {
  static override properties = { config: { attribute: false } };
  declare config: WidgetConfig;

  private readonly subscriptions = new Map<string, () => void>();
  private content = "";

  protected abstract topics(): string[];
  protected abstract onTopic(copy: TopicCopy): void;

  /** Call when `topics()` may have changed (e.g. new agents appeared): it subscribes and
   * releases only the difference, so calling it on every update costs little. */
  protected syncTopics(): void {
    if (!this.isConnected || !this.config) return;
    const wanted = new Set(this.topics());
    for (const [topic, release] of this.subscriptions) {
      if (!wanted.has(topic)) {
        release();
        this.subscriptions.delete(topic);
      }
    }
    for (const topic of wanted) {
      if (!this.subscriptions.has(topic)) {
        this.subscriptions.set(
          topic,
          live.subscribe(topic, (copy) => this.onTopic(copy)),
        );
      }
    }
    this.markRefused(); // a topic refused before may be gone, or granted since
  }

  protected override willUpdate(changed: PropertyValues): void {
    if (!changed.has("config")) return;
    const content = contentOf(this.config);
    if (content === this.content) return;
    const first = this.content === "";
    this.content = content;
    this.configChanged();
    if (!first) {
      // Same topics keep their subscription: hand the widget what the page already has.
      for (const topic of this.subscriptions.keys()) {
        const copy = live.peek(topic);
        if (copy) this.onTopic({ ...copy, changed: null });
      }
    }
    this.syncTopics();
  }

  /** Reset state that depends on the configuration (before re-subscribing). */
  protected configChanged(): void {}

  private readonly onTopicError = () => this.markRefused();
  private readonly onTopicGranted = (event: Event) => {
    if (this.subscriptions.has((event as CustomEvent<string>).detail)) this.markRefused();
  };

  /** A topic the server refused (a display or team lead may not see the whole floor's
   * agents): the panel says so instead of looking empty. */
  private markRefused(): void {
    const refused = [...this.subscriptions.keys()].some((topic) => live.refused.has(topic));
    this.toggleAttribute("refused", refused);
    if (refused) this.setAttribute("refused-text", t("widget.refused"));
  }

  override connectedCallback(): void {
    super.connectedCallback();
    live.addEventListener("topic-error", this.onTopicError);
    live.addEventListener("topic-granted", this.onTopicGranted);
    this.syncTopics();
    this.markRefused();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    live.removeEventListener("topic-error", this.onTopicError);
    live.removeEventListener("topic-granted", this.onTopicGranted);
    for (const release of this.subscriptions.values()) release();
    this.subscriptions.clear();
  }
}

export function metricTopic(scope: string, window: string): string {
  return `metrics:${scope}:${window}`;
}

/** The smallest text a wall allows, in px (the `--wall-text` custom property fw-app sets in
 * wall mode; 0 elsewhere). */
export function wallTextPx(element: Element, style: CSSStyleDeclaration = getComputedStyle(element)): number {
  return parseFloat(style.getPropertyValue("--wall-text")) || 0;
}
