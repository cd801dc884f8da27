"""Ingestion: the HTTP route that takes canonical events and appends them to the event log."""
