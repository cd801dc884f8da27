"""The metric registry: every metric declared once (app/registry/metrics.py), and everything
that depends on the list of metrics — the aggregator's catalog, report columns, alert texts,
dashboard choices, `GET /v1/metrics/catalog` and through it the wall — derived from it."""
