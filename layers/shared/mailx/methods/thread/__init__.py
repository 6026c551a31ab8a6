"""JMAP Thread methods (RFC 8621 §3); server/registry.py lists them."""
