"""KPI reports: assembled from KPI rows and plans, served as JSON and CSV; the funnel."""
