/** How an alert reads to a person, in the page's language: the metric's label and unit from
 * the catalog, the window and the scope in words; and the order alerts are listed in. */

import type { components } from "./api-types";
import { t } from "./i18n";
import { scopeLabel, windowLabel } from "./labels";
import { formatMetric, formatShare, metricLabel } from "./metrics";

/** What an alert's text and order need: the API's alert, or the wall topic's copy of it. */
export type AlertFacts = Pick<
  components["schemas"]["AlertOut"],
  "rule_name" | "metric" | "window" | "scope" | "op" | "threshold" | "value" | "severity" | "started_at" | "fired_at"
> & { phrase?: components["schemas"]["AlertOut"]["phrase"]; plan?: components["schemas"]["AlertOut"]["plan"] };

const SEVERITY_ORDER = ["critical", "warning", "info"];

export function alertText(alert: AlertFacts): string {
  const phrase = alert.phrase;
  if (phrase) {
    const agent = phrase.agent ?? "?";
    return t(phrase.role === "customer" ? "alerts.phraseTextCustomer" : "alerts.phraseText", {
      rule: alert.rule_name,
      who: phrase.agent_name ? `${phrase.agent_name} (${agent})` : agent,
      phrase: phrase.phrase,
      list: phrase.list,
      queue: phrase.queue ? t("alerts.phraseQueue", { queue: phrase.queue }) : "",
    });
  }
  const plan = alert.plan;
  if (plan) {
    if (plan.plan === null) {
      return t("alerts.noPlanText", {
        rule: alert.rule_name,
        metric: metricLabel(alert.metric),
        scope: scopeLabel(alert.scope),
        op: alert.op,
        threshold: formatShare(alert.threshold),
      });
    }
    return t("alerts.planText", {
      rule: alert.rule_name,
      metric: metricLabel(alert.metric),
      scope: scopeLabel(alert.scope),
      share: formatShare(alert.value),
      actual: formatMetric(alert.metric, plan.actual),
      plan: formatMetric(alert.metric, plan.plan),
      op: alert.op,
      threshold: formatShare(alert.threshold),
    });
  }
  const window = alert.window === "live" ? "" : ` (${windowLabel(alert.window)})`;
  return t("alerts.text", {
    rule: alert.rule_name,
    metric: metricLabel(alert.metric) + window,
    scope: scopeLabel(alert.scope),
    value: formatMetric(alert.metric, alert.value),
    op: alert.op,
    threshold: formatMetric(alert.metric, alert.threshold),
  });
}

function severityRank(severity: string): number {
  const i = SEVERITY_ORDER.indexOf(severity);
  return i < 0 ? SEVERITY_ORDER.length : i;
}

/** Most severe first; within a severity, the longest firing first. */
export function bySeverity<T extends AlertFacts>(alerts: T[]): T[] {
  const since = (a: AlertFacts) => Date.parse(a.fired_at ?? a.started_at);
  return [...alerts].sort((a, b) => severityRank(a.severity) - severityRank(b.severity) || since(a) - since(b));
}
