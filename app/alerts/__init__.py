"""Threshold alerts: rules, evaluation in the engine tick hook, notification channels, the
wall feed and the history (docs/alerts.md)."""
