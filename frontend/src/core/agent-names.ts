/**
 * Agents' display names by id, so that pages show people where the API speaks in ids
 * (`agent:east-001` in plans and alert rules, shift rows). Pages that load the roster
 * (`/v1/agents/roster`) hand it over; an agent without a known name shows its id.
 */

const names = new Map<string, string>();

export function rememberAgentNames(agents: ReadonlyArray<{ external_id: string; display_name: string | null }>): void {
  for (const agent of agents) {
    if (agent.display_name) names.set(agent.external_id, agent.display_name);
    else names.delete(agent.external_id);
  }
}

export function agentName(id: string): string {
  return names.get(id) ?? id;
}
