"""The tables every access decision reads: tenants and what belongs to them (queues, teams,
agents, dashboards). They sit below auth, which resolves a principal's teams, agent and display
dashboard from them; the endpoints that change them live in org and dashboards."""
