"""Canonical events: the schema every adapter produces, caller numbers, and validation of a
batch. Ingestion over HTTP is app/ingest."""
