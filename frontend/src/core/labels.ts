import { agentName } from "./agent-names";
import { hasMessage, t } from "./i18n";

export function windowBadge(window: string): string {
  const key = `window.short.${window}`;
  return hasMessage(key) ? t(key) : window;
}

export function windowLabel(window: string): string {
  const key = `window.${window}`;
  return hasMessage(key) ? t(key) : window;
}

export function stateLabel(state: string): string {
  const key = `state.${state}`;
  return hasMessage(key) ? t(key) : state;
}

export function scopeLabel(scope: string): string {
  if (scope === "tenant") return t("scope.tenant");
  const [kind, ...rest] = scope.split(":");
  const key = `scope.${kind}`;
  const name = kind === "agent" ? agentName(rest.join(":")) : rest.join(":");
  return `${hasMessage(key) ? t(key) : kind}: ${name}`;
}

export function severityLabel(severity: string): string {
  const key = `alerts.severity.${severity}`;
  return hasMessage(key) ? t(key) : severity;
}
