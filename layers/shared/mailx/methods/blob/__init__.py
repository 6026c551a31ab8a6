"""JMAP blob methods: Blob/copy (RFC 8620 §6.3), Blob/upload, /get, /lookup (RFC 9404)."""
