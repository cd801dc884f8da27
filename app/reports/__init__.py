"""Facts, rollups and KPI reports."""
