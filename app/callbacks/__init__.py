"""The call-back list: callers whose calls went unanswered and who were not called back yet
(docs/metrics.md, "Call-backs"). The live list is aggregator state
(app/streams/aggregator/callbacks.py); this package holds what surrounds it: caller numbers,
the API, masking by role, the reports and retention."""
