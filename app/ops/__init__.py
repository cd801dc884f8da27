"""Operations: Prometheus metrics, request ids and access logs, graceful shutdown."""
