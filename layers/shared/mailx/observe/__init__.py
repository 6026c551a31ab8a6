"""Observability: one JSON log line per request and invocation, and EMF metrics with dimensions."""
