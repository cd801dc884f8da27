"""The report fact store: the fact tables the engine's fact sink writes, their 15-minute and
daily rollups, retention and rebuilds, the report calendar, and the scoping helpers every
report-like route uses (who may see an agent, the tenant's zone, clock and today). Reports,
plans, shifts and coaching read it; it imports none of them."""
