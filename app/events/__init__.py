"""Canonical events: schema, validation, de-duplication and the ingest endpoints."""
