"""The local runtime behind `make dev`: moto on loopback, a write-ahead log for persistence, uvicorn."""
