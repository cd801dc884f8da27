"""KPI rows: the metric catalog per group (tenant, queue, team, agent, pipeline) and period,
from the rollups and the shifts' outcomes, with the phrase-list metrics. Reports, plans,
coaching and the e-mailed reports build on them."""
